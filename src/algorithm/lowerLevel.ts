/**
 * The lower level of A-PARL: K warm-started policy-gradient ascent steps on J_λ(ν, ·) (MATH.md §8).
 */
import { policyGradient } from '../gradient/policyGradient.js';
import type { Mdp } from '../mdp/types.js';

/** `θ ← θ + β ∇_θ J_λ(θ)`, K times from θ (which is not mutated); returns θ^K (MATH.md §8). */
export const policyGradientAscent = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  beta: number,
  K: number,
): Float64Array => {
  const th = Float64Array.from(theta);
  for (let k = 0; k < K; k++) {
    const g = policyGradient(mdp, r, th, lambda);
    for (let i = 0; i < th.length; i++) th[i] += beta * g[i];
  }
  return th;
};
