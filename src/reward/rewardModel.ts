/**
 * Reward models `r_ν` (MATH.md §5): tabular (`r = ν`, d = S·A) and linear features (`r = Φν`).
 * Features are flat `(S*A)×k`, index `(s*A + a)*k + i` (MATH.md §1). r_ν is linear in ν for both
 * models, so the Jacobian `J_r = ∂r/∂ν` does not depend on ν, and `J_r v = r_v`.
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

/** `J_r v = (∂r/∂ν) v`, an `S×A` table, without materialising `J_r` (MATH.md §5). */
export const rewardJacobianApply = (m: RewardModel, v: Readonly<Float64Array>): Float64Array => rewardOf(m, v);

/** `J_rᵀ w = Σ_{s,a} w[s,a] ∂r[s,a]/∂ν`, a `d`-vector, without materialising `J_r` (MATH.md §5). */
export const rewardJacobianTransposeApply = (m: RewardModel, w: Readonly<Float64Array>): Float64Array => {
  if (m.kind === 'tabular') return Float64Array.from(w);
  const out = new Float64Array(m.k);
  const n = m.S * m.A;
  for (let sa = 0; sa < n; sa++) {
    const ws = w[sa];
    if (ws === 0) continue;
    const o = sa * m.k;
    for (let i = 0; i < m.k; i++) out[i] += ws * m.features[o + i];
  }
  return out;
};

/** The dense Jacobian `∂r/∂ν`, `(S*A)×d` row-major, index `(s*A + a)*d + i` (MATH.md §1, §5). */
export const rewardJacobianDense = (m: RewardModel): Float64Array => {
  if (m.kind === 'linear') return Float64Array.from(m.features);
  const n = m.S * m.A;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
};
