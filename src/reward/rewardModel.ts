/**
 * Reward models `r_ν` (MATH.md §5): tabular (`r = ν`, d = S·A) and linear features (`r = Φν`).
 * Features are flat `(S*A)×k`, index `(s*A + a)*k + i` (MATH.md §1).
 */

/** A reward model over an `S×A` table with parameter dimension `d`. */
export type RewardModel =
  | { readonly kind: 'tabular'; readonly S: number; readonly A: number }
  | { readonly kind: 'linear'; readonly S: number; readonly A: number; readonly k: number; readonly features: Readonly<Float64Array> };

/** The dimension `d` of ν: `S·A` for tabular, `k` for linear features. */
export const rewardDimension = (m: RewardModel): number => (m.kind === 'tabular' ? m.S * m.A : m.k);

/** The reward table `r_ν[s,a]` (MATH.md §5). */
export const rewardOf = (m: RewardModel, nu: Readonly<Float64Array>): Float64Array => {
  if (m.kind === 'tabular') return Float64Array.from(nu);
  const n = m.S * m.A;
  const r = new Float64Array(n);
  for (let sa = 0; sa < n; sa++) {
    let acc = 0;
    const o = sa * m.k;
    for (let i = 0; i < m.k; i++) acc += m.features[o + i] * nu[i];
    r[sa] = acc;
  }
  return r;
};
