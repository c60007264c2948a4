import fc from 'fast-check';
import { lusolve, matrix } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { suttonBartoGridworld } from '../../src/mdp/index.js';
import { policyReward, policyTransition } from '../../src/value/policyMatrices.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { SUTTON_BARTO_FIG_3_2 } from '../../src/verify/published.js';
import { arbProblem, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';

/** |V| ≤ (max|r| + λ log A)/(1−γ); errors are measured against this scale. */
const scaleOf = (p: Problem): number => (maxAbs(p.r) + p.lambda * Math.log(p.mdp.A)) / (1 - p.mdp.gamma) + 1;

describe('exact policy evaluation (MATH.md §3)', () => {
  it('V solves the Bellman equation V = r_π + γ P_π V', () => {
    fc.assert(
      fc.property(arbProblem(), (p) => {
        const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
        const { S, gamma } = p.mdp;
        const pPi = policyTransition(p.mdp, ev.pi);
        const rPi = policyReward(p.mdp, p.r, ev.pi, ev.logPi, p.lambda);
        for (let s = 0; s < S; s++) {
          let rhs = rPi[s];
          for (let t = 0; t < S; t++) rhs += gamma * pPi[s * S + t] * ev.V[t];
          // LU backward error on the diagonally dominant I − γP_π: ≲ c·S·ε·‖V‖ (c = 16 margin)
          expect(Math.abs(ev.V[s] - rhs)).toBeLessThanOrEqual(16 * (S + 2) * EPS * scaleOf(p));
        }
      }),
      fcParams(200),
    );
  });

  it('d ≥ 0 and Σ d = 1; Σ_a π Adv = 0; J = ρᵀV', () => {
    fc.assert(
      fc.property(arbProblem(), (p) => {
        const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
        const { S, A, gamma, rho } = p.mdp;
        // forward error of the transposed solve ≲ c·S·ε·κ∞, κ∞(I − γP_π) ≤ (1+γ)/(1−γ)
        const dTol = 16 * (S + 2) * EPS * ((1 + gamma) / (1 - gamma));
        let sum = 0;
        for (let s = 0; s < S; s++) {
          expect(ev.d[s]).toBeGreaterThanOrEqual(-dTol);
          sum += ev.d[s];
        }
        expect(Math.abs(sum - 1)).toBeLessThanOrEqual(dTol);
        for (let s = 0; s < S; s++) {
          let z = 0;
          for (let a = 0; a < A; a++) z += ev.pi[s * A + a] * ev.adv[s * A + a];
          expect(Math.abs(z)).toBeLessThanOrEqual(16 * (S + A + 4) * EPS * scaleOf(p));
        }
        let J = 0;
        for (let s = 0; s < S; s++) J += rho[s] * ev.V[s];
        expect(ev.J).toBe(J);
      }),
      fcParams(200),
    );
  });

  it('agrees with an independent route: the Neumann series Σ_k γ^k P_π^k (values and visitation)', () => {
    fc.assert(
      fc.property(arbProblem({ maxGamma: 0.9 }), (p) => {
        const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
        const { S, gamma, rho } = p.mdp;
        const pPi = policyTransition(p.mdp, ev.pi);
        const rPi = policyReward(p.mdp, p.r, ev.pi, ev.logPi, p.lambda);
        // V = Σ_k γ^k P_π^k r_π and d = (1−γ) Σ_k γ^k ρᵀ P_π^k; 400 terms leave γ^400 ≤ 5e-19
        const V = new Float64Array(S);
        const d = new Float64Array(S);
        let v = Float64Array.from(rPi);
        let row = Float64Array.from(rho);
        let g = 1;
        for (let k = 0; k < 400 && g > 0; k++) {
          for (let s = 0; s < S; s++) {
            V[s] += g * v[s];
            d[s] += (1 - gamma) * g * row[s];
          }
          const v2 = new Float64Array(S);
          const row2 = new Float64Array(S);
          for (let s = 0; s < S; s++) for (let t = 0; t < S; t++) {
            v2[s] += pPi[s * S + t] * v[t];
            row2[t] += row[s] * pPi[s * S + t];
          }
          v = v2;
          row = row2;
          g *= gamma;
        }
        // series rounding accumulates ≲ (#terms until γ^k is negligible)·S·ε ≲ 400·S·ε of the scale
        const tol = 400 * (S + 2) * EPS;
        expect(maxAbsDiff(V, ev.V) / scaleOf(p)).toBeLessThanOrEqual(tol);
        expect(maxAbsDiff(d, ev.d)).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('agrees with mathjs lusolve (an independent solver) on (I − γP_π)V = r_π', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 8 }), (p) => {
        const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
        const { S, gamma } = p.mdp;
        const pPi = policyTransition(p.mdp, ev.pi);
        const rPi = policyReward(p.mdp, p.r, ev.pi, ev.logPi, p.lambda);
        const M: number[][] = [];
        for (let s = 0; s < S; s++) M.push(Array.from({ length: S }, (_, t) => (s === t ? 1 : 0) - gamma * pPi[s * S + t]));
        const x = (lusolve(matrix(M), Array.from(rPi)) as unknown as { toArray(): number[][] }).toArray().map((r) => r[0]);
        // both solves have forward error ≲ c·S·ε·κ∞ ‖V‖, κ∞ ≤ (1+γ)/(1−γ)
        const tol = 32 * (S + 2) * EPS * ((1 + gamma) / (1 - gamma));
        expect(maxAbsDiff(x, ev.V) / scaleOf(p)).toBeLessThanOrEqual(tol);
      }),
      fcParams(60),
    );
  });

  it('Sutton & Barto Example 3.5: the equiprobable random policy (γ = 0.9) rounds to the published Figure 3.2', () => {
    const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
    const V = evaluatePolicy(mdp, reward, new Float64Array(mdp.S * mdp.A), 0).V;
    // the book prints one decimal: top row 3.3 8.8 4.4 5.3 1.5, bottom row −1.9 −1.3 −1.2 −1.4 −2.0
    expect(SUTTON_BARTO_FIG_3_2.slice(0, 5)).toEqual([3.3, 8.8, 4.4, 5.3, 1.5]);
    expect(SUTTON_BARTO_FIG_3_2.slice(20)).toEqual([-1.9, -1.3, -1.2, -1.4, -2.0]);
    for (let s = 0; s < 25; s++) expect(Math.round(V[s] * 10) / 10).toBeCloseTo(SUTTON_BARTO_FIG_3_2[s], 12);
  });

  it('reports the quality of its solves', () => {
    const { mdp, reward } = suttonBartoGridworld({ gamma: 0.9 });
    const ev = evaluatePolicy(mdp, reward, new Float64Array(mdp.S * mdp.A), 0);
    expect(ev.diagnostics.value.relativeResidual).toBeLessThanOrEqual(25 * 16 * EPS);
    // κ∞(I − γP_π) ≤ (1+γ)/(1−γ) = 19 for a stochastic P_π, and κ₁ ≤ n·κ∞ = 25·19; an estimate is ≥ 1
    expect(ev.diagnostics.value.condition).toBeGreaterThanOrEqual(1);
    expect(ev.diagnostics.value.condition).toBeLessThanOrEqual(25 * 19);
    expect(ev.diagnostics.value.warning).toBeUndefined();
  });
});
