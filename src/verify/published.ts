/**
 * Published values that parl-ts must reproduce (numbers printed in books and library docs,
 * not produced by parl-ts):
 * - Sutton & Barto (2018), Example 3.5: Figure 3.2 (equiprobable random policy) and Figure 3.5
 *   (optimal values), 5×5 gridworld, γ = 0.9, printed to one decimal; and V*(A) = 10/(1 − 0.9⁵);
 * - pymdptoolbox's `forest()` example at γ = 0.9: V* = (26.244, 29.484, 33.484) (PolicyIteration docstring).
 */
import * as E from 'fp-ts/lib/Either.js';
import { forest, GRID_A, suttonBartoGridworld } from '../mdp/index.js';
import { plainOptimum, softOptimum } from '../optimal/index.js';
import { evaluatePolicy } from '../value/policyEvaluation.js';
import type { Measurement } from './identities.js';

/** Figure 3.2 of Sutton & Barto (2nd ed.), row-major, s = 5·row + col. */
export const SUTTON_BARTO_FIG_3_2: ReadonlyArray<number> = [
  3.3, 8.8, 4.4, 5.3, 1.5,
  1.5, 3.0, 2.3, 1.9, 0.5,
  0.1, 0.7, 0.7, 0.4, -0.4,
  -1.0, -0.4, -0.4, -0.6, -1.2,
  -1.9, -1.3, -1.2, -1.4, -2.0,
];

/** Figure 3.5 of Sutton & Barto (2nd ed.): the optimal state values v*, row-major. */
export const SUTTON_BARTO_FIG_3_5: ReadonlyArray<number> = [
  22.0, 24.4, 22.0, 19.4, 17.5,
  19.8, 22.0, 19.8, 17.8, 16.0,
  17.8, 19.8, 17.8, 16.0, 14.4,
  16.0, 17.8, 16.0, 14.4, 13.0,
  14.4, 16.0, 14.4, 13.0, 11.7,
];

/** pymdptoolbox `mdptoolbox.example.forest()` (S = 3, r1 = 4, r2 = 2, p = 0.1), γ = 0.9: V* as printed. */
export const FOREST_V_STAR: ReadonlyArray<number> = [26.244, 29.484, 33.484];

/** Values of the equiprobable random policy (θ = 0, λ = 0) on the gridworld of Example 3.5. */
export const gridworldRandomPolicyValues = (): Float64Array => {
  const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
  return evaluatePolicy(mdp, reward, new Float64Array(mdp.S * mdp.A), 0).V;
};

/**
 * Largest distance of a computed value from its published rounding beyond the rounding
 * half-width (`digits` decimals): 0 when every value rounds to the table.
 */
export const roundingViolation = (values: ArrayLike<number>, published: ReadonlyArray<number>, digits = 1): number => {
  const half = 0.5 * 10 ** -digits;
  let worst = 0;
  for (let i = 0; i < published.length; i++) {
    // a value rounds to p when |v − p| ≤ half (allowing float64 error of 1e-12 at the boundary)
    worst = Math.max(worst, Math.abs(values[i] - published[i]) - half - 1e-12);
  }
  return Math.max(0, worst);
};

/** A check against published numbers. */
export interface PublishedCheck {
  readonly name: string;
  readonly source: string;
  readonly case: string;
  readonly measure: () => Measurement;
}

const failed: Measurement = { error: NaN, tolerance: 0 };

export const PUBLISHED_CHECKS: ReadonlyArray<PublishedCheck> = [
  {
    name: 'S&B Fig. 3.2: random-policy values round to the published table',
    source: 'Sutton & Barto (2018), Example 3.5',
    case: 'gridworld 5×5, γ = 0.9',
    measure: () => ({ error: roundingViolation(gridworldRandomPolicyValues(), SUTTON_BARTO_FIG_3_2), tolerance: 0 }),
  },
  {
    name: 'S&B Fig. 3.5: optimal values round to the published table',
    source: 'Sutton & Barto (2018), Example 3.5',
    case: 'gridworld 5×5, γ = 0.9, λ = 0',
    measure: () => {
      const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
      const o = plainOptimum(mdp, reward);
      return E.isRight(o) ? { error: roundingViolation(o.right.VStar, SUTTON_BARTO_FIG_3_5), tolerance: 0 } : failed;
    },
  },
  {
    name: 'S&B gridworld: V*(A) = 10/(1 − 0.9⁵) (relative error)',
    source: 'Sutton & Barto (2018), Example 3.5 (A → A′ → … → A every 5 steps)',
    case: 'gridworld 5×5, γ = 0.9, λ = 0',
    measure: () => {
      const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
      const o = plainOptimum(mdp, reward);
      const exact = 10 / (1 - 0.9 ** 5);
      return E.isRight(o) ? { error: Math.abs(o.right.VStar[GRID_A] - exact) / exact, tolerance: 1e-12 } : failed;
    },
  },
  {
    name: 'pymdptoolbox forest(): V* = (26.244, 29.484, 33.484) to 3 decimals',
    source: 'pymdptoolbox mdp.PolicyIteration docstring',
    case: 'forest S = 3, γ = 0.9, λ = 0',
    measure: () => {
      const { mdp, reward } = forest({ gamma: 0.9 });
      const o = plainOptimum(mdp, reward);
      return E.isRight(o) ? { error: roundingViolation(o.right.VStar, FOREST_V_STAR, 3), tolerance: 0 } : failed;
    },
  },
  {
    name: 'soft optimum brackets the plain one: 0 ≤ V*_λ − V* ≤ λ log A/(1−γ)',
    source: 'MATH.md §5 (entropy bonus ∈ [0, λ log A] per step)',
    case: 'gridworld 5×5, γ = 0.9, λ = 0.1',
    measure: () => {
      const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
      const plain = plainOptimum(mdp, reward);
      const soft = softOptimum(mdp, reward, 0.1);
      if (E.isLeft(plain) || E.isLeft(soft)) return failed;
      const bound = (0.1 * Math.log(mdp.A)) / (1 - mdp.gamma);
      let worst = 0;
      for (let s = 0; s < mdp.S; s++) {
        const gap = soft.right.VStar[s] - plain.right.VStar[s];
        // violation beyond [0, bound], measured relative to the value scale (≈ 25) in units of 1
        worst = Math.max(worst, -gap, gap - bound);
      }
      // both optima are solved to ~1e-12 relative on values ≈ 25
      return { error: Math.max(0, worst), tolerance: 1e-9 };
    },
  },
];
