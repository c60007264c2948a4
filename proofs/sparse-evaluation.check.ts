/**
 * Checks of `sparse-evaluation.md`: `‖(I − γP_π)⁻¹‖∞ = 1/(1−γ)` for a stochastic P_π, and the
 * GMRES route of the policy evaluation (S ≥ 256) within the error bound its report states.
 *
 * Reference solutions: the dense LU's, refined with residuals accumulated in double-double
 * arithmetic (Ogita, Rump & Oishi's Dot2: TwoProduct by Veltkamp splitting, TwoSum), which makes
 * the refined solution accurate to a few units in the last place while κu ≪ 1 (Higham, *Accuracy
 * and Stability*, §12.1: refinement with residuals in twice the working precision). The LU and
 * the refinement are not the code under test; the GMRES solution is.
 */
import { all, create } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { luFactor, luSolve, luSolveTransposed } from '../src/linalg/index.js';
import { bellmanMatrixOfPolicy, policyReward } from '../src/value/policyMatrices.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { sparseBellmanOfPolicy, sparseTranspose } from '../src/value/sparseBellman.js';
import { EPS, garnetCase, randomLogits, randomTable } from './support.js';

/** a·b = p + e exactly (Veltkamp splitting; no FMA needed). */
const twoProduct = (a: number, b: number): [number, number] => {
  const p = a * b;
  const split = (x: number): [number, number] => {
    const c = 134217729 * x; // 2^27 + 1
    const hi = c - (c - x);
    return [hi, x - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, al * bl - (((p - ah * bh) - al * bh) - ah * bl)];
};
/** a + b = s + e exactly (Knuth's TwoSum). */
const twoSum = (a: number, b: number): [number, number] => {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
};

/** `b − M x` (or `b − Mᵀx`) with each entry accumulated in double-double, then rounded. */
const residualDD = (M: Float64Array, n: number, x: Float64Array, b: Readonly<Float64Array>, transposed: boolean): Float64Array => {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    let e = 0;
    for (let j = 0; j < n; j++) {
      const m = transposed ? M[j * n + i] : M[i * n + j];
      if (m === 0) continue;
      const [p, pe] = twoProduct(-m, x[j]);
      const [t, te] = twoSum(s, p);
      s = t;
      e += pe + te;
    }
    r[i] = s + e;
  }
  return r;
};

/** The LU solution refined three times with double-double residuals. */
const reference = (M: Float64Array, n: number, b: Readonly<Float64Array>, transposed: boolean): Float64Array => {
  const f = luFactor(M, n);
  const solve = (v: Float64Array) => (transposed ? luSolveTransposed(f, v) : luSolve(f, v));
  const x = solve(Float64Array.from(b));
  for (let k = 0; k < 3; k++) {
    const d = solve(residualDD(M, n, x, b, transposed));
    for (let i = 0; i < n; i++) x[i] += d[i];
  }
  return x;
};

describe('policy evaluation by GMRES (proofs/sparse-evaluation.md)', () => {
  it('‖(I − γP)⁻¹‖∞ = 1/(1−γ): a nonnegative inverse whose rows sum to 1/(1−γ) (mathjs, 64 digits)', () => {
    const big = create(all, { number: 'BigNumber', precision: 64 });
    for (const n of [1, 3, 7, 12])
      for (const gamma of [0, 0.5, 0.9, 0.999]) {
        const raw = randomTable(n * n, 17 * n + Math.round(1000 * gamma), 0, 1);
        // P's rows normalised in 64-digit arithmetic, so each sums to 1 exactly at that precision
        const g = big.bignumber(gamma);
        const rows = Array.from({ length: n }, (_, i) => {
          const entries = Array.from({ length: n }, (_, j) => big.bignumber(raw[i * n + j]));
          const sum = entries.reduce((a, b) => big.add(a, b) as never, big.bignumber(0));
          return entries.map((v, j) => big.subtract(big.bignumber(i === j ? 1 : 0), big.multiply(g, big.divide(v, sum))));
        });
        const Minv = big.inv(big.matrix(rows as never)) as unknown as { toArray: () => unknown[][] };
        const target = big.divide(big.bignumber(1), big.subtract(big.bignumber(1), big.bignumber(gamma)));
        for (const row of Minv.toArray()) {
          let s = big.bignumber(0);
          for (const v of row) {
            expect(big.smallerEq(big.bignumber(-1e-60), v as never)).toBe(true);
            s = big.add(s, v as never) as never;
          }
          expect(big.number(big.abs(big.subtract(s, target)) as never)).toBeLessThanOrEqual(1e-50);
        }
      }
  });

  it('the GMRES route of evaluatePolicy is within its reported error bound (S ≥ 256)', () => {
    let worst = 0;
    for (const [S, A, gamma] of [[256, 4, 0.9], [300, 3, 0.99], [400, 8, 0.9], [300, 5, 0.999]] as const) {
      const { mdp, reward } = garnetCase(S, A, 5, 7 + S, gamma);
      const theta = randomLogits(S * A, S + A, 2);
      const ev = evaluatePolicy(mdp, reward, theta, 0.1);
      expect(ev.solveRoute).toBe('gmres');
      const M = bellmanMatrixOfPolicy(mdp, ev.pi);
      const rPi = policyReward(mdp, reward, ev.pi, ev.logPi, 0.1);
      const vRef = reference(M, S, rPi, false);
      const xRef = reference(M, S, mdp.rho, true);
      const { value, visitation } = ev.diagnostics;
      // V: relative error in ∞-norm; the reference's own error: a few ulps (8ε·‖V‖∞ allowed)
      let ev0 = 0;
      let nv = 0;
      for (let s = 0; s < S; s++) {
        ev0 = Math.max(ev0, Math.abs(ev.V[s] - vRef[s]));
        nv = Math.max(nv, Math.abs(ev.V[s]));
      }
      expect(ev0).toBeLessThanOrEqual((value.errorBound! + 8 * EPS) * nv);
      // d = (1−γ)x: relative error in 1-norm
      let ed = 0;
      let nd = 0;
      for (let s = 0; s < S; s++) {
        ed += Math.abs(ev.d[s] / (1 - gamma) - xRef[s]);
        nd += Math.abs(xRef[s]);
      }
      expect(ed).toBeLessThanOrEqual((visitation.errorBound! + 8 * EPS) * nd);
      worst = Math.max(worst, ev0 / (value.errorBound! * nv), ed / (visitation.errorBound! * nd));
      // not vacuous: the stop rule (32ε) and the residual's rounding ((q+1)ε, q the longest row of M
      // for V, of Mᵀ for d) through 1/(1−γ), with ‖M‖‖x‖ + ‖b‖ ≤ 2(1+γ)‖x‖ (sparse-evaluation.md)
      const sp = sparseBellmanOfPolicy(mdp, ev.pi);
      const longest = (m: { offsets: Int32Array }) => {
        let q = 0;
        for (let s = 0; s < S; s++) q = Math.max(q, m.offsets[s + 1] - m.offsets[s]);
        return q;
      };
      const expected = (q: number) => ((32 + q + 1) * EPS * 2 * (1 + gamma)) / (1 - gamma);
      expect(value.errorBound!).toBeLessThanOrEqual(expected(longest(sp)));
      expect(visitation.errorBound!).toBeLessThanOrEqual(expected(longest(sparseTranspose(sp))));
    }
    console.log(`GMRES evaluation: worst error / reported bound = ${worst.toExponential(2)}`);
  });
});
