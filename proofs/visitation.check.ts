/**
 * Checks of `visitation.md`: `d_ρ^π = (1−γ) ρᵀ (I − γP_π)⁻¹` is a probability vector
 * (`d ≥ 0`, `Σ_s d(s) = 1`, `d ≥ (1−γ)ρ`), equals the discounted occupancy series, and
 * `J = Σ_s d(s) r_π(s) / (1−γ)` (MATH.md §3).
 *
 * Code under test: `evaluatePolicy` (src/value/policyEvaluation.ts), `policyTransition`,
 * `policyReward` (src/value/policyMatrices.ts).
 */
import { lusolve } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { twoStateChain } from '../src/mdp/chain.js';
import type { Mdp } from '../src/mdp/types.js';
import { policyReward, policyTransition } from '../src/value/policyMatrices.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, maxAbsDiff, mdpOf, randomLogits, sum } from './support.js';

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly lambda: number;
}

/**
 * A 3-state MDP whose state 2 is unreachable from ρ: ρ(2) = 0 and no (s, a) moves to 2
 * except from 2 itself. Then d(2) = 0 exactly (MATH.md §6: H vanishes on such a state).
 */
const unreachable = (gamma: number): Mdp =>
  mdpOf(3, 2, gamma, [
    0.5, 0.5, 0, /**/ 0.1, 0.9, 0, // s = 0
    0.7, 0.3, 0, /**/ 0, 1, 0, // s = 1
    0, 0, 1, /**/ 0.5, 0, 0.5, // s = 2
  ], [0.4, 0.6, 0]);

const cases: Case[] = (() => {
  const out: Case[] = [];
  let seed = 300;
  for (const [S, A, b] of [[2, 2, 2], [4, 3, 2], [8, 3, 4], [12, 5, 12]] as const)
    for (const gamma of [0, 0.5, 0.9, 0.99])
      for (const lambda of [0, 0.3]) {
        const { mdp, reward } = garnetCase(S, A, b, seed, gamma);
        out.push({ name: `garnet S=${S} A=${A} γ=${gamma} λ=${lambda}`, mdp, r: Float64Array.from(reward), theta: randomLogits(S * A, seed + 1, 3), lambda });
        seed++;
      }
  for (const gamma of [0.5, 0.95]) {
    const { mdp, reward } = twoStateChain({ gamma });
    out.push({ name: `two-state chain γ=${gamma}`, mdp, r: Float64Array.from(reward), theta: randomLogits(4, 9, 1), lambda: 0.2 });
    out.push({ name: `unreachable γ=${gamma}`, mdp: unreachable(gamma), r: Float64Array.of(1, 0, 0.5, 0.2, 3, -1), theta: randomLogits(6, 10, 1), lambda: 0.1 });
  }
  return out;
})();

/** Largest |Σ_{s'} P[s,a,s'] − 1| (validation allows up to 1e-9; it enters Σd through M·1). */
const rowDefect = (mdp: Mdp): number => {
  let m = 0;
  for (let sa = 0; sa < mdp.S * mdp.A; sa++) {
    let acc = 0;
    for (let t = 0; t < mdp.S; t++) acc += mdp.P[sa * mdp.S + t];
    m = Math.max(m, Math.abs(acc - 1));
  }
  return m;
};

describe('normalised discounted visitation (proofs/visitation.md)', () => {
  it('d ≥ 0, d ≥ (1−γ)ρ, and Σ_s d(s) = 1 to the backward-error bound', () => {
    let worst = 0;
    for (const c of cases) {
      const { S, A, gamma, rho } = c.mdp;
      const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
      // Σd − 1 = −(δM·1)ᵀx̂ − γ(row defects)ᵀx̂ for the computed x̂ = d/(1−γ), where
      // (M + δM)ᵀx̂ = ρ is the backward error of the LU solve (|δM| ≤ c·S·ε·‖M‖∞, ‖M‖∞ ≤ 1+γ)
      // and forming P_π adds A ulps per row: |Σd − 1| ≤ (c·S + A)ε(1+γ)/(1−γ) + γ·defect/(1−γ);
      // c = 8.
      const tol = ((8 * S + A) * EPS * (1 + gamma) + gamma * rowDefect(c.mdp)) / (1 - gamma);
      const err = Math.abs(sum(ev.d) - 1);
      expect(err, c.name).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, err / tol);
      for (let s = 0; s < S; s++) {
        // d(s) = (1−γ)ρ(s) + γ·(nonnegative terms): the computed value may undershoot by the
        // solve's error only, ≤ the same relative bound times d's scale (≤ 1).
        expect(ev.d[s], `${c.name} s=${s}`).toBeGreaterThanOrEqual((1 - gamma) * rho[s] - tol);
        expect(ev.d[s], `${c.name} s=${s}`).toBeGreaterThanOrEqual(-tol);
      }
    }
    console.log(`|Σd − 1|: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('d is the discounted occupancy (1−γ) Σ_t γ^t ρᵀP_π^t, and agrees with mathjs lusolve', () => {
    let worstSeries = 0;
    let worstMathjs = 0;
    for (const c of cases) {
      const { S, gamma, rho } = c.mdp;
      const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
      const Ppi = policyTransition(c.mdp, ev.pi);
      // power series, truncated once γ^T ≤ ε/16: remainder ≤ γ^T ≤ ε/16 in ‖·‖₁
      const series = new Float64Array(S);
      let mu = Float64Array.from(rho);
      let w = 1 - gamma;
      while (w > EPS / 16) {
        for (let s = 0; s < S; s++) series[s] += w * mu[s];
        const next = new Float64Array(S);
        for (let s = 0; s < S; s++) for (let t = 0; t < S; t++) next[t] += mu[s] * Ppi[s * S + t];
        mu = next;
        w *= gamma;
        if (gamma === 0) break;
      }
      // The series sums T ≈ log ε / log γ nonnegative terms (T ≈ 3600 at γ = 0.99), so its own
      // rounding is ≤ T·S·ε in ‖·‖∞ (Higham γ_n for a sum of nonnegative terms of total ≤ 1);
      // the LU route's error is ≤ (8S + A)·ε·κ with κ = (1+γ)/(1−γ).
      const T = gamma === 0 ? 1 : Math.log(EPS / 16) / Math.log(gamma);
      const kappa = (1 + gamma) / (1 - gamma);
      const tol = (T * S + (8 * S + c.mdp.A) * kappa) * EPS + gamma * rowDefect(c.mdp) / (1 - gamma);
      const err = maxAbsDiff(series, ev.d);
      expect(err, c.name).toBeLessThanOrEqual(tol);
      worstSeries = Math.max(worstSeries, err / tol);

      // mathjs as an independent dense solver: (I − γP_π)ᵀ x = ρ, d = (1−γ)x
      const Mt: number[][] = [];
      for (let i = 0; i < S; i++) {
        Mt.push([]);
        for (let j = 0; j < S; j++) Mt[i].push((i === j ? 1 : 0) - gamma * Ppi[j * S + i]);
      }
      const x = (lusolve(Mt, Array.from(rho)) as unknown as number[][]).map((row) => row[0] * (1 - gamma));
      const tolLu = 2 * (8 * S + c.mdp.A) * kappa * EPS;
      const errLu = maxAbsDiff(x, ev.d);
      expect(errLu, c.name).toBeLessThanOrEqual(tolLu);
      worstMathjs = Math.max(worstMathjs, errLu / tolLu);
    }
    console.log(`d vs series: worst err/tol = ${worstSeries.toExponential(2)}; d vs mathjs lusolve: worst err/tol = ${worstMathjs.toExponential(2)}`);
  });

  it('an unreachable state has d(s) = 0', () => {
    for (const gamma of [0.5, 0.95]) {
      const ev = evaluatePolicy(unreachable(gamma), Float64Array.of(1, 0, 0.5, 0.2, 3, -1), randomLogits(6, 11, 1), 0.1);
      expect(Math.abs(ev.d[2])).toBeLessThanOrEqual(3 * EPS); // the threshold the implicit route uses: S·ε
      expect(ev.d[0]).toBeGreaterThan(0.1);
    }
  });

  it('γ = 0: d = ρ exactly (up to one rounding)', () => {
    const { mdp, reward } = garnetCase(5, 3, 3, 77, 0);
    const ev = evaluatePolicy(mdp, reward, randomLogits(15, 78, 2), 0.5);
    expect(maxAbsDiff(ev.d, mdp.rho)).toBeLessThanOrEqual(4 * EPS);
  });

  it('J = Σ_s d(s) r_π(s) / (1−γ)', () => {
    let worst = 0;
    for (const c of cases) {
      const { gamma } = c.mdp;
      const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
      const rPi = policyReward(c.mdp, c.r, ev.pi, ev.logPi, c.lambda);
      let rhs = 0;
      for (let s = 0; s < c.mdp.S; s++) rhs += ev.d[s] * rPi[s];
      rhs /= 1 - gamma;
      // ρᵀV̂ and x̂ᵀr_π come from the same LU factors; each is within (8S + A)·κ·ε of the exact
      // value relative to ‖r_π‖∞/(1−γ) (the size of |J| and of its terms).
      const kappa = (1 + gamma) / (1 - gamma);
      const tol = 2 * (8 * c.mdp.S + c.mdp.A) * kappa * EPS * Math.max(1, maxAbs(rPi) / (1 - gamma));
      const err = Math.abs(ev.J - rhs);
      expect(err, c.name).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, err / tol);
    }
    console.log(`J vs Σ d r_π/(1−γ): worst err/tol = ${worst.toExponential(2)}`);
  });
});
