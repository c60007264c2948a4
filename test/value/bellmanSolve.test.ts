/**
 * The two routes of the Bellman solves (src/value/bellmanSolve.ts, sparseBellman.ts):
 * - the sparse `I − γP_π` holds the dense matrix's entries exactly (same accumulation order);
 * - below SPARSE_EVALUATION_MIN_S the evaluation is the dense LU's, bit for bit (so every result
 *   computed at those sizes is unchanged by the GMRES route's existence);
 * - at and above it, GMRES agrees with the LU within the sum of the two error bounds, its report
 *   is honest (the bound covers the actual difference from the LU), and the factorisation it
 *   forms on demand is the LU route's;
 * - a system GMRES(30) cannot solve within its budget (a deterministic cycle at γ near 1) falls back
 *   to the LU, deterministically.
 *
 * The results at S ≥ SPARSE_EVALUATION_MIN_S are *not* the LU's bits: they agree with them within
 * the stated error bounds (≤ 1e-12 relative here), which is what this file checks instead.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { luFactor, luSolve, luSolveTransposed, matNorm1, matNormInf, vecNormInf } from '../../src/linalg/index.js';
import { garnetOrThrow } from '../../src/mdp/index.js';
import { validateMdp } from '../../src/mdp/validate.js';
import { softmaxLogProbs, softmaxProbs } from '../../src/policy/softmax.js';
import { makeRng } from '../../src/random/rng.js';
import { GMRES_RESTART, SPARSE_EVALUATION_MIN_S, solveBellman } from '../../src/value/bellmanSolve.js';
import { evaluatePolicy, evaluatePolicyTable } from '../../src/value/policyEvaluation.js';
import { bellmanMatrixOfPolicy, policyReward } from '../../src/value/policyMatrices.js';
import { sparseBellmanOfPolicy, sparseMatTVec, sparseMatVec, sparseTranspose } from '../../src/value/sparseBellman.js';
import { arbProblem } from '../arbitraries/mdp.js';

const dense = (n: number, offsets: Int32Array, cols: Int32Array, vals: Float64Array): Float64Array => {
  const M = new Float64Array(n * n);
  for (let s = 0; s < n; s++) for (let k = offsets[s]; k < offsets[s + 1]; k++) M[s * n + cols[k]] = vals[k];
  return M;
};

const thetaOf = (S: number, A: number, seed: number, scale: number): Float64Array => {
  const rng = makeRng(seed);
  const th = new Float64Array(S * A);
  for (let i = 0; i < th.length; i++) th[i] = scale * rng.normal();
  return th;
};

describe('sparse I − γP_π', () => {
  it('holds exactly the dense matrix, its norms, and multiplies like it (sizes from 1)', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 9, maxA: 4 }), ({ mdp, theta }) => {
        const pi = softmaxProbs(theta, mdp.S, mdp.A);
        const sp = sparseBellmanOfPolicy(mdp, pi);
        const M = bellmanMatrixOfPolicy(mdp, pi);
        // entries compared with ===: the same sums in the same order
        expect([...dense(mdp.S, sp.offsets, sp.cols, sp.vals)]).toEqual([...M]);
        expect(sp.normInf).toBe(matNormInf(M, mdp.S));
        expect(sp.norm1).toBe(matNorm1(M, mdp.S));
        // the transpose holds the same entries at swapped indices, rows in ascending column order
        const spT = sparseTranspose(sp);
        const MT = dense(mdp.S, spT.offsets, spT.cols, spT.vals);
        for (let i = 0; i < mdp.S; i++) for (let j = 0; j < mdp.S; j++) expect(MT[i * mdp.S + j]).toBe(M[j * mdp.S + i]);
        for (let i = 0; i < mdp.S; i++) for (let k = spT.offsets[i] + 1; k < spT.offsets[i + 1]; k++) expect(spT.cols[k]).toBeGreaterThan(spT.cols[k - 1]);
        expect([spT.normInf, spT.norm1]).toEqual([sp.norm1, sp.normInf]);
        const v = Float64Array.from({ length: mdp.S }, (_, i) => Math.sin(i + 1));
        const out = new Float64Array(mdp.S);
        sparseMatVec(sp, v, out);
        const outT = new Float64Array(mdp.S);
        sparseMatTVec(sp, v, outT);
        for (let i = 0; i < mdp.S; i++) {
          let a = 0;
          let t = 0;
          for (let j = 0; j < mdp.S; j++) {
            a += M[i * mdp.S + j] * v[j];
            t += M[j * mdp.S + i] * v[j];
          }
          // sums over at most S terms of size ≤ 2, in any order: S·ε·2·‖v‖∞ (‖v‖∞ ≤ 1)
          expect(Math.abs(out[i] - a)).toBeLessThanOrEqual(2 * mdp.S * Number.EPSILON);
          expect(Math.abs(outT[i] - t)).toBeLessThanOrEqual(2 * mdp.S * Number.EPSILON);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('solveBellman routes', () => {
  it(`is the dense LU, bit for bit, below S = ${SPARSE_EVALUATION_MIN_S}`, () => {
    for (const S of [1, 2, 40, SPARSE_EVALUATION_MIN_S - 1]) {
      const { mdp, reward } = garnetOrThrow({ S, A: 3, branching: Math.min(S, 4), gamma: 0.9, seed: 7 + S });
      const theta = thetaOf(S, 3, S, 3);
      const pi = softmaxProbs(theta, S, 3);
      const rPi = policyReward(mdp, reward, pi, softmaxLogProbs(theta, S, 3), 0.1);
      const sol = solveBellman(mdp, pi, rPi);
      expect(sol.route).toBe('lu');
      const lu = luFactor(bellmanMatrixOfPolicy(mdp, pi), S);
      expect([...sol.V]).toEqual([...luSolve(lu, rPi)]);
      expect([...sol.x]).toEqual([...luSolveTransposed(lu, mdp.rho)]);
      expect(sol.reports.value.route).toBe('lu');
    }
  });

  for (const [S, A, gamma, scale] of [
    [SPARSE_EVALUATION_MIN_S, 4, 0.9, 3],
    [400, 8, 0.9, 3],
    [300, 2, 0.99, 1],
    [300, 5, 0.999, 0],
  ] as const) {
    it(`agrees with the LU within the reported bounds (Garnet S = ${S}, A = ${A}, γ = ${gamma}, θ ~ ${scale}·N(0,1))`, () => {
      const { mdp, reward } = garnetOrThrow({ S, A, branching: 5, gamma, seed: 31 + S });
      const theta = thetaOf(S, A, 5, scale);
      const ev = evaluatePolicy(mdp, reward, theta, 0.1);
      expect(ev.solveRoute).toBe('gmres');
      const { value, visitation } = ev.diagnostics;
      const sp = sparseBellmanOfPolicy(mdp, ev.pi);
      for (const [rep, rows] of [[value, sp], [visitation, sparseTranspose(sp)]] as const) {
        expect(rep.route).toBe('gmres');
        expect(rep.converged).toBe(true);
        expect(rep.reliable).toBe(true);
        // 40–80 products at these sizes (measured); the bound is what a caller relies on
        expect(rep.iterations).toBeLessThan(S);
        // the stop rule (backward error 32ε) and the rounding of the residual ((q+1)ε, q the longest
        // row of the matrix the residual is formed with: M for V, Mᵀ for d) through ‖M⁻¹‖ ≤ 1/(1−γ),
        // with ‖M‖‖x‖ + ‖b‖ ≤ 2(1+γ)‖x‖
        let q = 0;
        for (let s = 0; s < S; s++) q = Math.max(q, rows.offsets[s + 1] - rows.offsets[s]);
        expect(rep.errorBound!).toBeLessThanOrEqual(((32 + q + 1) * Number.EPSILON * 2 * (1 + gamma)) / (1 - gamma));
      }
      // the LU route on the same policy (factorisation formed on demand = the LU route's)
      const M = bellmanMatrixOfPolicy(mdp, ev.pi);
      expect([...ev.bellman]).toEqual([...M]);
      const lu = luFactor(M, S);
      expect([...ev.factorization.lu]).toEqual([...lu.lu]);
      const rPi = policyReward(mdp, reward, ev.pi, ev.logPi, 0.1);
      const vLu = luSolve(lu, rPi);
      const xLu = luSolveTransposed(lu, mdp.rho);
      // ‖V − V_lu‖∞ ≤ (bound_gmres + bound_lu)·‖V‖∞; the LU's relative error is ≤ 2κ·backward
      // error with κ∞ ≤ (1+γ)/(1−γ) and backward error ≤ S·ε (Higham Thm 9.4 with small growth)
      const luBound = 2 * ((1 + gamma) / (1 - gamma)) * S * Number.EPSILON;
      let dv = 0;
      for (let s = 0; s < S; s++) dv = Math.max(dv, Math.abs(ev.V[s] - vLu[s]));
      expect(dv).toBeLessThanOrEqual((value.errorBound! + luBound) * vecNormInf(ev.V));
      let dx = 0;
      let nx = 0;
      for (let s = 0; s < S; s++) {
        dx += Math.abs(ev.d[s] / (1 - gamma) - xLu[s]);
        nx += Math.abs(xLu[s]);
      }
      expect(dx).toBeLessThanOrEqual((visitation.errorBound! + luBound) * nx * (1 + 1e-12));
    });
  }

  it('falls back to the LU when GMRES(30) cannot converge within its budget (a deterministic cycle, γ = 0.9999)', () => {
    const S = SPARSE_EVALUATION_MIN_S + 4;
    const P = new Float64Array(S * S);
    for (let s = 0; s < S; s++) P[s * S + ((s + 1) % S)] = 1;
    const rho = new Float64Array(S);
    rho[0] = 1;
    const mdp = validateMdp({ S, A: 1, gamma: 0.9999, P, rho });
    if (E.isLeft(mdp)) throw new Error('invalid test MDP');
    const r = Float64Array.from({ length: S }, (_, i) => Math.cos(i));
    const pi = new Float64Array(S).fill(1);
    const sol = solveBellman(mdp.right, pi, r);
    // the restarted Krylov space (dimension 30 ≪ S) barely reduces the residual of a cycle
    expect(GMRES_RESTART).toBeLessThan(S);
    expect(sol.route).toBe('lu');
    const lu = luFactor(bellmanMatrixOfPolicy(mdp.right, pi), S);
    expect([...sol.V]).toEqual([...luSolve(lu, r)]);
  });
});

describe('an evaluation of another reward under the same policy table', () => {
  it('reuses the LU of I − γP_π and gives the fresh evaluation bit for bit (sizes from 1)', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 8, maxA: 4 }), ({ mdp, r, theta, lambda }) => {
        const first = evaluatePolicy(mdp, r, theta, lambda);
        const u = r.map((x, i) => Math.cos(x + i));
        const zeros = new Float64Array(mdp.S * mdp.A);
        const fresh = evaluatePolicyTable(mdp, u, Float64Array.from(first.pi), zeros, 0);
        const reused = evaluatePolicyTable(mdp, u, Float64Array.from(first.pi), zeros, 0, first);
        expect(reused.factorization).toBe(first.factorization);
        for (const k of ['V', 'Q', 'adv', 'd'] as const) expect([...reused[k]]).toEqual([...fresh[k]]);
        expect(reused.J).toBe(fresh.J);
        // a different table (one entry moved by an ulp) is not the same matrix: no reuse
        const other = Float64Array.from(first.pi);
        other[0] = other[0] * (1 - Number.EPSILON);
        expect(evaluatePolicyTable(mdp, u, other, zeros, 0, first).factorization).not.toBe(first.factorization);
      }),
      { numRuns: 40 },
    );
  });
});
