/**
 * The solved lower level as one value (MATH.md §3, §5): for (MDP, reward model, ν, λ) it holds the
 * reward table r_ν (formed once), θ*, π*, the exact evaluation at θ* with its factorisation of
 * I − γP_{π*}, and the report of every solve that produced it. ψ (every route), ∇G, the myopic
 * gradient, A-PARL, the experiments and the CLI take this value instead of re-threading
 * (mdp, model, ν, θ, λ) and solving again.
 *
 * A `LowerPoint` is the same at any θ (A-PARL's θ^K): the evaluation at θ carries its
 * factorisation for Hessian-vector products and VJPs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invalidInputs, type ParlError, type ValidationError } from '../errors/parlError.js';
import type { Mdp } from '../mdp/types.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { softOptimum, type OptimumOptions, type SoftOptimum } from '../optimal/softOptimum.js';
import { rewardDimension, rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';

/** The lower level at a policy point θ: the problem, r_ν, θ and the exact evaluation of π_θ. */
export interface LowerPoint {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Readonly<Float64Array>;
  readonly lambda: number;
  /** `r_ν`, S×A (MATH.md §5). */
  readonly r: Readonly<Float64Array>;
  readonly theta: Readonly<Float64Array>;
  /** V, Q, Adv, d, J of π_θ with the factorisation of I − γP_π (MATH.md §3). */
  readonly evaluation: PolicyEvaluation;
}

/** The solved lower level: a `LowerPoint` at θ = θ*(ν), with the optimum and its solve reports. */
export interface LowerSolution extends LowerPoint {
  /** θ*, π*, V*, Q* and the soft-optimum report (MATH.md §5). */
  readonly optimum: SoftOptimum;
  /** Every solve that produced this value (the soft optimum's; the evaluation's are in `evaluation.diagnostics`). */
  readonly reports: ReadonlyArray<SolveReport>;
}

/** Problems with (model, ν, λ) against the MDP: shapes, finiteness, λ ≥ 0 (field and index). */
const checkInputs = (mdp: Mdp, model: RewardModel, nu: Readonly<Float64Array>, lambda: number): ValidationError[] => {
  const errs: ValidationError[] = [];
  if (model.S !== mdp.S || model.A !== mdp.A) {
    errs.push({ field: 'model', message: `reward model is ${model.S}×${model.A}, the MDP ${mdp.S}×${mdp.A}` });
  }
  const d = rewardDimension(model);
  if (nu.length !== d) errs.push({ field: 'nu', message: `expected ${d} reward parameters, got ${nu.length}` });
  else for (let i = 0; i < nu.length; i++) if (!Number.isFinite(nu[i])) errs.push({ field: 'nu', index: [i], message: `not a finite number: ${nu[i]}` });
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
    errs.push({ field: 'lambda', message: `λ must be a finite number ≥ 0, got ${String(lambda)}` });
  }
  return errs;
};

const checkTheta = (mdp: Mdp, theta: Readonly<Float64Array>): ValidationError[] => {
  const { S, A } = mdp;
  if (theta.length !== S * A) return [{ field: 'theta', message: `expected S·A = ${S * A} logits, got ${theta.length}` }];
  const errs: ValidationError[] = [];
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i])) errs.push({ field: 'theta', index: [Math.floor(i / A), i % A], message: `not a finite number: ${theta[i]}` });
  }
  return errs;
};

const leftOf = (errs: ValidationError[]): E.Either<ParlError, never> =>
  E.left(invalidInputs(errs as [ValidationError, ...ValidationError[]]));

/** The lower level at θ (any λ ≥ 0): r_ν formed once, π_θ evaluated exactly with its factorisation. */
export const lowerPointAt = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): E.Either<ParlError, LowerPoint> => {
  const errs = [...checkInputs(mdp, model, nu, lambda), ...checkTheta(mdp, theta)];
  if (errs.length > 0) return leftOf(errs);
  const r = rewardOf(model, nu);
  return E.right({ mdp, model, nu, lambda, r, theta, evaluation: evaluatePolicy(mdp, r, theta, lambda) });
};

/**
 * Solve the lower level for λ > 0 (MATH.md §5): the soft optimum, then the exact evaluation at θ*
 * (whose factorisation of I − γP_{π*} every ψ route and VJP reuses). `Left` for invalid input or
 * λ = 0 (no θ* exists); an optimum that cannot be vouched for is a `Right` whose report says so.
 */
export const solveLowerLevel = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  lambda: number,
  opts: OptimumOptions = {},
): E.Either<ParlError, LowerSolution> => {
  const errs = checkInputs(mdp, model, nu, lambda);
  if (errs.length > 0) return leftOf(errs);
  return solveLowerLevelFor({ mdp, model, nu, lambda, r: rewardOf(model, nu) }, opts);
};

/** The problem of a lower level without a policy point: (mdp, model, ν, λ) and r_ν formed once. */
export type LowerProblem = Omit<LowerPoint, 'theta' | 'evaluation'>;

/** The lower level at θ for a problem whose r_ν is already formed (A-PARL's inner loop; inputs already validated). */
export const lowerPointFor = (p: LowerProblem, theta: Readonly<Float64Array>): LowerPoint =>
  ({ ...p, theta, evaluation: evaluatePolicy(p.mdp, p.r, theta, p.lambda) });

/** `solveLowerLevel` for a problem whose r_ν is already formed (inputs already validated). */
export const solveLowerLevelFor = (p: LowerProblem, opts: OptimumOptions = {}): E.Either<ParlError, LowerSolution> => {
  const { mdp, model, nu, lambda, r } = p;
  const o = softOptimum(mdp, r, lambda, opts);
  if (E.isLeft(o)) return o;
  const optimum = o.right;
  return E.right({
    mdp,
    model,
    nu,
    lambda,
    r,
    theta: optimum.thetaStar,
    evaluation: evaluatePolicy(mdp, r, optimum.thetaStar, lambda),
    optimum,
    reports: [optimum.report],
  });
};

/** `Left(NumericalFailure)` unless every report of the solution is reliable. */
export const requireReliable = (sol: LowerSolution): E.Either<ParlError, LowerSolution> => {
  const bad = sol.reports.find((r) => !r.reliable);
  return bad === undefined ? E.right(sol) : E.left({ _tag: 'NumericalFailure', field: 'thetaStar', report: bad, message: `θ*(ν) cannot be vouched for: ${bad.warning ?? 'unreliable solve'}` });
};

