/**
 * GMRES (src/linalg/gmres.ts) against the dense LU on non-symmetric systems, at sizes 1, below,
 * at and above the restart length, and with a budget too small to converge.
 *
 * Tolerances: the stop rule is a backward error ‖b − Ax̂‖∞ ≤ τ = 64ε(‖A‖∞‖x̂‖∞ + ‖b‖∞); the test
 * matrices are strictly diagonally dominant with margin ≥ 1/2 of the diagonal (‖A⁻¹‖∞ ≤ 2, by
 * Varah's bound 1/min_i(|a_ii| − Σ_j|a_ij|) with |a_ii| ≥ 1), so ‖x̂ − x‖∞ ≤ 2τ; the LU's own
 * error is of the same order (τ carries 64 subnormal units: below 2^-1022 rounding is absolute) (Higham Thm 9.4 with κ∞ ≤ 2·‖A‖∞ ≤ 6), so the two agree within 4τ.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gmres } from '../../src/linalg/gmres.js';
import { luFactor, luSolve, matNormInf, matVec, vecNormInf } from '../../src/linalg/index.js';
import { bounded } from '../arbitraries/mdp.js';

const EPS = Number.EPSILON;

/** A strictly diagonally dominant n×n matrix: off-diagonal rows sum to at most half the diagonal. */
const dominant = (n: number): fc.Arbitrary<Float64Array> =>
  fc.array(bounded(-1, 1), { minLength: n * n, maxLength: n * n }).chain((raw) =>
    fc.array(bounded(1, 3), { minLength: n, maxLength: n }).map((diag) => {
      const a = Float64Array.from(raw);
      for (let i = 0; i < n; i++) {
        let off = 0;
        for (let j = 0; j < n; j++) if (j !== i) off += Math.abs(a[i * n + j]);
        const scale = off === 0 ? 1 : (0.5 * diag[i]) / off;
        for (let j = 0; j < n; j++) a[i * n + j] = j === i ? (a[i * n + j] < 0 ? -diag[i] : diag[i]) : a[i * n + j] * scale;
      }
      return a;
    }),
  );

const stopRule = (a: Float64Array, n: number, b: Float64Array) => {
  const normA = matNormInf(a, n);
  const bInf = vecNormInf(b);
  // plus 64 subnormal units: below 2^-1022 rounding is absolute, not relative
  const tau = (x: Readonly<Float64Array>) => 64 * EPS * (normA * vecNormInf(x) + bInf) + 64 * Number.MIN_VALUE;
  return { tau, stop: (r: Readonly<Float64Array>, x: Readonly<Float64Array>) => vecNormInf(r) <= tau(x) };
};

describe('gmres', () => {
  for (const [n, restart] of [
    [1, 30],
    [7, 30],
    [29, 30],
    [30, 30],
    [31, 30],
    [45, 8],
  ] as const) {
    it(`agrees with the LU within its stop rule (n = ${n}, restart ${restart})`, () => {
      fc.assert(
        fc.property(dominant(n), fc.array(bounded(-5, 5), { minLength: n, maxLength: n }), (a, bArr) => {
          const b = Float64Array.from(bArr);
          const { tau, stop } = stopRule(a, n, b);
          const res = gmres((v, o) => o.set(matVec(a, n, n, v)), b, { restart, stop, innerTarget: tau });
          expect(res.converged).toBe(true);
          // the returned residual is the true one
          const ax = matVec(a, n, n, res.x);
          for (let i = 0; i < n; i++) expect(res.residual[i]).toBe(b[i] - ax[i]);
          const xLu = luSolve(luFactor(a, n), b);
          const t = tau(res.x);
          for (let i = 0; i < n; i++) expect(Math.abs(res.x[i] - xLu[i])).toBeLessThanOrEqual(4 * t);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('ill-conditioned: I − γP for a random stochastic P at γ = 0.9999 (κ∞ up to 2·10⁴) agrees with the LU within κ·τ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(bounded(0, 1), { minLength: n * n, maxLength: n * n }), fc.array(bounded(-1, 1), { minLength: n, maxLength: n })),
        ),
        ([n, raw, bArr]) => {
          const gamma = 0.9999;
          const a = new Float64Array(n * n);
          for (let i = 0; i < n; i++) {
            let sum = 0;
            for (let j = 0; j < n; j++) sum += raw[i * n + j];
            for (let j = 0; j < n; j++) a[i * n + j] = (i === j ? 1 : 0) - gamma * (sum === 0 ? (i === j ? 1 : 0) : raw[i * n + j] / sum);
          }
          const b = Float64Array.from(bArr);
          const { tau, stop } = stopRule(a, n, b);
          const res = gmres((v, o) => o.set(matVec(a, n, n, v)), b, { stop, innerTarget: tau, maxProducts: 50 * n + 50 });
          expect(res.converged).toBe(true);
          const xLu = luSolve(luFactor(a, n), b);
          // x̂ − x = A⁻¹(r) for each solution's residual r, and ‖A⁻¹‖∞ ≤ 1/(1−γ) (P stochastic), so the two
          // differ by at most (‖r_gmres‖∞ + ‖r_lu‖∞)/(1−γ); each computed residual is exact up to the
          // rounding of forming it, (n+1)ε(‖A‖∞‖x‖∞ + ‖b‖∞)
          const resid = (x: Float64Array) => {
            const ax = matVec(a, n, n, x);
            let m = 0;
            for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(b[i] - ax[i]));
            return m + (n + 1) * EPS * (matNormInf(a, n) * vecNormInf(x) + vecNormInf(b));
          };
          expect(vecNormInf(res.residual)).toBeLessThanOrEqual(tau(res.x));
          const bound = (resid(res.x) + resid(xLu)) / (1 - gamma);
          for (let i = 0; i < n; i++) expect(Math.abs(res.x[i] - xLu[i])).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('returns x = 0, converged, for b = 0 without a product', () => {
    const res = gmres(() => {
      throw new Error('no product expected');
    }, new Float64Array(4), { stop: (r) => vecNormInf(r) === 0 });
    expect(res.converged).toBe(true);
    expect(res.products).toBe(0);
    expect([...res.x]).toEqual([0, 0, 0, 0]);
  });

  it('stops at its product budget and says it did not converge', () => {
    // the cyclic shift: GMRES makes no progress before n steps (its Krylov space misses x)
    const n = 12;
    const shift = (v: Readonly<Float64Array>, o: Float64Array) => {
      for (let i = 0; i < n; i++) o[i] = v[(i + 1) % n];
    };
    const b = new Float64Array(n);
    b[0] = 1;
    const res = gmres(shift, b, { restart: 5, maxProducts: 9, stop: (r) => vecNormInf(r) <= 1e-14 });
    expect(res.converged).toBe(false);
    expect(res.products).toBeLessThanOrEqual(9 + 1);
    expect(vecNormInf(res.residual)).toBeGreaterThan(0.5);
  });
});
