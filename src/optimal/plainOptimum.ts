/**
 * The unregularised optimum (λ = 0, MATH.md §5): value iteration for a warm start, then policy
 * iteration with exact LU evaluation until the greedy policy is stable. The optimum is
 * deterministic; no finite θ* exists, so the result is `V*`, `Q*` and a greedy policy.
 *
 * Two tolerances, both relative to `scale = max(‖V*‖∞, ‖r‖∞)`:
 * - Improvement, `tolerance` (default 1e-12, the soft solver's target): a state keeps its action
 *   unless another beats it by more than `tolerance·scale`, and a new action is the lowest index
 *   within `tolerance·scale` of the best. Every step is then a strict improvement, so policy
 *   iteration terminates, and at the stable policy `‖V* − max_a Q*‖∞ ≤ tolerance·scale` plus
 *   the evaluation's rounding. Exact ties, which the LU solve and backups leave a few ulps apart
 *   (rounding ≲ c·S·ε·scale ≈ 1e-13·scale for S ≤ 400; Sutton & Barto's gridworld has many),
 *   fall within it and go to the lowest action index. (Using the wide tie tolerance below for
 *   improvement instead is wrong: a generated problem cycled between two policies, because a
 *   per-state loss under 1e-9·scale costs up to 1/(1−γ) times more in V; see the tests.)
 * - Ties, `tieTolerance` (default 1e-9): `uniqueOptimalAction` is `false` as soon as one state
 *   has a second action within `tieTolerance·scale` of its best. This is a conservative claim of
 *   uniqueness: a gap that small is 1e4× the rounding floor yet too small to trust as a strict
 *   preference once `Q*` carries 1e-12-level error amplified by 1/(1−γ) in V; `minActionGap`
 *   reports the actual smallest gap.
 *
 * Example (executed in `test/optimal/plainOptimum.test.ts`):
 *   plainOptimum(forest().mdp, forest().reward)   // Right({ VStar ≈ [26.244, 29.484, 33.484], policy [0,0,0], … })
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { luFactor, luSolve } from '../linalg/index.js';
import { backup, successorsOf } from '../mdp/successors.js';
import { bellmanMatrixOfPolicy } from '../value/policyMatrices.js';
import {
  checkReward,
  normInf,
  notConverged,
  relativeTo,
  resolveOptions,
  softOptimum,
  spanOfDifference,
  valueIterationBudget,
  type OptimumError,
  type OptimumOptions,
  SOFT_OPTIMUM_RELIABLE_ERROR,
} from './softOptimum.js';
import type { SolveReport } from '../numerics/solveReport.js';

/** Options of `plainOptimum`: those of every optimum solver (`tolerance` is the improvement threshold) plus the tie tolerance. */
export interface PlainOptimumOptions extends OptimumOptions {
  /** A gap `≤ tieTolerance·scale` between two actions' Q* counts as a tie for `uniqueOptimalAction` (default 1e-9). */
  readonly tieTolerance?: number;
}

/** Default relative tie tolerance of `plainOptimum` (see the module comment for why 1e-9). */
export const TIE_TOLERANCE = 1e-9;

/** The plain (λ = 0) optimum (MATH.md §5) with the evidence of convergence. */
export interface PlainOptimum {
  /** `V*`: the exact value (LU) of the last evaluated policy, which is `policy` when converged; the value-iteration iterate if none was evaluated. */
  readonly VStar: Float64Array;
  /** `Q* = r + γ P V*`. */
  readonly QStar: Float64Array;
  /** A greedy action per state: within `tolerance·scale` of `max_a Q*`, the lowest such index when it was chosen. */
  readonly policy: Int32Array;
  /** The one-hot `S×A` table of `policy`. */
  readonly piStar: Float64Array;
  /** Every state has exactly one action within `tieTolerance·scale` of the best. */
  readonly uniqueOptimalAction: boolean;
  /** The smallest gap `max_a Q* − second best` over states (Infinity when A = 1). */
  readonly minActionGap: number;
  /** Bellman optimality residual `‖V* − max_a Q*‖∞`. */
  readonly residual: number;
  /** `residual / max(‖V*‖∞, ‖r‖∞)`. */
  readonly relativeResidual: number;
  readonly iterations: { readonly valueIteration: number; readonly policyIteration: number };
  /** The policy is stable: no action beats the chosen one by more than `tolerance·scale` (so `relativeResidual ≲ tolerance`). */
  readonly converged: boolean;
  /** The solve's report (route `plain-optimum`, quantity `V*`, error bound `relativeResidual/(1 − γ)`). */
  readonly report: SolveReport;
}

/**
 * Greedy step from `Q`: `TV = max_a Q`, ‖V − TV‖∞, whether some state has a second action within
 * `tieAbs` of its best, and the smallest gap between best and second best. With `policy` it also
 * improves the policy in place: state `s` keeps its action unless the best beats it by more than
 * `switchAbs`, and then takes the lowest index within `switchAbs` of the best (−1 = no action
 * yet). Returns the number of states whose action changed.
 */
const greedyStep = (
  S: number,
  A: number,
  Q: Readonly<Float64Array>,
  V: Readonly<Float64Array>,
  TV: Float64Array,
  policy: Int32Array | null,
  switchAbs: number,
  tieAbs: number,
): { readonly residual: number; readonly unique: boolean; readonly minGap: number; readonly changed: number } => {
  let res = 0;
  let unique = true;
  let minGap = Infinity;
  let changed = 0;
  for (let s = 0; s < S; s++) {
    const o = s * A;
    let m = -Infinity;
    for (let a = 0; a < A; a++) if (Q[o + a] > m) m = Q[o + a];
    TV[s] = m;
    const d = Math.abs(V[s] - m);
    if (!(d <= res)) res = d;
    let lowest = -1;
    let near = 0;
    let second = -Infinity;
    let maxSeen = false;
    for (let a = 0; a < A; a++) {
      const q = Q[o + a];
      if (lowest < 0 && q >= m - switchAbs) lowest = a;
      if (q >= m - tieAbs) near++;
      // second best: the largest value once one copy of the max is set aside
      if (q === m && !maxSeen) maxSeen = true;
      else if (q > second) second = q;
    }
    if (near > 1) unique = false;
    if (m - second < minGap) minGap = m - second;
    if (policy === null || lowest < 0) continue; // lowest < 0 only if Q is NaN
    const current = policy[s];
    if (current < 0 || m - Q[o + current] > switchAbs) {
      if (current !== lowest) changed++;
      policy[s] = lowest;
    }
  }
  return { residual: res, unique, minGap, changed };
};

/**
 * The plain optimum for λ = 0 (MATH.md §5): value iteration `V ← max_a (r + γPV)` until the span
 * of `TV − V` is below `valueIterationTolerance·scale` (or its cost cap), then policy iteration
 * (greedy policy, exact evaluation by LU) until no action improves by more than
 * `tolerance·scale`. `Left` only for a bad reward table; non-convergence within the caps is
 * `converged: false`.
 */
export const plainOptimum = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  opts: PlainOptimumOptions = {},
): E.Either<OptimumError, PlainOptimum> => {
  const rr = checkReward(mdp, r);
  if (E.isLeft(rr)) return rr;
  const rew = rr.right;
  const o = resolveOptions(opts);
  const tieRel = opts.tieTolerance !== undefined && opts.tieTolerance >= 0 && Number.isFinite(opts.tieTolerance) ? opts.tieTolerance : TIE_TOLERANCE;
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  const rScale = normInf(rew);
  const scaleOf = (V: Readonly<Float64Array>): number => Math.max(normInf(V), rScale);

  // value iteration from V = 0
  let V: Float64Array = new Float64Array(S);
  let TV: Float64Array = new Float64Array(S);
  const Q = new Float64Array(S * A);
  let vi = 0;
  let step = { residual: Infinity, unique: true, minGap: Infinity, changed: 0 };
  const maxVi = o.maxValueIterations ?? valueIterationBudget(S, A, succ.next.length);
  while (vi < maxVi) {
    backup(succ, rew, gamma, V, Q);
    step = greedyStep(S, A, Q, V, TV, null, 0, 0);
    const span = spanOfDifference(TV, V);
    vi++;
    [V, TV] = [TV, V];
    if (!(relativeTo(span, scaleOf(V)) > o.valueIterationTolerance)) break;
  }

  // policy iteration: greedy policy of the current V, evaluate exactly, improve until stable
  const policy = new Int32Array(S).fill(-1);
  const pi = new Float64Array(S * A);
  const rPi = new Float64Array(S);
  let pIter = 0;
  let stable = false;
  backup(succ, rew, gamma, V, Q);
  step = greedyStep(S, A, Q, V, TV, policy, o.tolerance * scaleOf(V), tieRel * scaleOf(V));
  while (pIter < o.maxExactIterations) {
    pi.fill(0);
    for (let s = 0; s < S; s++) {
      pi[s * A + policy[s]] = 1;
      rPi[s] = rew[s * A + policy[s]];
    }
    V = luSolve(luFactor(bellmanMatrixOfPolicy(mdp, pi), S), rPi);
    pIter++;
    backup(succ, rew, gamma, V, Q);
    step = greedyStep(S, A, Q, V, TV, policy, o.tolerance * scaleOf(V), tieRel * scaleOf(V));
    if (step.changed === 0) {
      stable = true;
      break;
    }
  }

  const piStar = new Float64Array(S * A);
  for (let s = 0; s < S; s++) piStar[s * A + policy[s]] = 1;
  const relativeResidual = relativeTo(step.residual, scaleOf(V));
  const converged = stable && Number.isFinite(relativeResidual);
  // the Bellman optimality operator is a γ-contraction: ‖V − V*‖∞ ≤ ‖V − TV‖∞/(1 − γ)
  const errorBound = relativeResidual / (1 - gamma);
  const reliable = converged && errorBound <= SOFT_OPTIMUM_RELIABLE_ERROR;
  const report: SolveReport = {
    quantity: 'V*',
    route: 'plain-optimum',
    converged,
    relativeResidual,
    iterations: vi + pIter,
    errorBound,
    reliable,
    ...(reliable ? {} : { warning: converged ? `error bound ${errorBound.toExponential(1)} > ${SOFT_OPTIMUM_RELIABLE_ERROR}` : `policy iteration not stable after ${pIter} evaluations` }),
  };
  return E.right({
    VStar: V,
    QStar: Q,
    policy,
    piStar,
    uniqueOptimalAction: step.unique,
    minActionGap: step.minGap,
    residual: step.residual,
    relativeResidual,
    iterations: { valueIteration: vi, policyIteration: pIter },
    converged,
    report,
  });
};

/**
 * `V*` for any λ ≥ 0 (MATH.md §5): the soft optimum's values when λ > 0, the plain optimum's
 * when λ = 0. `Left` for λ < 0 or non-finite, a bad reward table, or non-convergence.
 */
export const optimalValues = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  lambda: number,
  opts: PlainOptimumOptions = {},
): E.Either<OptimumError, Float64Array> => {
  if (lambda === 0) {
    const sol = plainOptimum(mdp, r, opts);
    if (E.isLeft(sol)) return sol;
    return sol.right.report.reliable ? E.right(sol.right.VStar) : E.left(notConverged('VStar', sol.right.report));
  }
  const sol = softOptimum(mdp, r, lambda, opts);
  if (E.isLeft(sol)) return sol;
  return sol.right.report.reliable ? E.right(sol.right.VStar) : E.left(notConverged('VStar', sol.right.report));
};
