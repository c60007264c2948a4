/**
 * The tabular MDP (MATH.md §1).
 *
 * Layouts are flat and row-major in float64:
 * - `P[(s*A + a)*S + s']` is the probability of moving to `s'` after action `a` in `s`;
 * - any `S×A` table (rewards, logits, policies) is indexed `s*A + a`;
 * - `rho[s]` is the initial distribution.
 *
 * A `Mdp` value can only be obtained from `validateMdp` (or a builder that calls it), so
 * every function that receives one may assume it is well formed.
 */

declare const mdpBrand: unique symbol;

/** The raw shape of a tabular MDP, before validation. */
export interface MdpFields {
  readonly S: number;
  readonly A: number;
  readonly gamma: number;
  readonly P: Readonly<Float64Array>;
  readonly rho: Readonly<Float64Array>;
}

/** A validated tabular MDP (branded: construct it with `validateMdp`). */
export type Mdp = MdpFields & { readonly [mdpBrand]: 'Mdp' };

/** A validated MDP together with an environment reward table `r[s*A + a]`. */
export interface MdpWithReward {
  readonly name: string;
  readonly mdp: Mdp;
  readonly reward: Readonly<Float64Array>;
}

/** Tolerance on `|Σ_{s'} P[s,a,s'] − 1|` and `|Σ_s ρ(s) − 1|` (MATH.md §1). */
export const ROW_SUM_TOLERANCE = 1e-9;
