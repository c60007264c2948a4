import fc from 'fast-check';
import { create, all } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { luFactor, luSolve } from '../../src/linalg/lu.js';
import { minres } from '../../src/linalg/minres.js';
import { pseudoInverseSolve, symmetricEigen } from '../../src/linalg/symmetricEigen.js';
import { bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff, norm2 } from '../support/numeric.js';


/** A symmetric n×n matrix Q diag(λ) Qᵀ with chosen eigenvalues (some zero for singular cases). */
const arbSymmetric = (opts: { singular: boolean }) =>
  fc.integer({ min: 2, max: 12 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      raw: fc.array(bounded(-1, 1), { minLength: n * n, maxLength: n * n }),
      eig: fc.array(fc.oneof(bounded(-10, -0.1), bounded(0.1, 10)), { minLength: n, maxLength: n }),
      zeros: fc.integer({ min: opts.singular ? 1 : 0, max: opts.singular ? Math.max(1, n - 1) : 0 }),
      b: fc.array(bounded(-1, 1), { minLength: n, maxLength: n }),
    }),
  ).map(({ n, raw, eig, zeros, b }) => {
    // orthonormal Q from Gram–Schmidt on a shifted random matrix (columns)
    const Q = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = raw[i * n + j] + (i === j ? 3 : 0);
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += Q[i * n + k] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * Q[i * n + k];
      }
      const norm = norm2(v);
      for (let i = 0; i < n; i++) Q[i * n + j] = v[i] / norm;
    }
    const lam = Float64Array.from(eig);
    for (let k = 0; k < zeros; k++) lam[k] = 0;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k] * lam[k] * Q[j * n + k];
      A[i * n + j] = s;
    }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) A[j * n + i] = A[i * n + j];
    return { n, A, Q, lam, b: Float64Array.from(b) };
  });

const matvec = (A: Readonly<Float64Array>, n: number) => (v: Readonly<Float64Array>): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
    out[i] = s;
  }
  return out;
};

describe('symmetric eigendecomposition (Jacobi)', () => {
  it('reconstructs A = V diag(λ) Vᵀ with orthonormal V, and recovers the eigenvalues A was built from', () => {
    fc.assert(
      fc.property(arbSymmetric({ singular: false }), ({ n, A, lam }) => {
        const e = symmetricEigen(A, n);
        const normA = maxAbs(lam);
        // Jacobi is backward stable: ‖A − VΛVᵀ‖ ≲ c·n·ε·‖A‖, ‖VᵀV − I‖ ≲ c·n·ε
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let rec = 0;
          let orth = 0;
          for (let k = 0; k < n; k++) {
            rec += e.vectors[i * n + k] * e.values[k] * e.vectors[j * n + k];
            orth += e.vectors[k * n + i] * e.vectors[k * n + j];
          }
          expect(Math.abs(rec - A[i * n + j])).toBeLessThanOrEqual(64 * n * EPS * normA);
          expect(Math.abs(orth - (i === j ? 1 : 0))).toBeLessThanOrEqual(64 * n * EPS);
        }
        // the eigenvalues A was built from are the oracle; Weyl: a symmetric perturbation of size δ
        // (here the rounding of building A, ≲ n·ε·‖A‖, plus Jacobi's backward error) moves them ≤ δ
        const ours = Array.from(e.values).sort((a, b) => a - b);
        const built = Array.from(lam).sort((a, b) => a - b);
        ours.forEach((v, k) => expect(Math.abs(v - built[k])).toBeLessThanOrEqual(64 * n * EPS * normA));
      }),
      fcParams(60),
    );
  });

  it('pseudo-inverse solve equals Q diag(1/λ, 0 on zeros) Qᵀ b from the construction, and mathjs pinv on a fixed case', () => {
    fc.assert(
      fc.property(arbSymmetric({ singular: true }), ({ n, A, Q, b, lam }) => {
        const sol = pseudoInverseSolve(A, n, b, 1);
        const ref = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          if (lam[k] === 0) continue;
          let c = 0;
          for (let i = 0; i < n; i++) c += Q[i * n + k] * b[i];
          for (let i = 0; i < n; i++) ref[i] += (Q[i * n + k] * c) / lam[k];
        }
        const zeros = Array.from(lam).filter((x) => x === 0).length;
        expect(sol.dropped).toBe(zeros);
        // kept eigenvalues are ≥ 0.1 and ≤ 10: κ ≤ 100, forward error ≲ κ·c·n·ε·‖b‖/λ_min
        ref.forEach((v, i) => expect(Math.abs(sol.x[i] - v)).toBeLessThanOrEqual(100 * 64 * n * EPS * 10));
        expect(sol.conditionEstimate).toBeLessThanOrEqual(100 * (1 + 1e-10));
      }),
      fcParams(60),
    );
    // a second, external oracle on a fixed rank-deficient matrix (mathjs's default tolerances)
    const rank2 = Float64Array.of(1, -1, 0, -1, 2, -1, 0, -1, 1); // graph Laplacian of a path: null space 1
    const b = Float64Array.of(1, 2, -3);
    const math = create(all);
    const ref = math.multiply(math.pinv([[1, -1, 0], [-1, 2, -1], [0, -1, 1]]), [1, 2, -3]) as unknown as number[];
    const sol = pseudoInverseSolve(rank2, 3, b, 1);
    expect(sol.dropped).toBe(1);
    ref.forEach((v, i) => expect(Math.abs(sol.x[i] - v)).toBeLessThanOrEqual(1e-12));
  });
});

describe('MINRES', () => {
  it('equals a dense LU solve on symmetric indefinite nonsingular systems', () => {
    fc.assert(
      fc.property(arbSymmetric({ singular: false }), ({ n, A, b }) => {
        const sol = minres(matvec(A, n), b, { rtol: 1e-13 });
        const x = luSolve(luFactor(A, n), b);
        expect(sol.converged).toBe(true);
        // κ ≤ 100 (eigenvalues in ±[0.1, 10]): forward error ≲ κ·(1e-13 + n·ε)·‖x‖, ×10 margin
        expect(maxAbsDiff(sol.x, x)).toBeLessThanOrEqual(10 * 100 * (1e-13 + n * EPS) * (maxAbs(x) + 1));
        expect(sol.relativeResidual).toBeLessThanOrEqual(1e-13);
      }),
      fcParams(80),
    );
  });

  it('returns the minimum-norm solution A^† b on consistent singular systems (vs the eigen pseudo-inverse)', () => {
    fc.assert(
      fc.property(arbSymmetric({ singular: true }), ({ n, A, b }) => {
        // make b consistent: b ∈ range(A)
        const rb = matvec(A, n)(b);
        const sol = minres(matvec(A, n), rb, { rtol: 1e-13 });
        const ref = pseudoInverseSolve(A, n, rb, 1);
        expect(maxAbsDiff(sol.x, ref.x)).toBeLessThanOrEqual(10 * 100 * (1e-13 + n * EPS) * (maxAbs(ref.x) + 1));
      }),
      fcParams(80),
    );
  });

  it('reports the true residual, and non-convergence when the iteration cap is too small', () => {
    const n = 10;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[i * n + i] = i + 1;
    const b = new Float64Array(n).fill(1);
    const capped = minres(matvec(A, n), b, { maxIterations: 2, maxRestarts: 0 });
    expect(capped.converged).toBe(false);
    const trueRes = Math.sqrt(matvec(A, n)(capped.x).reduce((s, v, i) => s + (b[i] - v) ** 2, 0));
    expect(Math.abs(capped.residualNorm - trueRes)).toBeLessThanOrEqual(1e-12);
    expect(minres(matvec(A, n), new Float64Array(n)).x.every((v) => v === 0)).toBe(true);
  });
});
