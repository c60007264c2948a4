/**
 * The exact policy gradient theorem for softmax policies (MATH.md §4).
 */
import type { Mdp } from '../mdp/types.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';

/** `∂J/∂θ[s,a] = d_ρ^π(s) π(a|s) Adv[s,a] / (1−γ)`, valid for every λ ≥ 0 (MATH.md §4). */
export const policyGradientFromEvaluation = (mdp: Mdp, ev: PolicyEvaluation): Float64Array => {
  const { S, A, gamma } = mdp;
  const g = new Float64Array(S * A);
  const c = 1 / (1 - gamma);
  for (let s = 0; s < S; s++) {
    const ds = ev.d[s] * c;
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      g[i] = ds * ev.pi[i] * ev.adv[i];
    }
  }
  return g;
};

/** The exact gradient `∇_θ J_λ(θ)` of the softmax objective (MATH.md §4), an ascent direction. */
export const policyGradient = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): Float64Array => policyGradientFromEvaluation(mdp, evaluatePolicy(mdp, r, theta, lambda));
