/**
 * The Hessian at the soft optimum in closed form (MATH.md §6), an independent check of
 * `hessianJ` at `θ = θ*(ν)` (λ > 0).
 *
 * At θ* every advantage vanishes (`Adv* = Q* − λ log π* − V* = 0`), so of the three terms of
 * the Hessian-vector product only `d∘π∘dAdv/(1−γ)` survives, `dV = M⁻¹ Σ_a π u Adv = 0` and
 * `dAdv = −λu`:
 *
 *     H = −λ/(1−γ) · blockdiag_s d*(s) (diag π*_s − π*_s π*_sᵀ),
 *
 * negative semidefinite, with the gauge `1_s` in each block's null space.
 */
import type { Mdp } from '../mdp/types.js';

/** `H = −λ/(1−γ) · blockdiag_s d*(s)(diag π*_s − π*_s π*_sᵀ)`, dense `(S·A)×(S·A)` row-major (MATH.md §6). */
export const optimumHessianClosedForm = (
  mdp: Mdp,
  piStar: Readonly<Float64Array>,
  dStar: Readonly<Float64Array>,
  lambda: number,
): Float64Array => {
  const { S, A, gamma } = mdp;
  const n = S * A;
  if (piStar.length !== n) throw new RangeError(`piStar has length ${piStar.length}, expected S·A = ${n}`);
  if (dStar.length !== S) throw new RangeError(`dStar has length ${dStar.length}, expected S = ${S}`);
  const H = new Float64Array(n * n);
  const c = -lambda / (1 - gamma);
  for (let s = 0; s < S; s++) {
    const f = c * dStar[s];
    const o = s * A;
    for (let a = 0; a < A; a++) {
      const pa = piStar[o + a];
      const row = (o + a) * n + o;
      for (let b = 0; b < A; b++) H[row + b] = f * ((a === b ? pa : 0) - pa * piStar[o + b]);
    }
  }
  return H;
};
