/**
 * Public lower-level optima (MATH.md §5), validated: the soft optimum θ*, π*, V*, Q* for λ > 0 and
 * the plain optimum for λ = 0; a result with NaN or ±∞ inside is refused.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { plainOptimum as plainOptimumInternal, type PlainOptimum as PlainOptimumInternal } from '../optimal/plainOptimum.js';
import { LAMBDA_ZERO_MESSAGE, softOptimum as softOptimumInternal, type SoftOptimum } from '../optimal/softOptimum.js';
import { invalidInput } from '../errors/parlError.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { all, checkLambda, checkMdp, checkTable, lambdaScale, maxAbs, requireFinite, total, type Result } from './validate.js';

/**
 * The soft optimum for λ > 0 (MATH.md §5, the soft Bellman equation `V* = λ log Σ_a exp(Q* / λ)`,
 * `Q* = r + γPV*`): canonical θ* = (Q* − V*)/λ, π* = exp θ*, V*, Q*, residual, error bound and
 * the solve's report (`reliable` says whether θ* can be vouched for). λ = 0 is a `Left` explaining
 * that no θ* exists there (use `plainOptimum`).
 */
export const softOptimum = (mdp: Mdp, r: Readonly<Float64Array>, lambda: number): Result<SoftOptimum> =>
  total('softOptimum', () =>
    E.chain((m: Mdp) =>
      E.chain(([rr, l]: readonly [Float64Array, number]) => {
        if (l === 0) return E.left(invalidInput('lambda', LAMBDA_ZERO_MESSAGE));
        return E.chain((o: SoftOptimum) =>
          requireFinite('the soft optimum', o, [
            { field: 'r', what: 'max |r|', value: maxAbs(rr) },
            { field: 'lambda', what: 'max(λ, 1/λ)', value: lambdaScale(l) },
          ]))(softOptimumInternal(m, rr, l));
      })(all<readonly [Float64Array, number]>([checkTable(m, r, 'r'), checkLambda(lambda, true)])))(checkMdp(mdp)));

/** The plain (λ = 0) optimum (MATH.md §5) with the evidence of convergence, as `plainOptimum` returns it. */
export interface PlainOptimum {
  /** `V*`: the exact value (LU) of the last evaluated policy, which is `policy` when converged. */
  readonly VStar: Float64Array;
  /** `Q* = r + γ P V*`. */
  readonly QStar: Float64Array;
  /** A greedy action per state (the lowest index within the tolerance of `max_a Q*`). */
  readonly policy: Int32Array;
  /** The one-hot `S×A` table of `policy`. */
  readonly piStar: Float64Array;
  /** Every state has exactly one action within the tie tolerance (1e-9 relative) of the best. */
  readonly uniqueOptimalAction: boolean;
  /** The smallest gap `max_a Q* − second best` over states; `null` when A = 1 (no second action). */
  readonly minActionGap: number | null;
  /** Bellman optimality residual `‖V* − max_a Q*‖∞`. */
  readonly residual: number;
  /** `residual / max(‖V*‖∞, ‖r‖∞)`. */
  readonly relativeResidual: number;
  readonly iterations: { readonly valueIteration: number; readonly policyIteration: number };
  /** The policy is stable: no action beats the chosen one by more than the tolerance. */
  readonly converged: boolean;
  /** The solve's report (route `plain-optimum`, quantity `V*`). */
  readonly report: SolveReport;
}

/**
 * The plain optimum for λ = 0 (MATH.md §5, the Bellman optimality equation `V* = max_a (r + γPV*)`):
 * V*, Q*, a greedy policy and its one-hot table, whether the optimal action is unique, the
 * smallest action gap, and the solve's report.
 */
export const plainOptimum = (mdp: Mdp, r: Readonly<Float64Array>): Result<PlainOptimum> =>
  total('plainOptimum', () =>
    E.chain((m: Mdp) =>
      E.chain((rr: Float64Array) =>
        E.chain((o: PlainOptimumInternal) =>
          requireFinite<PlainOptimum>('the plain optimum', { ...o, minActionGap: m.A === 1 ? null : o.minActionGap }, [{ field: 'r', what: 'max |r|', value: maxAbs(rr) }]))(
          plainOptimumInternal(m, rr),
        ))(checkTable(m, r, 'r')))(checkMdp(mdp)));
