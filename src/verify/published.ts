/**
 * Published values that parl-ts must reproduce (not generated, not produced by parl-ts):
 * Sutton & Barto (2018), Example 3.5, Figure 3.2: the state values of the equiprobable random
 * policy on the 5×5 gridworld with γ = 0.9, printed to one decimal.
 */
import { suttonBartoGridworld } from '../mdp/index.js';
import { evaluatePolicy } from '../value/policyEvaluation.js';

/** Figure 3.2 of Sutton & Barto (2nd ed.), row-major, s = 5·row + col. */
export const SUTTON_BARTO_FIG_3_2: ReadonlyArray<number> = [
  3.3, 8.8, 4.4, 5.3, 1.5,
  1.5, 3.0, 2.3, 1.9, 0.5,
  0.1, 0.7, 0.7, 0.4, -0.4,
  -1.0, -0.4, -0.4, -0.6, -1.2,
  -1.9, -1.3, -1.2, -1.4, -2.0,
];

/** Values of the equiprobable random policy (θ = 0, λ = 0) on the gridworld of Example 3.5. */
export const gridworldRandomPolicyValues = (): Float64Array => {
  const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
  return evaluatePolicy(mdp, reward, new Float64Array(mdp.S * mdp.A), 0).V;
};

/**
 * Largest distance of a computed value from its published one-decimal rounding, beyond the
 * rounding half-width: 0 when every value rounds to the table.
 */
export const roundingViolation = (values: ArrayLike<number>, published: ReadonlyArray<number>): number => {
  let worst = 0;
  for (let i = 0; i < published.length; i++) {
    // a value rounds to p when |v − p| ≤ 0.05 (allowing the float64 error of 1e-12 at the boundary)
    worst = Math.max(worst, Math.abs(values[i] - published[i]) - 0.05 - 1e-12);
  }
  return Math.max(0, worst);
};
