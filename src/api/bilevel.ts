/**
 * The public bilevel API (MATH.md §5–§7), validated: the solved lower level θ*(ν), its ν-score,
 * the policy point at θ*(ν) and the exact upper level G, ∇G. Solutions and points are opaque
 * values: the functions that take one accept only what this module returned.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invalidInput, invalidInputs, limitExceeded, numericalFailure, type ValidationError } from '../errors/parlError.js';
import { solveLowerLevel as solveLowerLevelInternal, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { Mdp } from '../mdp/types.js';
import { MAX_DENSE_ENTRIES, describeValue } from '../mdp/validate.js';
import { NU_SCORE_ROUTES, nuScoreOf as nuScoreOfInternal, type NuScoreOf, type NuScoreRoute } from '../nuScore/routes.js';
import type { RewardModel } from '../reward/rewardModel.js';
import { upperLevelExact as upperLevelExactInternal, type UpperLevelSpec, type UpperLevelValue } from '../upperLevel/objective.js';
import { policyPointOf as policyPointOfInternal } from '../upperLevel/policyPoint.js';
import { validateTeacher } from '../upperLevel/teacher.js';
import type { PolicyPoint, Teacher } from '../upperLevel/types.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { all, checkLambda, checkMdp, checkModel, checkNu, checkTable, lambdaScale, maxAbs, publicReport, requireFinite, total, type Result, type Scale } from './validate.js';

/** Solutions returned by `solveLowerLevel` (so `nuScoreOf` and `policyPointOf` can trust theirs). */
const solutions = new WeakSet<object>();
/** Points returned by `policyPointOf` and `policyPointAtOptimum`. */
const points = new WeakSet<object>();

/** The policy point at θ*(ν): the upper level's view of the solved lower level (MATH.md §6–§7). */
export type OptimumPoint = PolicyPoint & { readonly optimum: LowerSolution['optimum'] };

const scalesOf = (nu: Readonly<Float64Array>, model: RewardModel, lambda: number): Scale[] => [
  { field: 'nu', what: 'max |ν|', value: maxAbs(nu) },
  ...(model.kind === 'linear' ? [{ field: 'model.features', what: 'max |Φ|', value: maxAbs(model.features) }] : []),
  { field: 'lambda', what: 'max(λ, 1/λ)', value: lambdaScale(lambda) },
];

/**
 * Solve the lower level for λ > 0 (MATH.md §5): r_ν = `rewardOf(model, ν)` (tabular r = ν, linear
 * r = Φν), the soft optimum θ*(ν), π*, V*, Q*, and the exact evaluation at θ* with its
 * factorisation of I − γP_{π*}; `reports` says whether θ* can be vouched for. ν has the model's
 * dimension (S·A tabular, k linear); λ = 0 is a `Left` (no θ* exists).
 */
export const solveLowerLevel = (mdp: Mdp, model: RewardModel, nu: Readonly<Float64Array>, lambda: number): Result<LowerSolution> =>
  total('solveLowerLevel', () =>
    E.chain((m: Mdp) =>
      E.chain((mod: RewardModel) =>
        E.chain(([n, l]: readonly [Float64Array, number]) =>
          E.chain((sol: LowerSolution) =>
            E.map((s: LowerSolution) => {
              solutions.add(s);
              return s;
            })(requireFinite('the solved lower level', withPublicReports(sol), scalesOf(n, mod, l))))(solveLowerLevelInternal(m, mod, n, l)))(
          all<readonly [Float64Array, number]>([checkNu(mod, nu), checkLambda(lambda, true)])))(checkModel(m, model)))(checkMdp(mdp)));

/** The solution with its reports as the public layer gives them (`publicReport`). */
const withPublicReports = (sol: LowerSolution): LowerSolution => ({
  ...sol,
  optimum: { ...sol.optimum, report: publicReport(sol.optimum.report) },
  reports: sol.reports.map(publicReport),
});

const checkSolution = (solution: unknown): Result<LowerSolution> =>
  typeof solution === 'object' && solution !== null && solutions.has(solution)
    ? E.right(solution as LowerSolution)
    : E.left(invalidInput('solution', `expected a solved lower level returned by solveLowerLevel, got ${describeValue(solution)}`));

const checkRoute = (route: unknown): Result<NuScoreRoute> =>
  (NU_SCORE_ROUTES as ReadonlyArray<unknown>).includes(route)
    ? E.right(route as NuScoreRoute)
    : E.left(invalidInput('route', `expected one of ${NU_SCORE_ROUTES.map((r) => `'${r}'`).join(', ')}, got ${describeValue(route)}`));

/**
 * The ν-score ψ[s,a] = ∇_ν log π_{θ*(ν)}(a|s) (MATH.md §6), `(S·A)×d` row-major, with the report of
 * its solve: route `closed` (the closed form ∂θ* / ∂ν = (∂Q* / ∂ν − ∂V* / ∂ν) / λ by one LU), `implicit`
 * (the implicit function theorem, MINRES on Hessian-vector products) or `dense` (a pseudo-inverse of
 * the dense Hessian). `LimitExceeded` when (S·A)·d exceeds `MAX_DENSE_ENTRIES`.
 */
export const nuScoreOf = (solution: LowerSolution, route: NuScoreRoute = 'closed'): Result<NuScoreOf> =>
  total('nuScoreOf', () =>
    E.chain(([sol, rt]: readonly [LowerSolution, NuScoreRoute]) => {
      const n = sol.mdp.S * sol.mdp.A;
      const d = sol.nu.length;
      if (n * d > MAX_DENSE_ENTRIES || (rt === 'dense' && n * n > MAX_DENSE_ENTRIES)) {
        const size = Math.max(n * d, rt === 'dense' ? n * n : 0);
        return E.left(limitExceeded('solution', size, MAX_DENSE_ENTRIES, `ψ by the ${rt} route needs a dense table of ${size} entries, above the limit ${MAX_DENSE_ENTRIES}; use upperLevelExact, which takes vector-Jacobian products`));
      }
      return E.chain((psi: NuScoreOf) => requireFinite('the ν-score', { ...psi, report: publicReport(psi.report) }, scalesOf(sol.nu, sol.model, sol.lambda)))(nuScoreOfInternal(sol, rt));
    })(all<readonly [LowerSolution, NuScoreRoute]>([checkSolution(solution), checkRoute(route)])));

const register = (p: OptimumPoint): OptimumPoint => {
  points.add(p);
  return p;
};

/** The policy point at a solved lower level (MATH.md §6–§7): π*, the reports, and the ν-score as a vector-Jacobian product by `route` (default `closed`). */
export const policyPointOf = (solution: LowerSolution, route: NuScoreRoute = 'closed'): Result<OptimumPoint> =>
  total('policyPointOf', () =>
    E.map(([sol, rt]: readonly [LowerSolution, NuScoreRoute]) => register(policyPointOfInternal(sol, rt)))(
      all<readonly [LowerSolution, NuScoreRoute]>([checkSolution(solution), checkRoute(route)]),
    ));

/**
 * θ*(ν) with the closed-form ν-score VJP (MATH.md §5–§6): `solveLowerLevel` then `policyPointOf`.
 * A `Left` for invalid input (field `nu` with its index for a bad ν), at λ = 0, or when θ* cannot be
 * vouched for (`NumericalFailure` with its report).
 */
export const policyPointAtOptimum = (mdp: Mdp, model: RewardModel, nu: Readonly<Float64Array>, lambda: number): Result<OptimumPoint> =>
  total('policyPointAtOptimum', () =>
    E.chain((sol: LowerSolution): Result<OptimumPoint> => {
      const bad = sol.reports.find((r) => !r.reliable);
      if (bad !== undefined) return E.left(numericalFailure('thetaStar', bad, `θ*(ν) cannot be vouched for: ${bad.warning ?? 'unreliable solve'}`));
      return E.right(register(policyPointOfInternal(sol)));
    })(solveLowerLevel(mdp, model, nu, lambda)));

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);

/** An upper-level spec for the point's MDP: an additive utility table `u` (S×A), or a teacher, `rTrue` (S×A) and segment length H ≥ 1. */
export const checkSpec = (mdp: Mdp, spec: unknown): Result<UpperLevelSpec> => {
  if (!isRecord(spec)) return E.left(invalidInput('spec', `expected {kind: 'additive', utility} or {kind: 'preference', teacher, rTrue, H}, got ${describeValue(spec)}`));
  if (spec.kind === 'additive') {
    const utility = spec.utility;
    if (!isRecord(utility) || utility.kind !== 'additive') {
      return E.left(invalidInput('spec.utility', `expected {kind: 'additive', u} with u an S×A table, got ${describeValue(utility)}`));
    }
    return E.map((u: Float64Array): UpperLevelSpec => ({ kind: 'additive', utility: { kind: 'additive', u } }))(checkTable(mdp, utility.u, 'spec.utility.u'));
  }
  if (spec.kind === 'preference') {
    const teacher = validateTeacher(spec.teacher);
    const H = spec.H;
    const checkedTeacher: Result<Teacher> = E.isRight(teacher)
      ? E.right(teacher.right)
      : E.left(invalidInputs(teacher.left.map((e): ValidationError => ({ ...e, field: `spec.teacher.${e.field}` })) as NonEmptyArray<ValidationError>));
    const checkedH: Result<number> = typeof H === 'number' && Number.isSafeInteger(H) && H >= 1
      ? E.right(H)
      : E.left(invalidInput('spec.H', `the segment length must be an integer ≥ 1, got ${describeValue(H)}`));
    return E.map(([teacher_, rTrue, h]: readonly [Teacher, Float64Array, number]): UpperLevelSpec => ({ kind: 'preference', teacher: teacher_, rTrue, H: h }))(
      all<readonly [Teacher, Float64Array, number]>([checkedTeacher, checkTable(mdp, spec.rTrue, 'spec.rTrue'), checkedH]));
  }
  return E.left(invalidInput('spec.kind', `expected 'additive' or 'preference', got ${describeValue(spec.kind)}`));
};

/**
 * The upper level at a policy point, exactly (MATH.md §7): G(ν) = E_{τ∼π}[U_ν(τ)], the PARL
 * gradient ∇G = myopic term + E[U · Σ_h ψ(a_h|s_h)] (the ν-score term), the myopic gradient alone,
 * and every solve's report. Preferences are enumerated exactly (`LimitExceeded` beyond the pair limit).
 */
export const upperLevelExact = (spec: UpperLevelSpec, point: OptimumPoint): Result<UpperLevelValue> =>
  total('upperLevelExact', () => {
    if (typeof point !== 'object' || point === null || !points.has(point)) {
      return E.left(invalidInput('point', `expected a policy point returned by policyPointOf or policyPointAtOptimum, got ${describeValue(point)}`));
    }
    const p = point;
    return E.chain((s: UpperLevelSpec) =>
      E.chain((v: UpperLevelValue) => requireFinite('the upper level', { ...v, reports: v.reports.map(publicReport) }, [
        ...scalesOf(p.lower.nu, p.lower.model, p.lower.lambda),
        ...(s.kind === 'additive' ? [{ field: 'spec.utility.u', what: 'max |u|', value: maxAbs(s.utility.kind === 'additive' ? s.utility.u : new Float64Array()) }] : [{ field: 'spec.rTrue', what: 'max |rTrue|', value: maxAbs(s.rTrue) }]),
      ]))(upperLevelExactInternal(s, p)))(checkSpec(p.lower.mdp, spec));
  });
