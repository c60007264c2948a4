/**
 * Dense float64 LU factorisation with partial pivoting, and the solves built on it
 * (MATH.md §10: the reference path is float64 and deterministic).
 *
 * Layout: every matrix is a flat row-major `Float64Array`, entry `(i, j)` of an `n×n` matrix
 * at `i*n + j`; an `n×m` block of right-hand sides likewise at `i*m + j`.
 *
 * The core use is policy evaluation, `(I − γ P_π) v = r_π`, and its transpose for the
 * discounted visitation, `(I − γ P_π)ᵀ d = (1 − γ) ρ`, for `n` up to a few hundred. One
 * factorisation serves both directions: with `P A = L U`,
 *   `A x = b`  ⇔  `L U x = P b`,        and   `Aᵀ x = b`  ⇔  `Uᵀ Lᵀ (P x) = b`.
 *
 * Singular input never throws and never loops: the factorisation completes (a zero pivot
 * column is skipped, as LAPACK's `dgetrf` does), `singular` is set, and every solve with it
 * returns a vector of NaN. Only shape errors (wrong lengths, `n < 1`) throw a `RangeError`.
 *
 * Two implementations of the factorisation and of the many-right-hand-side solves: the simple
 * loops (`…Simple`, the reference) and the cache-aware kernels of `blocked.ts` (`…Blocked`);
 * `luFactor`, `luSolveMany` and `luSolveTransposedMany` pick by size. The blocked factorisation
 * with a panel width that is a multiple of 4 performs the same floating-point operations as the
 * simple one in the same order (each trailing entry takes the same rank-4 sums, panel by panel),
 * so its factors, pivots and flags are the same bits (an exact zero may differ in sign, no value
 * differs; `blocked.ts` says why). The blocked solves group their sums 4 at a time where the
 * simple ones subtract term by term, so their results differ in the last bits, within the
 * backward-error bound of GEPP that both satisfy (`test/linalg/blocked.test.ts`).
 *
 * Example (executed in `test/linalg/lu.test.ts`):
 *   solve(Float64Array.of(2, 1, 1, 3), 2, Float64Array.of(3, 5)).x   // ≈ [0.8, 1.4]
 */

import type { SolveReport } from '../numerics/solveReport.js';
import { factorColumns, luFactorBlockedInPlace, solveLowerUpperInPlace, solveUpperLowerTransposedInPlace } from './blocked.js';

/** LU factorisation with partial pivoting of a dense row-major n×n matrix, PA = LU. */
export interface LuFactorization {
  readonly n: number;
  /** L (unit lower, stored below the diagonal) and U (on and above it) packed, row-major n×n. */
  readonly lu: Readonly<Float64Array>;
  /** Row permutation: row `i` of `P A` is row `perm[i]` of `A`. */
  readonly perm: Readonly<Int32Array>;
  /** min |U_ii| (NaN if a pivot is NaN). */
  readonly minPivot: number;
  /** max |U_ii| (NaN if a pivot is NaN). */
  readonly maxPivot: number;
  /** A zero or non-finite pivot was met, or `a` (or the factors) hold a non-finite entry. */
  readonly singular: boolean;
}

/** Result of a dense solve with its diagnostics; the caller decides what a warning means. */
export interface LuSolve {
  /** The solution; all NaN when the matrix is singular. */
  readonly x: Float64Array;
  /** ‖M x − b‖_∞ with `M = A` (or `Aᵀ` for a transposed solve); NaN when singular. */
  readonly residualNorm: number;
  /** ‖M x − b‖_∞ / (‖M‖_∞ ‖x‖_∞ + ‖b‖_∞), the normwise backward error (0 when b = 0; NaN when singular). */
  readonly relativeResidual: number;
  /** minPivot / maxPivot (0 when singular). */
  readonly pivotRatio: number;
  /** Hager/Higham estimate of κ_1(M) (a lower bound, usually within a factor 3); Infinity if singular. */
  readonly conditionEstimate: number;
  /** Set when singular, pivotRatio < 1e-12 or conditionEstimate > 1e12, naming each that holds. */
  readonly warning?: string;
}

/** `pivotRatio` below this sets `LuSolve.warning`. */
export const PIVOT_RATIO_WARNING = 1e-12;
/** `conditionEstimate` above this sets `LuSolve.warning` (κ·ε ≈ 1e-4 of relative accuracy left). */
export const CONDITION_WARNING = 1e12;

/** Panel width of the simple factorisation (its trailing update is a rank-4 kernel). */
const NB = 4;

/**
 * Panel width of the blocked factorisation (`blocked.ts`; a multiple of 4, which keeps its
 * factors bit-identical to `luFactorSimple`'s). Measured on `I − γP_π` of Garnet MDPs: 32 to 128
 * are within 5% of each other at n = 400, 1000 and 2000 (the 8×4 register kernel, not the cache
 * tiling, carries the gain on this machine).
 */
export const LU_BLOCK = 64;
/** From this n on `luFactor` uses the blocked factorisation (below it the two are equally fast). */
export const LU_BLOCKED_MIN_N = 128;
/** Row block of the blocked multi-right-hand-side solves (measured best between 8 and 16). */
export const SOLVE_BLOCK = 16;
/** From this n on the multi-right-hand-side solves are blocked (faster for every m from 1 on). */
export const SOLVE_BLOCKED_MIN_N = 32;

// ---------------------------------------------------------------------------------------
// Shape checks (boundary validation: programming errors throw, numerical trouble does not)

/** Throw a RangeError unless `n` is an integer ≥ 1 and `len === expected`. */
const checkShape = (fn: string, what: string, len: number, expected: number, n: number): void => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: n must be an integer >= 1, got ${n}`);
  if (len !== expected) throw new RangeError(`${fn}: ${what} has length ${len}, expected ${expected}`);
};

/** Throw a RangeError unless `m` is an integer ≥ 1. */
const checkCols = (fn: string, m: number): void => {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${fn}: m must be an integer >= 1, got ${m}`);
};

// ---------------------------------------------------------------------------------------
// Factorisation kernels (all work in place on the private copy `a`)

/** U12 := L11⁻¹ A12: forward substitution with the unit lower panel block on columns [ke, n). */
const solvePanelRows = (a: Float64Array, n: number, kb: number, ke: number): void => {
  for (let k = kb; k < ke; k++) {
    const kr = k * n;
    for (let i = k + 1; i < ke; i++) {
      const ir = i * n;
      const l = a[ir + k];
      if (l !== 0) for (let j = ke; j < n; j++) a[ir + j] -= l * a[kr + j];
    }
  }
};

/**
 * Trailing update A22 −= L21 U12 for the 4 pivot rows kb..kb+3, rows and columns [ke, n):
 * a 4×4 register block (4 target rows share each load of the 4 pivot rows), contiguous in j.
 */
const rank4Update = (a: Float64Array, n: number, kb: number, ke: number): void => {
  const r0 = kb * n;
  const r1 = r0 + n;
  const r2 = r1 + n;
  const r3 = r2 + n;
  let i = ke;
  for (; i + 3 < n; i += 4) {
    const i0 = i * n;
    const i1 = i0 + n;
    const i2 = i1 + n;
    const i3 = i2 + n;
    const l00 = a[i0 + kb], l01 = a[i0 + kb + 1], l02 = a[i0 + kb + 2], l03 = a[i0 + kb + 3];
    const l10 = a[i1 + kb], l11 = a[i1 + kb + 1], l12 = a[i1 + kb + 2], l13 = a[i1 + kb + 3];
    const l20 = a[i2 + kb], l21 = a[i2 + kb + 1], l22 = a[i2 + kb + 2], l23 = a[i2 + kb + 3];
    const l30 = a[i3 + kb], l31 = a[i3 + kb + 1], l32 = a[i3 + kb + 2], l33 = a[i3 + kb + 3];
    // sparse P_π leaves many zero multipliers: skip a block with nothing to do
    if (
      l00 === 0 && l01 === 0 && l02 === 0 && l03 === 0 &&
      l10 === 0 && l11 === 0 && l12 === 0 && l13 === 0 &&
      l20 === 0 && l21 === 0 && l22 === 0 && l23 === 0 &&
      l30 === 0 && l31 === 0 && l32 === 0 && l33 === 0
    ) continue;
    for (let j = ke; j < n; j++) {
      const u0 = a[r0 + j], u1 = a[r1 + j], u2 = a[r2 + j], u3 = a[r3 + j];
      a[i0 + j] -= l00 * u0 + l01 * u1 + l02 * u2 + l03 * u3;
      a[i1 + j] -= l10 * u0 + l11 * u1 + l12 * u2 + l13 * u3;
      a[i2 + j] -= l20 * u0 + l21 * u1 + l22 * u2 + l23 * u3;
      a[i3 + j] -= l30 * u0 + l31 * u1 + l32 * u2 + l33 * u3;
    }
  }
  for (; i < n; i++) {
    const i0 = i * n;
    const l00 = a[i0 + kb], l01 = a[i0 + kb + 1], l02 = a[i0 + kb + 2], l03 = a[i0 + kb + 3];
    if (l00 === 0 && l01 === 0 && l02 === 0 && l03 === 0) continue;
    for (let j = ke; j < n; j++) {
      a[i0 + j] -= l00 * a[r0 + j] + l01 * a[r1 + j] + l02 * a[r2 + j] + l03 * a[r3 + j];
    }
  }
};

/** A private copy of `a` (so the factorisation never mutates it) and whether every entry is finite. */
const copyForFactor = (fn: string, a: Readonly<Float64Array>, n: number): { lu: Float64Array; perm: Int32Array; finite: boolean } => {
  checkShape(fn, 'a', a.length, n * n, n);
  const lu = new Float64Array(n * n);
  let finite = true;
  for (let i = 0; i < n * n; i++) {
    const v = a[i];
    lu[i] = v;
    if (!Number.isFinite(v)) finite = false;
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return { lu, perm, finite };
};

/** The factorisation record of finished factors: pivot summaries and the singular flag. */
const finishFactorization = (n: number, lu: Float64Array, perm: Int32Array, finiteInput: boolean): LuFactorization => {
  let finite = finiteInput;
  let minPivot = Infinity;
  let maxPivot = 0;
  let zeroPivot = false;
  for (let i = 0; i < n; i++) {
    const p = Math.abs(lu[i * n + i]);
    if (p === 0) zeroPivot = true;
    // NaN propagates into both (Math.min/max semantics)
    minPivot = Math.min(minPivot, p);
    maxPivot = Math.max(maxPivot, p);
  }
  // overflow during elimination can leave Inf/NaN off the diagonal too
  if (finite) {
    for (let i = 0; i < n * n; i++) {
      if (!Number.isFinite(lu[i])) {
        finite = false;
        break;
      }
    }
  }
  return { n, lu, perm, minPivot, maxPivot, singular: zeroPivot || !finite };
};

/**
 * The simple LU with partial pivoting, PA = LU, of the row-major n×n matrix `a` (never mutated):
 * 4-column panels and a rank-4 register-blocked update of the whole trailing matrix. The
 * reference the blocked factorisation is tested against, and the faster one for small n.
 */
export const luFactorSimple = (a: Readonly<Float64Array>, n: number): LuFactorization => {
  const { lu, perm, finite } = copyForFactor('luFactorSimple', a, n);
  for (let kb = 0; kb < n; kb += NB) {
    const ke = Math.min(kb + NB, n);
    factorColumns(lu, n, perm, kb, ke);
    if (ke === n) break; // only the last panel can be narrower than NB
    solvePanelRows(lu, n, kb, ke);
    rank4Update(lu, n, kb, ke);
  }
  return finishFactorization(n, lu, perm, finite);
};

/**
 * The cache-aware LU with partial pivoting (`blocked.ts`): panels of `blockSize` columns and a
 * blocked matrix-product trailing update. Same pivoting rule and record as `luFactorSimple`; with
 * `blockSize` a multiple of 4 the same factors (===), otherwise the sums are grouped differently
 * and the factors agree with them up to rounding.
 */
export const luFactorBlocked = (a: Readonly<Float64Array>, n: number, blockSize: number = LU_BLOCK): LuFactorization => {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`luFactorBlocked: blockSize must be an integer >= 1, got ${blockSize}`);
  const { lu, perm, finite } = copyForFactor('luFactorBlocked', a, n);
  luFactorBlockedInPlace(lu, n, perm, blockSize);
  return finishFactorization(n, lu, perm, finite);
};

/**
 * LU factorisation with partial pivoting, PA = LU, of the row-major n×n matrix `a` (never
 * mutated): `luFactorSimple` below `LU_BLOCKED_MIN_N`, `luFactorBlocked` from there on.
 */
export const luFactor = (a: Readonly<Float64Array>, n: number): LuFactorization =>
  n >= LU_BLOCKED_MIN_N ? luFactorBlocked(a, n) : luFactorSimple(a, n);

// ---------------------------------------------------------------------------------------
// Solves

/** Solve A x = b from PA = LU (forward then back substitution, row-wise dot products); all NaN if singular. */
export const luSolve = (f: LuFactorization, b: Readonly<Float64Array>): Float64Array => {
  const { n, lu, perm } = f;
  checkShape('luSolve', 'b', b.length, n, n);
  const x = new Float64Array(n);
  if (f.singular) return x.fill(NaN);
  for (let i = 0; i < n; i++) x[i] = b[perm[i]];
  // L y = P b (unit diagonal)
  for (let i = 1; i < n; i++) {
    const ir = i * n;
    let s = x[i];
    for (let k = 0; k < i; k++) s -= lu[ir + k] * x[k];
    x[i] = s;
  }
  // U x = y
  for (let i = n - 1; i >= 0; i--) {
    const ir = i * n;
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= lu[ir + k] * x[k];
    x[i] = s / lu[ir + i];
  }
  return x;
};

/** Solve Aᵀ x = b from PA = LU: Uᵀ w = b, Lᵀ z = w, x = Pᵀ z (row-wise axpys); all NaN if singular. */
export const luSolveTransposed = (f: LuFactorization, b: Readonly<Float64Array>): Float64Array => {
  const { n, lu, perm } = f;
  checkShape('luSolveTransposed', 'b', b.length, n, n);
  const x = new Float64Array(n);
  if (f.singular) return x.fill(NaN);
  const w = Float64Array.from(b);
  // Uᵀ w = b: column i of Uᵀ is row i of U
  for (let i = 0; i < n; i++) {
    const ir = i * n;
    const wi = w[i] / lu[ir + i];
    w[i] = wi;
    if (wi !== 0) for (let j = i + 1; j < n; j++) w[j] -= lu[ir + j] * wi;
  }
  // Lᵀ z = w (unit diagonal): column i of Lᵀ is row i of L
  for (let i = n - 1; i > 0; i--) {
    const ir = i * n;
    const zi = w[i];
    if (zi !== 0) for (let j = 0; j < i; j++) w[j] -= lu[ir + j] * zi;
  }
  for (let i = 0; i < n; i++) x[perm[i]] = w[i];
  return x;
};

/**
 * Solve A X = B for an n×m row-major B (returns n×m), row operations contiguous in m; all NaN if
 * singular. The simple loop: the reference for `luSolveManyBlocked`, and as fast for n < 32.
 */
export const luSolveManySimple = (f: LuFactorization, B: Readonly<Float64Array>, m: number): Float64Array => {
  const { n, lu, perm } = f;
  checkCols('luSolveManySimple', m);
  checkShape('luSolveManySimple', 'B', B.length, n * m, n);
  const X = new Float64Array(n * m);
  if (f.singular) return X.fill(NaN);
  for (let i = 0; i < n; i++) {
    const src = perm[i] * m;
    const dst = i * m;
    for (let c = 0; c < m; c++) X[dst + c] = B[src + c];
  }
  // L Y = P B: row i −= L_ik · row k, k ascending (same order as luSolve, column by column)
  for (let i = 1; i < n; i++) {
    const ir = i * n;
    const xi = i * m;
    for (let k = 0; k < i; k++) {
      const l = lu[ir + k];
      if (l === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) X[xi + c] -= l * X[xk + c];
    }
  }
  // U X = Y
  for (let i = n - 1; i >= 0; i--) {
    const ir = i * n;
    const xi = i * m;
    for (let k = i + 1; k < n; k++) {
      const u = lu[ir + k];
      if (u === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) X[xi + c] -= u * X[xk + c];
    }
    const d = lu[ir + i];
    for (let c = 0; c < m; c++) X[xi + c] /= d;
  }
  return X;
};

/**
 * Solve Aᵀ X = B for an n×m row-major B (returns n×m), row operations contiguous in m; all NaN
 * if singular. The simple loop: the reference for `luSolveTransposedManyBlocked`.
 */
export const luSolveTransposedManySimple = (f: LuFactorization, B: Readonly<Float64Array>, m: number): Float64Array => {
  const { n, lu, perm } = f;
  checkCols('luSolveTransposedManySimple', m);
  checkShape('luSolveTransposedManySimple', 'B', B.length, n * m, n);
  const X = new Float64Array(n * m);
  if (f.singular) return X.fill(NaN);
  const W = Float64Array.from(B);
  // Uᵀ W = B
  for (let i = 0; i < n; i++) {
    const ir = i * n;
    const wi = i * m;
    const d = lu[ir + i];
    for (let c = 0; c < m; c++) W[wi + c] /= d;
    for (let j = i + 1; j < n; j++) {
      const u = lu[ir + j];
      if (u === 0) continue;
      const wj = j * m;
      for (let c = 0; c < m; c++) W[wj + c] -= u * W[wi + c];
    }
  }
  // Lᵀ Z = W
  for (let i = n - 1; i > 0; i--) {
    const ir = i * n;
    const wi = i * m;
    for (let j = 0; j < i; j++) {
      const l = lu[ir + j];
      if (l === 0) continue;
      const wj = j * m;
      for (let c = 0; c < m; c++) W[wj + c] -= l * W[wi + c];
    }
  }
  // X = Pᵀ Z
  for (let i = 0; i < n; i++) {
    const src = i * m;
    const dst = perm[i] * m;
    for (let c = 0; c < m; c++) X[dst + c] = W[src + c];
  }
  return X;
};

/**
 * Solve A X = B for an n×m row-major B (returns n×m) by blocks of `blockSize` rows whose
 * products with the rows already solved go through the blocked matrix product (`blocked.ts`);
 * all NaN if singular. Agrees with `luSolveManySimple` up to rounding.
 */
export const luSolveManyBlocked = (
  f: LuFactorization,
  B: Readonly<Float64Array>,
  m: number,
  blockSize: number = SOLVE_BLOCK,
): Float64Array => {
  const { n, lu, perm } = f;
  checkCols('luSolveManyBlocked', m);
  checkShape('luSolveManyBlocked', 'B', B.length, n * m, n);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`luSolveManyBlocked: blockSize must be an integer >= 1, got ${blockSize}`);
  const X = new Float64Array(n * m);
  if (f.singular) return X.fill(NaN);
  for (let i = 0; i < n; i++) {
    const src = perm[i] * m;
    const dst = i * m;
    for (let c = 0; c < m; c++) X[dst + c] = B[src + c];
  }
  solveLowerUpperInPlace(lu, n, X, m, blockSize);
  return X;
};

/**
 * Solve Aᵀ X = B for an n×m row-major B (returns n×m) by blocks of `blockSize` rows (`blocked.ts`);
 * all NaN if singular. Agrees with `luSolveTransposedManySimple` up to rounding.
 */
export const luSolveTransposedManyBlocked = (
  f: LuFactorization,
  B: Readonly<Float64Array>,
  m: number,
  blockSize: number = SOLVE_BLOCK,
): Float64Array => {
  const { n, lu, perm } = f;
  checkCols('luSolveTransposedManyBlocked', m);
  checkShape('luSolveTransposedManyBlocked', 'B', B.length, n * m, n);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`luSolveTransposedManyBlocked: blockSize must be an integer >= 1, got ${blockSize}`);
  const X = new Float64Array(n * m);
  if (f.singular) return X.fill(NaN);
  const W = Float64Array.from(B);
  solveUpperLowerTransposedInPlace(lu, n, W, m, blockSize);
  for (let i = 0; i < n; i++) {
    const src = i * m;
    const dst = perm[i] * m;
    for (let c = 0; c < m; c++) X[dst + c] = W[src + c];
  }
  return X;
};

/**
 * Solve A X = B for an n×m row-major B (returns n×m); all NaN if singular. The blocked solve
 * from `SOLVE_BLOCKED_MIN_N` rows on, the simple loop below.
 */
export const luSolveMany = (f: LuFactorization, B: Readonly<Float64Array>, m: number): Float64Array =>
  f.n >= SOLVE_BLOCKED_MIN_N ? luSolveManyBlocked(f, B, m) : luSolveManySimple(f, B, m);

/**
 * Solve Aᵀ X = B for an n×m row-major B (returns n×m); all NaN if singular. Dispatches as
 * `luSolveMany` does.
 */
export const luSolveTransposedMany = (f: LuFactorization, B: Readonly<Float64Array>, m: number): Float64Array =>
  f.n >= SOLVE_BLOCKED_MIN_N ? luSolveTransposedManyBlocked(f, B, m) : luSolveTransposedManySimple(f, B, m);

// ---------------------------------------------------------------------------------------
// Dense helpers

/** y = A x for a row-major rows×cols matrix A (fresh `rows`-vector). */
export const matVec = (
  a: Readonly<Float64Array>,
  rows: number,
  cols: number,
  x: Readonly<Float64Array>,
): Float64Array => {
  if (a.length !== rows * cols) throw new RangeError(`matVec: a has length ${a.length}, expected ${rows * cols}`);
  if (x.length !== cols) throw new RangeError(`matVec: x has length ${x.length}, expected ${cols}`);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const ir = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += a[ir + j] * x[j];
    y[i] = s;
  }
  return y;
};

/** y = Aᵀ x for a row-major rows×cols matrix A (fresh `cols`-vector; row-wise axpys). */
export const matTVec = (
  a: Readonly<Float64Array>,
  rows: number,
  cols: number,
  x: Readonly<Float64Array>,
): Float64Array => {
  if (a.length !== rows * cols) throw new RangeError(`matTVec: a has length ${a.length}, expected ${rows * cols}`);
  if (x.length !== rows) throw new RangeError(`matTVec: x has length ${x.length}, expected ${rows}`);
  const y = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const ir = i * cols;
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < cols; j++) y[j] += a[ir + j] * xi;
  }
  return y;
};

/** ‖v‖_∞ = max_i |v_i| (NaN if any entry is NaN). */
export const vecNormInf = (v: Readonly<Float64Array>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]));
  return s;
};

/** ‖v‖_1 = Σ_i |v_i|. */
export const vecNorm1 = (v: Readonly<Float64Array>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]);
  return s;
};

/** ‖A‖_1 = max column absolute sum of a row-major n×n matrix. */
export const matNorm1 = (a: Readonly<Float64Array>, n: number): number => {
  checkShape('matNorm1', 'a', a.length, n * n, n);
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ir = i * n;
    for (let j = 0; j < n; j++) col[j] += Math.abs(a[ir + j]);
  }
  return vecNormInf(col);
};

/** ‖A‖_∞ = max row absolute sum of a row-major n×n matrix. */
export const matNormInf = (a: Readonly<Float64Array>, n: number): number => {
  checkShape('matNormInf', 'a', a.length, n * n, n);
  let best = 0;
  for (let i = 0; i < n; i++) {
    const ir = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(a[ir + j]);
    best = Math.max(best, s);
  }
  return best;
};

// ---------------------------------------------------------------------------------------
// Condition estimation

/** Most sign-vector iterations of the Hager/Higham estimator (LAPACK dlacn2 uses 5). */
const ESTIMATOR_ITERATIONS = 5;

/**
 * Hager/Higham lower-bound estimate of ‖M⁻¹‖_1 given solvers for M and Mᵀ (Higham 1988,
 * Alg. 4.1, as in LAPACK dlacn2): a few sign-vector power steps plus the alternating-sign test.
 */
const inverseNorm1Estimate = (
  n: number,
  solveM: (v: Float64Array) => Float64Array,
  solveMT: (v: Float64Array) => Float64Array,
): number => {
  let x = new Float64Array(n).fill(1 / n);
  let y = solveM(x);
  let est = vecNorm1(y);
  if (n > 1) {
    let sign = new Float64Array(n);
    for (let i = 0; i < n; i++) sign[i] = y[i] >= 0 ? 1 : -1;
    let z = solveMT(sign);
    let j = argMaxAbs(z);
    for (let iter = 2; iter <= ESTIMATOR_ITERATIONS; iter++) {
      x = new Float64Array(n);
      x[j] = 1;
      y = solveM(x);
      const previous = est;
      est = Math.max(est, vecNorm1(y));
      const nextSign = new Float64Array(n);
      let repeated = true;
      for (let i = 0; i < n; i++) {
        nextSign[i] = y[i] >= 0 ? 1 : -1;
        if (nextSign[i] !== sign[i]) repeated = false;
      }
      // converged: the sign vector repeats (the next step would give the same vertex), or no gain
      if (repeated || est <= previous) break;
      sign = nextSign;
      z = solveMT(sign);
      const jLast = j;
      j = argMaxAbs(z);
      if (Math.abs(z[jLast]) === Math.abs(z[j])) break;
    }
    // alternating-sign vector guards against the estimator's known bad cases; ‖x‖_1 = 3n/2
    for (let i = 0; i < n; i++) x[i] = (i % 2 === 0 ? 1 : -1) * (1 + i / (n - 1));
    y = solveM(x);
    est = Math.max(est, (2 * vecNorm1(y)) / (3 * n));
  }
  return Number.isFinite(est) ? est : Infinity;
};

/** First index of the largest |v_i|. */
const argMaxAbs = (v: Readonly<Float64Array>): number => {
  let j = 0;
  let best = Math.abs(v[0]);
  for (let i = 1; i < v.length; i++) {
    const t = Math.abs(v[i]);
    if (t > best) {
      best = t;
      j = i;
    }
  }
  return j;
};

/**
 * Estimate of κ_1(A) = ‖A‖_1 ‖A⁻¹‖_1 (Hager/Higham 1-norm estimator, a few O(n²) solves with
 * the factorisation `f` of `a`); a lower bound, Infinity if singular.
 */
export const conditionEstimate1 = (a: Readonly<Float64Array>, f: LuFactorization): number => {
  checkShape('conditionEstimate1', 'a', a.length, f.n * f.n, f.n);
  if (f.singular) return Infinity;
  const inv = inverseNorm1Estimate(f.n, (v) => luSolve(f, v), (v) => luSolveTransposed(f, v));
  return matNorm1(a, f.n) * inv;
};

/**
 * Estimate of κ_∞(A) = κ_1(Aᵀ) = ‖A‖_∞ ‖A⁻¹‖_∞ (the same estimator on Aᵀ), the condition
 * number of a transposed solve; a lower bound, Infinity if singular.
 */
export const conditionEstimateInf = (a: Readonly<Float64Array>, f: LuFactorization): number => {
  checkShape('conditionEstimateInf', 'a', a.length, f.n * f.n, f.n);
  if (f.singular) return Infinity;
  const inv = inverseNorm1Estimate(f.n, (v) => luSolveTransposed(f, v), (v) => luSolve(f, v));
  return matNormInf(a, f.n) * inv;
};

// ---------------------------------------------------------------------------------------
// Solves with reports

/**
 * Report for a solve already done with a factorisation `f` of `a`: residual against the
 * original `a` (or `aᵀ` when `transposed`), pivot ratio, and a condition estimate of the
 * matrix actually solved (κ_1(A), or κ_1(Aᵀ) = κ_∞(A) when `transposed`). `f` must factor `a`.
 */
export const reportSolve = (
  a: Readonly<Float64Array>,
  f: LuFactorization,
  b: Readonly<Float64Array>,
  x: Float64Array,
  transposed: boolean,
): LuSolve => {
  const n = f.n;
  checkShape('reportSolve', 'a', a.length, n * n, n);
  checkShape('reportSolve', 'b', b.length, n, n);
  checkShape('reportSolve', 'x', x.length, n, n);
  const mx = transposed ? matTVec(a, n, n, x) : matVec(a, n, n, x);
  let residualNorm = 0;
  // Math.max propagates NaN, so a NaN x (singular) gives a NaN residual
  for (let i = 0; i < n; i++) residualNorm = Math.max(residualNorm, Math.abs(mx[i] - b[i]));
  // ‖Aᵀ‖_∞ = ‖A‖_1
  const normM = transposed ? matNorm1(a, n) : matNormInf(a, n);
  const scale = normM * vecNormInf(x) + vecNormInf(b);
  const relativeResidual = scale === 0 ? (residualNorm === 0 ? 0 : Infinity) : residualNorm / scale;
  const pivotRatio = f.singular ? 0 : f.minPivot / f.maxPivot;
  const conditionEstimate = transposed ? conditionEstimateInf(a, f) : conditionEstimate1(a, f);
  const reasons: string[] = [];
  if (f.singular) reasons.push('singular matrix (zero or non-finite pivot, or non-finite entry): x is NaN');
  if (pivotRatio < PIVOT_RATIO_WARNING) reasons.push(`pivot ratio ${pivotRatio} < ${PIVOT_RATIO_WARNING}`);
  if (conditionEstimate > CONDITION_WARNING) reasons.push(`condition estimate ${conditionEstimate} > ${CONDITION_WARNING}`);
  const report = { x, residualNorm, relativeResidual, pivotRatio, conditionEstimate };
  return reasons.length > 0 ? { ...report, warning: reasons.join('; ') } : report;
};

/** Solve A x = b (A row-major n×n, never mutated) by LU with partial pivoting, with a report. */
export const solve = (a: Readonly<Float64Array>, n: number, b: Readonly<Float64Array>): LuSolve => {
  const f = luFactor(a, n);
  return reportSolve(a, f, b, luSolve(f, b), false);
};

/** Solve Aᵀ x = b (A row-major n×n, never mutated) by LU with partial pivoting, with a report. */
export const solveTransposed = (a: Readonly<Float64Array>, n: number, b: Readonly<Float64Array>): LuSolve => {
  const f = luFactor(a, n);
  return reportSolve(a, f, b, luSolveTransposed(f, b), true);
};

/**
 * Relative forward error bound of a dense solve above which its result is not vouched for: the
 * first-order bound `2·κ·(backward error)` (Higham, *Accuracy and Stability*, Thm 7.2) must leave
 * at least 8 correct digits.
 */
export const LU_RELIABLE_ERROR = 1e-8;

/**
 * The library's `SolveReport` of a dense LU solve of `quantity` (MATH.md §10): one iteration,
 * error bound `2·κ·relativeResidual`, reliable when not singular and that bound is at most
 * `LU_RELIABLE_ERROR`.
 */
export const luSolveReport = (quantity: string, s: LuSolve): SolveReport => {
  const errorBound = 2 * s.conditionEstimate * s.relativeResidual;
  const singular = !Number.isFinite(s.conditionEstimate) || Number.isNaN(s.relativeResidual);
  const reliable = !singular && errorBound <= LU_RELIABLE_ERROR;
  const warning = s.warning ?? (reliable ? undefined : `error bound 2κ·residual = ${errorBound.toExponential(1)} > ${LU_RELIABLE_ERROR}`);
  return {
    quantity,
    route: 'lu',
    converged: !singular,
    relativeResidual: s.relativeResidual,
    iterations: 1,
    errorBound,
    condition: s.conditionEstimate,
    reliable,
    ...(warning !== undefined ? { warning } : {}),
  };
};
