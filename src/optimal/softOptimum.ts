/**
 * The entropy-regularised optimum θ*(ν) for λ > 0 (MATH.md §5): soft value iteration (a
 * γ-contraction) for a warm start, then Newton steps (soft policy iteration with exact LU
 * evaluation) until the error bound `residual/(1 − γ)` is 1e-12 relative (or the rounding floor).
 *
 * `θ* = (Q* − V*)/λ` is computed from `Q*` directly as the max-subtracted log-softmax of `Q* / λ`,
 * never as `log π*`: with λ = 0.01 and a reward gap of 10, `θ*` is ≈ −1000 on bad actions and
 * `π* = exp θ*` underflows to 0 there, while `θ*` stays finite.
 *
 * Measured: on Garnet (S = 400, A = 8, γ = 0.9 or 0.99) value iteration reaches a span of 1e-6
 * in 9–21 sweeps and one or two Newton steps land at ≤ 5e-14 relative; on a slow-mixing 400-state
 * chain at γ = 0.99 the sweep cap (one LU's worth) binds and 2–5 Newton steps follow; with no
 * value iteration at all (small S, where the cap is 1 sweep), 4–8 Newton steps.
 *
 * Example (executed in `test/optimal/softOptimum.test.ts`):
 *   softOptimum(suttonBartoGridworld().mdp, suttonBartoGridworld().reward, 0.1)
 *     // Right({ …, residual ≈ 1.6e-12, relativeResidual ≈ 6.5e-14, iterations: { valueIteration: 3, newton: 6 }, converged: true })
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { invalidInput, invalidInputs, numericalFailure, type ParlError } from '../errors/parlError.js';
import { validateTable } from '../mdp/validate.js';
import { luFactor, luSolve } from '../linalg/index.js';
import { backup, successorsOf } from '../mdp/successors.js';
import { bellmanMatrixOfPolicy } from '../value/policyMatrices.js';
import { rowLogNormaliser } from '../policy/softmax.js';
import type { SolveReport } from '../numerics/solveReport.js';

// ---------------------------------------------------------------------------------------
// Shared types, options and helpers of the optimum solvers (also used by plainOptimum.ts)

/** Why an optimum could not be computed (the library's one error type). */
export type OptimumError = ParlError;

/** Iteration caps and tolerances of the optimum solvers; every field has a default. */
export interface OptimumOptions {
  /** Target of the relative Bellman residual `‖V − T V‖∞ / scale` (default 1e-12). */
  readonly tolerance?: number;
  /** Value iteration stops once the span of `TV − V`, relative to the scale, is below this (default 1e-6). */
  readonly valueIterationTolerance?: number;
  /**
   * Cap on value-iteration sweeps; reaching it is not an error, the exact steps follow. Default:
   * `valueIterationBudget(S, A, nnz(P))`, about one exact step's worth of work.
   */
  readonly maxValueIterations?: number;
  /** Cap on exact steps: Newton (λ > 0) or policy-iteration (λ = 0) evaluations (default 50). */
  readonly maxExactIterations?: number;
}

/** Defaults of `OptimumOptions`. */
export const OPTIMUM_DEFAULTS = {
  tolerance: 1e-12,
  valueIterationTolerance: 1e-6,
  maxExactIterations: 50,
} as const;

/** Resolved options (internal). */
export interface ResolvedOptions {
  readonly tolerance: number;
  readonly valueIterationTolerance: number;
  /** `undefined`: use `valueIterationBudget`. */
  readonly maxValueIterations: number | undefined;
  readonly maxExactIterations: number;
}

/** Fill in the defaults of the optimum solvers (MATH.md §5); NaN or negative values fall back to the default. */
export const resolveOptions = (o: OptimumOptions = {}): ResolvedOptions => {
  const pos = (x: number | undefined, d: number): number => (x !== undefined && x >= 0 && Number.isFinite(x) ? x : d);
  const int = (x: number | undefined, d: number): number => (x !== undefined && Number.isInteger(x) && x >= 0 ? x : d);
  return {
    tolerance: pos(o.tolerance, OPTIMUM_DEFAULTS.tolerance),
    valueIterationTolerance: pos(o.valueIterationTolerance, OPTIMUM_DEFAULTS.valueIterationTolerance),
    maxValueIterations: o.maxValueIterations !== undefined && Number.isInteger(o.maxValueIterations) && o.maxValueIterations >= 0 ? o.maxValueIterations : undefined,
    maxExactIterations: int(o.maxExactIterations, OPTIMUM_DEFAULTS.maxExactIterations),
  };
};

/** Validate the reward table `r[s*A + a]` against the MDP: finite, length S·A (MATH.md §1, §5). */
export const checkReward = (mdp: Mdp, r: Readonly<Float64Array>): E.Either<ParlError, Float64Array> => {
  const v = validateTable(mdp, r, 'r');
  return E.isRight(v) ? v : E.left(invalidInputs(v.left));
};

/** The message of the λ = 0 request for θ* (MATH.md §5). */
export const LAMBDA_ZERO_MESSAGE =
  'θ* does not exist at λ = 0: the optimum is deterministic (π* puts all its mass on argmax_a Q*, ' +
  'which no finite θ reaches, and ties make it non-unique); use plainOptimum for V*, Q* and a greedy ' +
  'policy, or the K-step θ^K (MATH.md §5)';

/** `Left` unless λ is a finite number > 0; λ = 0 has its own message (MATH.md §5). */
export const checkSoftLambda = (lambda: number): E.Either<ParlError, number> => {
  if (typeof lambda !== 'number' || Number.isNaN(lambda) || !Number.isFinite(lambda)) {
    return E.left(invalidInput('lambda', `λ must be a finite number > 0, got ${String(lambda)} (MATH.md §5)`));
  }
  if (lambda === 0) return E.left(invalidInput('lambda', LAMBDA_ZERO_MESSAGE));
  if (lambda < 0) {
    return E.left(invalidInput('lambda', `λ must be ≥ 0 (an entropy weight), got ${lambda}; θ* needs λ > 0 (MATH.md §5)`));
  }
  return E.right(lambda);
};

/**
 * How many value-iteration sweeps cost about as much as one exact (LU) step (MATH.md §5): the default cap
 * on value iteration. Value iteration only warm-starts the exact steps, which converge from
 * any start (policy iteration, soft or plain, improves monotonically), so spending at most about
 * one LU's worth of work on it bounds its overhead while still taking the cheap sweeps on large
 * sparse problems. Cost model, measured on V8: one dense LU multiply-add (S³/3 of them) costs
 * about 1/6 of a sparse backup term (nnz per sweep) and 1/12 of an `exp` (S·A per sweep).
 */
export const valueIterationBudget = (S: number, A: number, nnz: number): number =>
  Math.max(1, Math.ceil((S * S * S) / 3 / (6 * nnz + 12 * S * A)));

/** `‖x‖∞`, NaN if an entry is NaN (the scale of MATH.md §10 residuals). */
export const normInf = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (!(v <= m)) m = v; // a NaN entry makes the norm NaN
  }
  return m;
};

/** `residual / scale`, with 0/0 = 0 and x/0 = ∞: an all-zero problem has zero residual (MATH.md §10). */
export const relativeTo = (residual: number, scale: number): number =>
  scale > 0 ? residual / scale : residual === 0 ? 0 : Number.isNaN(residual) ? NaN : Infinity;

// ---------------------------------------------------------------------------------------
// The soft optimum

/** The λ-regularised optimum (MATH.md §5) with the evidence of convergence. */
export interface SoftOptimum {
  readonly lambda: number;
  /** Canonical `θ* = (Q* − V̂)/λ` with `V̂ = λ log Σ_a exp(Q* / λ)`: so `Σ_a exp θ*[s,a] = 1`; finite even where π* underflows. */
  readonly thetaStar: Float64Array;
  /** `π* = exp θ*` (rows sum to 1 up to rounding). */
  readonly piStar: Float64Array;
  /** `V*`: the exact soft value of the last Newton policy (or the last value-iteration iterate if none ran). */
  readonly VStar: Float64Array;
  /** `Q* = r + γ P V*`. */
  readonly QStar: Float64Array;
  /** Soft Bellman residual `‖V* − λ log Σ_a exp(Q* / λ)‖∞` (= ‖V* − V̂‖∞). */
  readonly residual: number;
  /** `residual / max(‖V*‖∞, ‖r‖∞ + λ log A)`. */
  readonly relativeResidual: number;
  /**
   * Relative error bound `relativeResidual / (1 − γ)`: the soft Bellman operator is a γ-contraction,
   * so `‖V − V*‖∞ ≤ ‖V − TV‖∞ / (1 − γ)`; the same bound holds for Q* and, divided by λ, for θ*.
   */
  readonly errorBound: number;
  readonly iterations: { readonly valueIteration: number; readonly newton: number };
  /** `errorBound ≤ tolerance`, or Newton stalled at the rounding floor with `errorBound ≤ 1e4·tolerance`. */
  readonly converged: boolean;
  /** The solve's report (route `soft-optimum`, quantity `V*`). */
  readonly report: SolveReport;
}

/**
 * Relative error bound of V* above which a soft optimum is not vouched for (route `soft-optimum`):
 * 1e-9 relative, what the conformance tolerances of γ = 0.999 cases assume of θ*.
 */
export const SOFT_OPTIMUM_RELIABLE_ERROR = 1e-9;

/**
 * The span `max_s (x − y) − min_s (x − y)`: value iteration's stopping measure (MATH.md §5).
 * The greedy and soft-greedy policies ignore a constant added to V, and value iteration's
 * error is mostly such a constant (P's dominant eigenvector is 1), so the span of `TV − V`
 * measures how far the next policy is from settled, and shrinks faster than `‖TV − V‖∞` on
 * mixing MDPs (Garnet: ~25 instead of ~110 sweeps to 1e-6 at γ = 0.9). The exact steps then
 * fix the constant.
 */
export const spanOfDifference = (x: Readonly<Float64Array>, y: Readonly<Float64Array>): number => {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  return x.length === 0 ? 0 : hi - lo;
};

/**
 * One soft Bellman step from `Q` (MATH.md §5): per state `TV = λ log Σ_a exp(Q/λ) = m + λℓ` (the row
 * log-normaliser of `rowLogNormaliser` at temperature λ), and optionally `θ = (Q − m)/λ − ℓ` (the
 * log-softmax of Q/λ). Returns ‖V − TV‖∞.
 */
const softStep = (
  S: number,
  A: number,
  lambda: number,
  Q: Readonly<Float64Array>,
  V: Readonly<Float64Array>,
  TV: Float64Array,
  theta: Float64Array | null,
): number => {
  let res = 0;
  for (let s = 0; s < S; s++) {
    const o = s * A;
    const { m, l } = rowLogNormaliser(Q, A, s, lambda);
    const tv = m + lambda * l;
    TV[s] = tv;
    if (theta !== null) for (let a = 0; a < A; a++) theta[o + a] = (Q[o + a] - m) / lambda - l;
    const d = Math.abs(V[s] - tv);
    if (!(d <= res)) res = d;
  }
  return res;
};

/**
 * The soft optimum for λ > 0 (MATH.md §5): soft value iteration `V ← λ log Σ_a exp((r + γPV)/λ)`
 * until the span of `TV − V` is below `valueIterationTolerance·scale` (or its cost cap), then
 * Newton steps (π ← softmax(Q/λ), exact soft evaluation of π by LU) until the error bound
 * `residual/(1 − γ)` is ≤ `tolerance·scale`. `Left` for λ ≤ 0, non-finite λ or a bad reward table;
 * non-convergence within the caps is `converged: false`, not a `Left`.
 */
export const softOptimum = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  lambda: number,
  opts: OptimumOptions = {},
): E.Either<OptimumError, SoftOptimum> => {
  const lam = checkSoftLambda(lambda);
  if (E.isLeft(lam)) return lam;
  const rr = checkReward(mdp, r);
  if (E.isLeft(rr)) return rr;
  const rew = rr.right;
  const o = resolveOptions(opts);
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  const rScale = normInf(rew) + lambda * Math.log(A);
  const scaleOf = (V: Readonly<Float64Array>): number => Math.max(normInf(V), rScale);

  // soft value iteration from V = 0 (a γ-contraction in ‖·‖∞)
  let V: Float64Array = new Float64Array(S);
  let TV: Float64Array = new Float64Array(S);
  const Q = new Float64Array(S * A);
  const theta = new Float64Array(S * A);
  let vi = 0;
  let res = Infinity;
  const maxVi = o.maxValueIterations ?? valueIterationBudget(S, A, succ.next.length);
  while (vi < maxVi) {
    backup(succ, rew, gamma, V, Q);
    res = softStep(S, A, lambda, Q, V, TV, null);
    const span = spanOfDifference(TV, V);
    vi++;
    [V, TV] = [TV, V];
    if (!(relativeTo(span, scaleOf(V)) > o.valueIterationTolerance)) break;
  }

  // Newton (soft policy iteration): residual check, then exact evaluation of softmax(Q/λ)
  const pi = new Float64Array(S * A);
  const rPi = new Float64Array(S);
  let newton = 0;
  let prevRes = Infinity;
  let stalled = false;
  for (;;) {
    backup(succ, rew, gamma, V, Q);
    res = softStep(S, A, lambda, Q, V, TV, theta);
    // stop on the error bound residual/(1 − γ), not on the residual (MATH.md §5)
    const bound = relativeTo(res, scaleOf(V)) / (1 - gamma);
    if (!(bound > o.tolerance) || Number.isNaN(bound) || newton >= o.maxExactIterations) break;
    // at the rounding floor a Newton step no longer halves the residual: stop, report honestly
    if (bound <= 1e4 * o.tolerance && res > 0.5 * prevRes) {
      stalled = true;
      break;
    }
    prevRes = res;
    for (let s = 0; s < S; s++) {
      let acc = 0;
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        const p = Math.exp(theta[i]);
        pi[i] = p;
        acc += p * (rew[i] - lambda * theta[i]);
      }
      rPi[s] = acc;
    }
    V = luSolve(luFactor(bellmanMatrixOfPolicy(mdp, pi), S), rPi);
    newton++;
  }

  const relativeResidual = relativeTo(res, scaleOf(V));
  const errorBound = relativeResidual / (1 - gamma);
  const converged = errorBound <= o.tolerance || (stalled && errorBound <= 1e4 * o.tolerance);
  const reliable = converged && errorBound <= SOFT_OPTIMUM_RELIABLE_ERROR;
  const iterations = vi + newton;
  const piStar = new Float64Array(S * A);
  for (let i = 0; i < S * A; i++) piStar[i] = Math.exp(theta[i]);
  const report: SolveReport = {
    quantity: 'V*',
    route: 'soft-optimum',
    converged,
    relativeResidual,
    iterations,
    errorBound,
    reliable,
    ...(reliable ? {} : { warning: converged ? `error bound ${errorBound.toExponential(1)} > ${SOFT_OPTIMUM_RELIABLE_ERROR}` : `not converged after ${vi} value-iteration sweeps and ${newton} Newton steps (error bound ${errorBound.toExponential(1)})` }),
  };
  return E.right({
    lambda,
    thetaStar: theta,
    piStar,
    VStar: V,
    QStar: Q,
    residual: res,
    relativeResidual,
    errorBound,
    iterations: { valueIteration: vi, newton },
    converged,
    report,
  });
};

/**
 * The canonical `θ*(ν)` for λ > 0 (MATH.md §5); `Left` at λ = 0 (no finite θ* exists), for
 * λ < 0 or non-finite, for a bad reward table, and when the solver did not converge.
 */
export const thetaStar = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  lambda: number,
  opts: OptimumOptions = {},
): E.Either<OptimumError, Float64Array> => {
  const sol = softOptimum(mdp, r, lambda, opts);
  if (E.isLeft(sol)) return sol;
  return sol.right.report.reliable ? E.right(sol.right.thetaStar) : E.left(notConverged('thetaStar', sol.right.report));
};

/** The error of the convenience functions `thetaStar`, `optimalValues` when the solve is not reliable (MATH.md §5). */
export const notConverged = (field: string, report: SolveReport): ParlError =>
  numericalFailure(field, report, `${field} not reached: ${report.quantity} by ${report.route} has relative residual ${report.relativeResidual.toExponential(2)}${report.errorBound !== undefined ? `, error bound ${report.errorBound.toExponential(2)}` : ''} after ${report.iterations} iterations${report.warning !== undefined ? ` (${report.warning})` : ''} (MATH.md §5)`);
