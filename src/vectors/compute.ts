/**
 * Compute the quantities of a conformance vector with parl-ts's own float64 code.
 * A field this version cannot compute is a `Left` with the reason: `parl vectors check`
 * counts it as a failure, never as a pass or a skip (VECTORS.md).
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError } from '../errors/parlError.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { hessianFromContext, hessianContextFromEvaluation } from '../hessian/index.js';
import { solveLowerLevel, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { nuScoreOf, type NuScoreRoute } from '../nuScore/routes.js';
import { plainOptimum, type PlainOptimum } from '../optimal/index.js';
import { rewardOf } from '../reward/rewardModel.js';
import { upperLevelExact, type UpperLevelValue } from '../upperLevel/objective.js';
import { policyPointOf } from '../upperLevel/policyPoint.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';
import type { ConformanceVector, VectorField } from './schema.js';

/** A field calculator: the value as a flat array, or why it cannot be computed. */
export type FieldResult = E.Either<string, Float64Array>;

/** Lazily shared intermediate results of one case. */
interface CaseContext {
  readonly v: ConformanceVector;
  /** How ψ and the ψ-dependent fields (G's gradients) are computed. */
  readonly route: NuScoreRoute;
  readonly r: () => Float64Array;
  readonly evaluation: () => PolicyEvaluation;
  /** The solved lower level (λ > 0), or why there is none. */
  readonly soft: () => E.Either<string, LowerSolution>;
  /** The plain optimum (λ = 0), or why there is none. */
  readonly plain: () => E.Either<string, PlainOptimum>;
  /** ψ by the case's route. */
  readonly psi: () => E.Either<string, Float64Array>;
  /** G, ∇G and the myopic gradient at θ*(ν) (a utility given and λ > 0), or why not. */
  readonly upper: () => E.Either<string, UpperLevelValue>;
  /** Every solve made so far, each once. */
  readonly solves: SolveReport[];
}

const memo = <T>(f: () => T): (() => T) => {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: f() }).value;
};

const makeContext = (v: ConformanceVector, route: NuScoreRoute): CaseContext => {
  const solves: SolveReport[] = [];
  const note = (...rs: ReadonlyArray<SolveReport>): void => {
    for (const r of rs) if (!solves.includes(r)) solves.push(r);
  };
  const r = memo(() => rewardOf(v.reward, v.nu));
  const evaluation = memo(() => evaluatePolicy(v.mdp, r(), v.theta, v.lambda));
  const soft = memo((): E.Either<string, LowerSolution> => {
    const o = solveLowerLevel(v.mdp, v.reward, v.nu, v.lambda);
    if (E.isLeft(o)) return E.left(formatParlError(o.left));
    note(...o.right.reports);
    // a number that was computed is compared, reliable or not; the report says which to trust
    return o.right.optimum.converged ? E.right(o.right) : E.left(`soft optimum did not converge (relative residual ${o.right.optimum.relativeResidual.toExponential(2)})`);
  });
  const plain = memo((): E.Either<string, PlainOptimum> => {
    const o = plainOptimum(v.mdp, r());
    if (E.isLeft(o)) return E.left(formatParlError(o.left));
    note(o.right.report);
    return o.right.converged ? E.right(o.right) : E.left(`plain optimum did not converge (relative residual ${o.right.relativeResidual.toExponential(2)})`);
  });
  const psi = memo((): E.Either<string, Float64Array> => {
    const o = soft();
    if (E.isLeft(o)) return o;
    const n = nuScoreOf(o.right, route);
    if (E.isLeft(n)) return E.left(formatParlError(n.left));
    note(n.right.report);
    return E.right(n.right.psi);
  });
  const upper = memo((): E.Either<string, UpperLevelValue> => {
    const u = v.utility;
    if (u === null) return E.left('the case has no utility, so G is not defined');
    const o = soft();
    if (E.isLeft(o)) return o;
    const spec = u.kind === 'additive'
      ? { kind: 'additive' as const, utility: { kind: 'additive' as const, u: u.u } }
      : { kind: 'preference' as const, teacher: bradleyTerryTeacher(u.beta), rTrue: u.rTrue, H: u.H };
    const value = upperLevelExact(spec, policyPointOf(o.right, route));
    if (E.isLeft(value)) return E.left(formatParlError(value.left));
    note(...value.right.reports);
    return E.right(value.right);
  });
  return { v, route, r, evaluation, soft, plain, psi, upper, solves };
};

const calculators: Record<VectorField, (c: CaseContext) => FieldResult> = {
  pi: (c) => E.right(c.evaluation().pi),
  V: (c) => E.right(c.evaluation().V),
  Q: (c) => E.right(c.evaluation().Q),
  adv: (c) => E.right(c.evaluation().adv),
  d: (c) => E.right(c.evaluation().d),
  J: (c) => E.right(Float64Array.of(c.evaluation().J)),
  gradJ: (c) => E.right(policyGradientFromEvaluation(c.v.mdp, c.evaluation())),
  hessJ: (c) => E.right(hessianFromContext(hessianContextFromEvaluation(c.v.mdp, c.evaluation(), c.v.lambda))),
  thetaStar: (c) => E.map((o: LowerSolution) => o.optimum.thetaStar)(c.soft()),
  piStar: (c) => {
    if (c.v.lambda > 0) return E.map((o: LowerSolution) => o.optimum.piStar)(c.soft());
    const p = c.plain();
    if (E.isLeft(p)) return p;
    // VECTORS.md: at λ = 0, π* is one-hot and exists only when the optimal action is unique
    return p.right.uniqueOptimalAction ? E.right(p.right.piStar) : E.left('π* is not unique at λ = 0 (tied optimal actions)');
  },
  VStar: (c) => (c.v.lambda > 0 ? E.map((o: LowerSolution) => o.optimum.VStar)(c.soft()) : E.map((o: PlainOptimum) => o.VStar)(c.plain())),
  psi: (c) => c.psi(),
  G: (c) => E.map((u: UpperLevelValue) => Float64Array.of(u.G))(c.upper()),
  gradG: (c) => E.map((u: UpperLevelValue) => u.gradG)(c.upper()),
  gradGMyopic: (c) => E.map((u: UpperLevelValue) => u.gradGMyopic)(c.upper()),
};

/** The computed fields of one case with the report of every solve behind them. */
export interface ComputedCase {
  readonly fields: ReadonlyMap<VectorField, FieldResult>;
  readonly solves: ReadonlyArray<SolveReport>;
}

/** Compute the requested fields of one case, ψ and the ψ-dependent fields by `route` (default `closed`). */
export const computeCase = (
  v: ConformanceVector,
  fields: ReadonlyArray<VectorField>,
  route: NuScoreRoute = 'closed',
): ComputedCase => {
  const ctx = makeContext(v, route);
  const out = new Map<VectorField, FieldResult>();
  for (const f of fields) {
    try {
      out.set(f, calculators[f](ctx));
    } catch (e) {
      out.set(f, E.left(`error while computing: ${(e as Error).message}`));
    }
  }
  return { fields: out, solves: ctx.solves };
};

/** Compute the requested fields of one case (closed-form ψ); each result is independent of the others. */
export const computeFields = (
  v: ConformanceVector,
  fields: ReadonlyArray<VectorField>,
): ReadonlyMap<VectorField, FieldResult> => computeCase(v, fields).fields;
