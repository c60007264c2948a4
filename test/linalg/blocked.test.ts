/**
 * Tests for the cache-aware kernels of src/linalg/blocked.ts (through `luFactorBlocked`,
 * `luSolveManyBlocked`, `luSolveTransposedManyBlocked`, `matMul`) against the simple loops of
 * src/linalg/lu.ts, the reference, and against a naive triple loop.
 *
 * Units: ε = Number.EPSILON = 2^-52, u = ε/2, γ_k = k u / (1 − k u).
 *
 * What may differ, and why:
 * - The blocked LU with a panel width that is a multiple of 4 performs the floating-point
 *   operations of `luFactorSimple` in the same order (every entry receives, 4-column panel by
 *   4-column panel, `c − (l₀u₀ + l₁u₁ + l₂u₂ + l₃u₃)` from the same values; only *when* an update
 *   reaches an entry not yet needed changes), so the pivots and every factor value are the same:
 *   checked with `===` (which equates +0 and −0: a zero can come out with the other sign, because
 *   the two loops group rows into blocks of 4 before and after later row swaps when they skip a
 *   block whose multipliers are all zero, and −0 − (−0) is +0). The policy evaluation and
 *   everything factorised at n ≥ LU_BLOCKED_MIN_N therefore keep their values.
 * - With a panel width that is not a multiple of 4 the sub-panels straddle the simple loop's
 *   4-column panels and the sums are grouped otherwise: the factors differ by rounding. Both
 *   satisfy Higham's bound (Accuracy and Stability, Thm 9.3, any order of summation):
 *   `|PA − L̂Û| ≤ γ_n |L̂||Û|` componentwise.
 * - The blocked triangular solves add 4 products before subtracting them where the simple
 *   solves subtract term by term: the solutions differ in the last bits. Both are backward
 *   stable for any order of the sums (Higham Thm 9.4): `(A + ΔA) x̂ = b` with
 *   `|ΔA| ≤ γ_{3n} |L̂||Û|` (in the row order of PA), so the residual is bounded componentwise,
 *   `|b − A x̂| ≤ γ_{3n} |L̂||Û||x̂|`, checked for both. Their difference follows:
 *   `x̂_b − x̂_s = A⁻¹ (r_s − r_b)`, so `‖x̂_b − x̂_s‖∞ ≤ ‖A⁻¹‖∞ γ_{3n} (‖|L̂||Û||x̂_b|‖∞ +
 *   ‖|L̂||Û||x̂_s|‖∞)`, of order `c·n·ε·κ_∞(A)·‖x‖∞` since `‖|L̂||Û|‖∞ ≤ ρ n ‖A‖∞`; checked on
 *   matrices with a known bound on ‖A⁻¹‖∞ (diagonally dominant; `I − γP_π`).
 *
 * No timing is asserted anywhere: the block sizes were chosen by measurement outside the tests.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LU_BLOCK,
  LU_BLOCKED_MIN_N,
  SOLVE_BLOCK,
  SOLVE_BLOCKED_MIN_N,
  luFactor,
  luFactorBlocked,
  luFactorSimple,
  luSolveMany,
  luSolveManyBlocked,
  luSolveManySimple,
  luSolveTransposedMany,
  luSolveTransposedManyBlocked,
  luSolveTransposedManySimple,
  matMul,
  matMulAdd,
  type LuFactorization,
} from '../../src/linalg/index.js';
import { garnetOrThrow } from '../../src/mdp/index.js';
import { softmaxProbs } from '../../src/policy/softmax.js';
import { makeRng } from '../../src/random/rng.js';
import { bellmanMatrixOfPolicy } from '../../src/value/policyMatrices.js';
import { fcParams } from '../support/fcParams.js';
import { EPS } from '../support/numeric.js';

const gamma = (k: number): number => (k * EPS) / 2 / (1 - (k * EPS) / 2);
/** Computing a bound itself in float64 (sums of non-negative terms) errs by ≤ γ_{2n}: a relative slack that covers it. */
const BOUND_SLACK = 1 + 1e-10;
/** Absolute slack for subnormal intermediate values (absolute rounding errors of 2^-1074). */
const TINY = 1e-300;

// ---------------------------------------------------------------------------------------
// matrices (seeded; row-major n×n)

interface TestMatrix {
  readonly name: string;
  readonly n: number;
  readonly a: Float64Array;
  /** A bound on ‖A⁻¹‖∞ when one is known (for the forward comparison of solves). */
  readonly invNormInf?: number;
}

/** Entries N(0, 1). */
const randomMatrix = (n: number, seed: number): TestMatrix => {
  const rng = makeRng(seed);
  return { name: `random n=${n}`, n, a: Float64Array.from({ length: n * n }, () => rng.normal()) };
};

/** 60% exact zeros (half of them −0), the rest N(0, 1): zero multipliers and skipped blocks. */
const sparseMatrix = (n: number, seed: number): TestMatrix => {
  const rng = makeRng(seed);
  const a = Float64Array.from({ length: n * n }, () => {
    const t = rng.uniform();
    return t < 0.3 ? 0 : t < 0.6 ? -0 : rng.normal();
  });
  return { name: `sparse n=${n}`, n, a };
};

/**
 * A = Q (M + (n+1) I), |M_ij| ≤ 1, Q a row permutation: every row of M + (n+1)I has diagonal
 * ≥ n and off-diagonal sum ≤ n − 1, so ‖(M + (n+1)I)⁻¹‖∞ ≤ 1 (Varah), and permuting rows keeps
 * ‖A⁻¹‖∞ ≤ 1; Q makes partial pivoting search for the dominant entries.
 */
const dominantMatrix = (n: number, seed: number): TestMatrix => {
  const rng = makeRng(seed);
  const q = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [q[i], q[j]] = [q[j], q[i]];
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 2 * rng.uniform() - 1 + (q[i] === j ? n + 1 : 0);
  return { name: `dominant n=${n}`, n, a, invNormInf: 1 };
};

/** Hilbert H_ij = 1/(i + j + 1): κ ≈ 1e16 at n = 12, numerically singular beyond (backward bounds still hold). */
const hilbert = (n: number): TestMatrix => {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 1 / (i + j + 1);
  return { name: `hilbert n=${n}`, n, a };
};

/** Random, with the last row = the first row + 1e-12 in one entry: one pivot ~1e-12, κ ~1e12. */
const nearSingular = (n: number, seed: number): TestMatrix => {
  const { a } = randomMatrix(n, seed);
  for (let j = 0; j < n; j++) a[(n - 1) * n + j] = a[j];
  a[(n - 1) * n + (n >> 1)] += 1e-12;
  return { name: `near-singular n=${n}`, n, a };
};

/**
 * `I − γP_π` of a Garnet (A = 4, branching 5) at a random softmax policy: ‖(I − γP_π)⁻¹‖∞ =
 * ‖Σ_k γ^k P_π^k‖∞ = 1/(1 − γ) (P_π row-stochastic), so κ_∞ ≤ (1 + γ)/(1 − γ) ≈ 2000 at γ = 0.999.
 */
const garnetBellman = (S: number, g: number, seed: number): TestMatrix => {
  const A = 4;
  const { mdp } = garnetOrThrow({ S, A, branching: Math.min(5, S), gamma: g, seed });
  const rng = makeRng(seed + 1);
  const pi = softmaxProbs(Float64Array.from({ length: S * A }, () => 3 * rng.normal()), S, A);
  return { name: `garnet I-γP γ=${g} S=${S}`, n: S, a: bellmanMatrixOfPolicy(mdp, pi), invNormInf: 1 / (1 - g) };
};

/** A copy of `m.a` with column k set to zero: exactly singular. */
const withZeroColumn = (m: TestMatrix, k: number): Float64Array => {
  const a = Float64Array.from(m.a);
  for (let i = 0; i < m.n; i++) a[i * m.n + k] = 0;
  return a;
};

const matricesOfSize = (n: number, seed: number): TestMatrix[] => [
  randomMatrix(n, seed),
  sparseMatrix(n, seed + 1),
  dominantMatrix(n, seed + 2),
  ...(n >= 2 ? [nearSingular(n, seed + 3)] : []),
  hilbert(n),
  garnetBellman(n, 0.999, seed + 4),
];

/** Sizes around both block widths used below, non-multiples of them, and a few hundred. */
const FACTOR_SIZES = [1, 2, 3, 5, 7, 8, 9, 31, LU_BLOCK - 1, LU_BLOCK, LU_BLOCK + 1, 100, LU_BLOCKED_MIN_N + 3, 300];

// ---------------------------------------------------------------------------------------
// bounds

/** Exact equality of two factorisations as numbers (`===`, so +0 = −0), pivots and flags. */
const expectSameFactors = (blocked: LuFactorization, simple: LuFactorization, what: string): void => {
  expect(Array.from(blocked.perm), what).toEqual(Array.from(simple.perm));
  let differing = 0;
  for (let i = 0; i < simple.lu.length; i++) {
    const x = blocked.lu[i];
    const y = simple.lu[i];
    if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) differing++;
  }
  expect(differing, what).toBe(0);
  expect(blocked.minPivot, what).toBe(simple.minPivot);
  expect(blocked.maxPivot, what).toBe(simple.maxPivot);
  expect(blocked.singular, what).toBe(simple.singular);
};

/** Worst ratio |PA − L̂Û|_ij / (2γ_n (|L̂||Û|)_ij) (≤ 1 required): Thm 9.3's γ_n plus γ_n for forming L̂Û here. */
const reconstructionRatio = (a: Readonly<Float64Array>, f: LuFactorization): number => {
  const { n, lu, perm } = f;
  const bound = 2 * gamma(n);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k <= Math.min(i, j); k++) {
        const l = k === i ? 1 : lu[i * n + k];
        const u = lu[k * n + j];
        s += l * u;
        abs += Math.abs(l) * Math.abs(u);
      }
      const err = Math.abs(s - a[perm[i] * n + j]);
      worst = Math.max(worst, err / (bound * abs * BOUND_SLACK + TINY));
    }
  }
  return worst;
};

/** `|L̂||Û||x|` (length n) for a vector x. */
const absLuTimes = (f: LuFactorization, x: ArrayLike<number>): Float64Array => {
  const { n, lu } = f;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i; k < n; k++) s += Math.abs(lu[i * n + k]) * Math.abs(x[k]);
    v[i] = s;
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s += Math.abs(lu[i * n + k]) * v[k];
    w[i] = s;
  }
  return w;
};

/** `|Û|ᵀ|L̂|ᵀ|z|` (length n) for a vector z (the transposed solve's `P x`). */
const absUtLtTimes = (f: LuFactorization, z: ArrayLike<number>): Float64Array => {
  const { n, lu } = f;
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = Math.abs(z[j]);
    for (let i = j + 1; i < n; i++) s += Math.abs(lu[i * n + j]) * Math.abs(z[i]);
    v[j] = s;
  }
  const w = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i <= j; i++) s += Math.abs(lu[i * n + j]) * v[i];
    w[j] = s;
  }
  return w;
};

const column = (X: Readonly<Float64Array>, n: number, m: number, c: number): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => X[i * m + c]);

/**
 * Componentwise backward-error check of column c of a solve `A X = B` (or `Aᵀ X = B`): the
 * residual computed here, `fl(b − M x̂)` with M = A or Aᵀ, must be within Thm 9.4's
 * `γ_{3n} |L̂||Û||x̂|` (in PA's row order; `|Û|ᵀ|L̂|ᵀ|P x̂|` for Aᵀ) plus the residual's own
 * rounding `γ_{n+1} (|M||x̂| + |b|)`. Returns the worst ratio (≤ 1 required) and the norm of the
 * Thm 9.4 term (for the forward comparison).
 */
const backwardCheck = (
  a: Readonly<Float64Array>,
  f: LuFactorization,
  B: Readonly<Float64Array>,
  X: Readonly<Float64Array>,
  m: number,
  c: number,
  transposed: boolean,
): { ratio: number; stabilityNorm: number } => {
  const { n, perm } = f;
  const x = column(X, n, m, c);
  const b = column(B, n, m, c);
  // the Thm 9.4 term, in the order of the rows of the original system
  const stability = new Float64Array(n);
  if (transposed) {
    const z = Float64Array.from({ length: n }, (_, i) => x[perm[i]]);
    const t = absUtLtTimes(f, z);
    for (let j = 0; j < n; j++) stability[j] = t[j];
  } else {
    const t = absLuTimes(f, x);
    for (let i = 0; i < n; i++) stability[perm[i]] = t[i];
  }
  let ratio = 0;
  let stabilityNorm = 0;
  for (let i = 0; i < n; i++) {
    let r = b[i];
    let abs = Math.abs(b[i]);
    for (let k = 0; k < n; k++) {
      const mik = transposed ? a[k * n + i] : a[i * n + k];
      r -= mik * x[k];
      abs += Math.abs(mik) * Math.abs(x[k]);
    }
    const bound = gamma(3 * n) * stability[i] + gamma(n + 1) * abs;
    ratio = Math.max(ratio, Math.abs(r) / (bound * BOUND_SLACK + TINY));
    stabilityNorm = Math.max(stabilityNorm, stability[i]);
  }
  return { ratio, stabilityNorm };
};

// ---------------------------------------------------------------------------------------

describe('luFactorBlocked: the simple factorisation, value for value', () => {
  it('equals luFactorSimple (===) for panel widths 4, 8, 12, LU_BLOCK and 128 on random, sparse, dominant, near-singular, Hilbert and I − γP_π (γ = 0.999) matrices', () => {
    let seed = 1;
    for (const n of FACTOR_SIZES) {
      for (const m of matricesOfSize(n, (seed += 10))) {
        const simple = luFactorSimple(m.a, n);
        for (const nb of [4, 8, 12, LU_BLOCK, 128]) expectSameFactors(luFactorBlocked(m.a, n, nb), simple, `${m.name}, nb=${nb}`);
      }
    }
  });

  it('luFactor dispatches on n (LU_BLOCKED_MIN_N) and agrees with both on either side', () => {
    for (const n of [LU_BLOCKED_MIN_N - 1, LU_BLOCKED_MIN_N, LU_BLOCKED_MIN_N + 1]) {
      const { a } = randomMatrix(n, n);
      const f = luFactor(a, n);
      expectSameFactors(f, luFactorSimple(a, n), `luFactor n=${n}`);
      expectSameFactors(f, luFactorBlocked(a, n), `luFactor n=${n}`);
    }
  });

  it('equals luFactorSimple on arbitrary small matrices with ties, zeros and ±1 (fast-check)', () => {
    const matrix = fc.integer({ min: 1, max: 40 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        a: fc.float64Array({ min: -1, max: 1, noNaN: true, minLength: n * n, maxLength: n * n }),
        nb: fc.constantFrom(4, 8, 12, 16),
      }),
    );
    fc.assert(
      fc.property(matrix, ({ n, a, nb }) => {
        expectSameFactors(luFactorBlocked(a, n, nb), luFactorSimple(a, n), `n=${n} nb=${nb}`);
      }),
      fcParams(200),
    );
  });

  it('panel widths that are not multiples of 4 regroup the sums: both factorisations within γ_n|L||U| of PA', () => {
    let seed = 500;
    for (const n of [1, 2, 5, 9, 23, 70]) {
      for (const m of [randomMatrix(n, seed++), dominantMatrix(n, seed++), sparseMatrix(n, seed++), hilbert(Math.min(n, 12))]) {
        const simple = luFactorSimple(m.a, m.n);
        expect(reconstructionRatio(m.a, simple), m.name).toBeLessThanOrEqual(1);
        for (const nb of [1, 2, 3, 5, 6, 7, 10]) {
          const f = luFactorBlocked(m.a, m.n, nb);
          expect([...f.perm].sort((x, y) => x - y), m.name).toEqual(Array.from({ length: m.n }, (_, i) => i));
          expect(reconstructionRatio(m.a, f), `${m.name}, nb=${nb}`).toBeLessThanOrEqual(1);
          expect(f.singular, `${m.name}, nb=${nb}`).toBe(simple.singular);
        }
      }
    }
  });

  it('rejects a panel width that is not an integer >= 1', () => {
    const a = Float64Array.of(1, 2, 3, 4);
    expect(() => luFactorBlocked(a, 2, 0)).toThrow(RangeError);
    expect(() => luFactorBlocked(a, 2, 2.5)).toThrow(RangeError);
    expect(() => luFactorBlocked(new Float64Array(3), 2)).toThrow(RangeError);
  });
});

describe('singular input through the blocked kernels: flagged, never thrown, NaN solutions', () => {
  it('a zero column at sizes 1, 7, LU_BLOCK ± 1 and above LU_BLOCKED_MIN_N: singular, NaN from every many-RHS solve', () => {
    let seed = 900;
    for (const n of [1, 7, LU_BLOCK - 1, LU_BLOCK + 1, LU_BLOCKED_MIN_N + 5]) {
      for (const k of [0, n >> 1, n - 1]) {
        const a = withZeroColumn(randomMatrix(n, seed++), k);
        const f = luFactor(a, n);
        const fb = luFactorBlocked(a, n, 8);
        expect(f.singular).toBe(true);
        expect(fb.singular).toBe(true);
        expect(f.minPivot).toBe(0);
        expectSameFactors(fb, luFactorSimple(a, n), `zero column ${k}, n=${n}`);
        for (const m of [1, 5]) {
          const B = Float64Array.from({ length: n * m }, (_, i) => i + 1);
          for (const X of [
            luSolveMany(f, B, m),
            luSolveManyBlocked(f, B, m, 4),
            luSolveTransposedMany(f, B, m),
            luSolveTransposedManyBlocked(f, B, m, 4),
          ]) {
            expect(X.length).toBe(n * m);
            expect(X.every(Number.isNaN)).toBe(true);
          }
        }
      }
    }
  });

  it('a non-finite entry above LU_BLOCKED_MIN_N is flagged singular', () => {
    const n = LU_BLOCKED_MIN_N + 2;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const { a } = dominantMatrix(n, 3);
      a[5 * n + 7] = bad;
      expect(luFactor(a, n).singular).toBe(true);
    }
  });
});

describe('many-right-hand-side solves: blocked against simple', () => {
  /** Right-hand sides N(0, 1), n×m. */
  const rhs = (n: number, m: number, seed: number): Float64Array => {
    const rng = makeRng(seed);
    return Float64Array.from({ length: n * m }, () => rng.normal());
  };

  /**
   * Both solves of `A X = B` (or `Aᵀ X = B`) with the same factorisation: each column backward
   * stable (Thm 9.4), and, when ‖M⁻¹‖∞ is bounded, within the forward bound of the header.
   */
  const compareSolves = (m: TestMatrix, cols: number, blockSize: number, transposed: boolean, seed: number): void => {
    const { n, a } = m;
    const f = luFactor(a, n);
    const B = rhs(n, cols, seed);
    const Xs = transposed ? luSolveTransposedManySimple(f, B, cols) : luSolveManySimple(f, B, cols);
    const Xb = transposed ? luSolveTransposedManyBlocked(f, B, cols, blockSize) : luSolveManyBlocked(f, B, cols, blockSize);
    // ‖A⁻ᵀ‖∞ = ‖A⁻¹‖₁ ≤ n ‖A⁻¹‖∞
    const invNorm = m.invNormInf === undefined ? undefined : transposed ? n * m.invNormInf : m.invNormInf;
    const what = `${m.name}, m=${cols}, block=${blockSize}${transposed ? ', transposed' : ''}`;
    for (let c = 0; c < cols; c++) {
      const s = backwardCheck(a, f, B, Xs, cols, c, transposed);
      const b = backwardCheck(a, f, B, Xb, cols, c, transposed);
      expect(s.ratio, `${what}, simple, column ${c}`).toBeLessThanOrEqual(1);
      expect(b.ratio, `${what}, blocked, column ${c}`).toBeLessThanOrEqual(1);
      if (invNorm !== undefined) {
        let diff = 0;
        for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(Xb[i * cols + c] - Xs[i * cols + c]));
        const bound = invNorm * gamma(3 * n) * (s.stabilityNorm + b.stabilityNorm) * BOUND_SLACK + TINY;
        expect(diff, `${what}, column ${c}: ‖x_blocked − x_simple‖∞`).toBeLessThanOrEqual(bound);
      }
    }
  };

  it('A X = B and Aᵀ X = B: m = 1, SOLVE_BLOCK ± 1 and more, sizes 1 to a few hundred, block sizes 1 to 64', () => {
    let seed = 2000;
    const sizes = [1, 2, SOLVE_BLOCK - 1, SOLVE_BLOCK, SOLVE_BLOCK + 1, 33, 100, 201];
    for (const n of sizes) {
      const mats = [dominantMatrix(n, seed++), garnetBellman(n, 0.999, seed++), randomMatrix(n, seed++)];
      if (n >= 2) mats.push(nearSingular(n, seed++));
      if (n <= 40) mats.push(hilbert(Math.min(n, 12)));
      for (const mat of mats) {
        for (const cols of n >= 100 ? [1, SOLVE_BLOCK + 1] : [1, 2, SOLVE_BLOCK - 1, SOLVE_BLOCK, SOLVE_BLOCK + 1, 40]) {
          for (const blockSize of n >= 100 ? [SOLVE_BLOCK, 64] : [1, 3, 8, SOLVE_BLOCK, 64]) {
            compareSolves(mat, cols, blockSize, false, seed);
            compareSolves(mat, cols, blockSize, true, seed + 1);
          }
        }
      }
    }
  });

  it('luSolveMany / luSolveTransposedMany dispatch on n (SOLVE_BLOCKED_MIN_N) to the blocked or the simple solve', () => {
    for (const n of [SOLVE_BLOCKED_MIN_N - 1, SOLVE_BLOCKED_MIN_N, 70]) {
      const { a } = dominantMatrix(n, n);
      const f = luFactor(a, n);
      const B = rhs(n, 3, n + 1);
      const blocked = n >= SOLVE_BLOCKED_MIN_N;
      expect(Array.from(luSolveMany(f, B, 3))).toEqual(Array.from(blocked ? luSolveManyBlocked(f, B, 3) : luSolveManySimple(f, B, 3)));
      expect(Array.from(luSolveTransposedMany(f, B, 3))).toEqual(
        Array.from(blocked ? luSolveTransposedManyBlocked(f, B, 3) : luSolveTransposedManySimple(f, B, 3)),
      );
    }
  });

  it('inputs are not mutated, results are fresh, shape errors throw', () => {
    const { n, a } = dominantMatrix(40, 7);
    const f = luFactor(a, n);
    const B = rhs(n, 5, 8);
    const luCopy = Float64Array.from(f.lu);
    const bCopy = Float64Array.from(B);
    const X = luSolveManyBlocked(f, B, 5);
    const Y = luSolveTransposedManyBlocked(f, B, 5);
    expect(X).not.toBe(B);
    expect(Y).not.toBe(B);
    expect(f.lu).toEqual(luCopy);
    expect(B).toEqual(bCopy);
    expect(() => luSolveManyBlocked(f, B, 4)).toThrow(RangeError);
    expect(() => luSolveManyBlocked(f, B, 5, 0)).toThrow(RangeError);
    expect(() => luSolveTransposedManyBlocked(f, B, 0)).toThrow(RangeError);
  });
});

describe('matMul / matMulAdd against a naive triple loop', () => {
  /** C0 + A·B by the textbook loop, and |C0| + |A||B| for the error bound. */
  const naive = (c0: Readonly<Float64Array>, a: Readonly<Float64Array>, b: Readonly<Float64Array>, r: number, k: number, c: number) => {
    const value = Float64Array.from(c0);
    const abs = Float64Array.from(c0, Math.abs);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) {
        for (let p = 0; p < k; p++) {
          value[i * c + j] += a[i * k + p] * b[p * c + j];
          abs[i * c + j] += Math.abs(a[i * k + p]) * Math.abs(b[p * c + j]);
        }
      }
    }
    return { value, abs };
  };

  // 1×1×1 and tiny (the simple loop), 8 and 4 row blocks with leftovers, depths that are not
  // multiples of 4, and the cache tiles (256 columns, 128 ranks) crossed with a remainder.
  const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
    [1, 1, 1], [2, 3, 4], [3, 5, 7], [8, 8, 8], [9, 4, 9], [13, 7, 5], [12, 129, 20], [17, 130, 259], [1, 300, 3], [300, 1, 2],
  ];

  it('every entry within γ_{k+1}(|C0| + |A||B|) of the exact value, for both (so 2γ_{k+1} apart)', () => {
    let seed = 3000;
    for (const [r, k, c] of SHAPES) {
      const rng = makeRng(seed++);
      const a = Float64Array.from({ length: r * k }, () => (rng.uniform() < 0.2 ? 0 : rng.normal()));
      const b = Float64Array.from({ length: k * c }, () => rng.normal());
      const c0 = Float64Array.from({ length: r * c }, () => rng.normal());
      const aCopy = Float64Array.from(a);
      const bCopy = Float64Array.from(b);
      const ref = naive(c0, a, b, r, k, c);
      const acc = Float64Array.from(c0);
      const out = matMulAdd(acc, a, b, r, k, c);
      expect(out).toBe(acc);
      const fresh = matMul(a, b, r, k, c);
      const ref0 = naive(new Float64Array(r * c), a, b, r, k, c);
      const tol = 2 * gamma(k + 1);
      for (let i = 0; i < r * c; i++) {
        expect(Math.abs(acc[i] - ref.value[i]), `${r}×${k}×${c} [${i}]`).toBeLessThanOrEqual(tol * ref.abs[i] * BOUND_SLACK + TINY);
        expect(Math.abs(fresh[i] - ref0.value[i]), `${r}×${k}×${c} [${i}]`).toBeLessThanOrEqual(tol * ref0.abs[i] * BOUND_SLACK + TINY);
      }
      expect(a).toEqual(aCopy);
      expect(b).toEqual(bCopy);
    }
  });

  it('exact on small integers (every partial sum representable), and the shapes are checked', () => {
    const rng = makeRng(11);
    const [r, k, c] = [19, 70, 33];
    const a = Float64Array.from({ length: r * k }, () => Math.floor(rng.uniform() * 7) - 3);
    const b = Float64Array.from({ length: k * c }, () => Math.floor(rng.uniform() * 7) - 3);
    expect(Array.from(matMul(a, b, r, k, c))).toEqual(Array.from(naive(new Float64Array(r * c), a, b, r, k, c).value));
    expect(() => matMul(a, b, r, k + 1, c)).toThrow(RangeError);
    expect(() => matMul(a, b, 0, k, c)).toThrow(RangeError);
    expect(() => matMulAdd(new Float64Array(3), a, b, r, k, c)).toThrow(RangeError);
  });
});
