/**
 * Cache-aware dense kernels for row-major `Float64Array` (MATH.md §10: the reference path is
 * float64 and deterministic): a blocked matrix product, a right-looking blocked LU with partial
 * pivoting, and blocked multi-right-hand-side triangular solves. `lu.ts` dispatches to them from
 * a measured size on and keeps its simple loops below it.
 *
 * Layout as in `lu.ts`: entry `(i, j)` of a matrix with leading dimension `ld` at `off + i*ld + j`.
 *
 * One kernel does the arithmetic: `gemmSubtract`, `C −= s·A·B` with `s = ±1`. Its register block
 * holds 8 rows × 4 ranks of A (32 coefficients) while it streams along contiguous rows of B and C:
 * per column, 4 loads of B and 8 loads and stores of C for 32 multiply-adds, where a rank-1 loop
 * needs a load and a store of C per multiply-add. Tiles of B (`KC × NC`, 256 KiB) stay in L2 while
 * every block of 8 rows of C passes over them.
 *
 * What limits it: V8 compiles this to scalar SSE code (no SIMD, no fused multiply-add) with a
 * bounds check and an overflow check on every typed-array index, so the kernel runs at ~6–7
 * GFlop/s in cache on this project's machine (AMD EPYC, 2 cores), and the simple rank-4 loop of
 * `lu.ts`, which streams the whole trailing matrix, was already at ~5.5: it was bound by those
 * instructions, not by memory. The blocked LU gains ~10–15% from n ≈ 128 to 2000; the blocked
 * many-right-hand-side solves gain 3–4× over the simple row-by-row loop (whose inner loop is a
 * rank-1 update).
 *
 * Rounding. The LU (panel width a multiple of 4) performs exactly the floating-point operations
 * of the simple loop of `lu.ts`, in the same order: each entry receives, panel of 4 by panel of 4,
 * `c − (l₀u₀ + l₁u₁ + l₂u₂ + l₃u₃)` from the same values, the same zero blocks are skipped, and
 * the same pivots follow; only the time at which an update is applied to a not-yet-needed entry
 * changes. So its factors, pivots and flags are the simple loop's, bit for bit, with one exception
 * that changes no value: an exact zero may carry the other sign. (Both skip an update whose 4
 * multipliers are zero for a whole block of 4 rows, but the simple loop groups rows before the
 * later row swaps and this one after them; where one skips and the other subtracts a zero sum,
 * `−0` can become `+0`.) The triangular solves group 4 terms where
 * the simple solves subtract one at a time, so they differ in the last bits, within the backward
 * error bound both satisfy (Higham, *Accuracy and Stability*, Thm 9.4, for any order of the sums:
 * `(A + ΔA) x̂ = b`, `|ΔA| ≤ γ_{3n} |L̂||Û|`).
 */

/** Ranks (columns of A, rows of B) in one register block; also the width of the LU's sub-panels. */
const KR = 4;
/** Columns of C and B per cache tile. */
const NC = 256;
/** Ranks per cache tile (a multiple of KR): a `KC × NC` tile of B is 256 KiB. */
const KC = 128;

// ---------------------------------------------------------------------------------------
// The register-blocked kernels: 8, 4 or 1 rows of C × 4 ranks, streaming along j

/**
 * `C[o_r + j] −= Σ_q l_rq · B[r_q + j]` for 8 rows r of C (offsets `co + r·ldc`), ranks
 * [0, pn), j ∈ [0, jn), with `l_rq = s · a[ao + r·ars + q·acs]` (`s = ±1`). Per rank block of 4
 * each entry takes `c − (l₀u₀ + l₁u₁ + l₂u₂ + l₃u₃)`, summed left to right: the expression of the
 * simple LU's rank-4 update. A 4-row half whose 16 coefficients are all zero is skipped, as the
 * simple update skips such a block (the early columns of a sparse `I − γP_π` have many).
 */
const rows8 = (
  c: Float64Array, co: number, ldc: number,
  a: Readonly<Float64Array>, ao: number, ars: number, acs: number,
  b: Readonly<Float64Array>, bo: number, ldb: number,
  jn: number, pn: number, s: number,
): void => {
  const o0 = co;
  const o1 = o0 + ldc;
  const o2 = o1 + ldc;
  const o3 = o2 + ldc;
  const o4 = o3 + ldc;
  const o5 = o4 + ldc;
  const o6 = o5 + ldc;
  const o7 = o6 + ldc;
  const a1 = acs;
  const a2 = 2 * acs;
  const a3 = 3 * acs;
  let p = 0;
  for (; p + KR <= pn; p += KR) {
    const x0 = ao + p * acs;
    const x1 = x0 + ars;
    const x2 = x1 + ars;
    const x3 = x2 + ars;
    const x4 = x3 + ars;
    const x5 = x4 + ars;
    const x6 = x5 + ars;
    const x7 = x6 + ars;
    const l00 = s * a[x0], l01 = s * a[x0 + a1], l02 = s * a[x0 + a2], l03 = s * a[x0 + a3];
    const l10 = s * a[x1], l11 = s * a[x1 + a1], l12 = s * a[x1 + a2], l13 = s * a[x1 + a3];
    const l20 = s * a[x2], l21 = s * a[x2 + a1], l22 = s * a[x2 + a2], l23 = s * a[x2 + a3];
    const l30 = s * a[x3], l31 = s * a[x3 + a1], l32 = s * a[x3 + a2], l33 = s * a[x3 + a3];
    const l40 = s * a[x4], l41 = s * a[x4 + a1], l42 = s * a[x4 + a2], l43 = s * a[x4 + a3];
    const l50 = s * a[x5], l51 = s * a[x5 + a1], l52 = s * a[x5 + a2], l53 = s * a[x5 + a3];
    const l60 = s * a[x6], l61 = s * a[x6 + a1], l62 = s * a[x6 + a2], l63 = s * a[x6 + a3];
    const l70 = s * a[x7], l71 = s * a[x7 + a1], l72 = s * a[x7 + a2], l73 = s * a[x7 + a3];
    const zeroTop =
      l00 === 0 && l01 === 0 && l02 === 0 && l03 === 0 && l10 === 0 && l11 === 0 && l12 === 0 && l13 === 0 &&
      l20 === 0 && l21 === 0 && l22 === 0 && l23 === 0 && l30 === 0 && l31 === 0 && l32 === 0 && l33 === 0;
    const zeroBottom =
      l40 === 0 && l41 === 0 && l42 === 0 && l43 === 0 && l50 === 0 && l51 === 0 && l52 === 0 && l53 === 0 &&
      l60 === 0 && l61 === 0 && l62 === 0 && l63 === 0 && l70 === 0 && l71 === 0 && l72 === 0 && l73 === 0;
    if (zeroTop || zeroBottom) {
      // at most one half to update: the 4-row kernel on this rank block alone
      if (!zeroTop) rows4(c, o0, ldc, a, x0, ars, acs, b, bo + p * ldb, ldb, jn, KR, s);
      if (!zeroBottom) rows4(c, o4, ldc, a, x4, ars, acs, b, bo + p * ldb, ldb, jn, KR, s);
      continue;
    }
    const r0 = bo + p * ldb;
    const r1 = r0 + ldb;
    const r2 = r1 + ldb;
    const r3 = r2 + ldb;
    for (let j = 0; j < jn; j++) {
      const u0 = b[r0 + j], u1 = b[r1 + j], u2 = b[r2 + j], u3 = b[r3 + j];
      c[o0 + j] -= l00 * u0 + l01 * u1 + l02 * u2 + l03 * u3;
      c[o1 + j] -= l10 * u0 + l11 * u1 + l12 * u2 + l13 * u3;
      c[o2 + j] -= l20 * u0 + l21 * u1 + l22 * u2 + l23 * u3;
      c[o3 + j] -= l30 * u0 + l31 * u1 + l32 * u2 + l33 * u3;
      c[o4 + j] -= l40 * u0 + l41 * u1 + l42 * u2 + l43 * u3;
      c[o5 + j] -= l50 * u0 + l51 * u1 + l52 * u2 + l53 * u3;
      c[o6 + j] -= l60 * u0 + l61 * u1 + l62 * u2 + l63 * u3;
      c[o7 + j] -= l70 * u0 + l71 * u1 + l72 * u2 + l73 * u3;
    }
  }
  // ranks left over below a multiple of 4, one at a time (never in the LU: its depths are multiples of 4)
  for (; p < pn; p++) {
    const r = bo + p * ldb;
    for (let k = 0; k < 8; k++) rankOne(c, co + k * ldc, s * a[ao + k * ars + p * acs], b, r, jn);
  }
};

/** `rows8` for 4 rows of C. */
const rows4 = (
  c: Float64Array, co: number, ldc: number,
  a: Readonly<Float64Array>, ao: number, ars: number, acs: number,
  b: Readonly<Float64Array>, bo: number, ldb: number,
  jn: number, pn: number, s: number,
): void => {
  const o0 = co;
  const o1 = o0 + ldc;
  const o2 = o1 + ldc;
  const o3 = o2 + ldc;
  const a1 = acs;
  const a2 = 2 * acs;
  const a3 = 3 * acs;
  let p = 0;
  for (; p + KR <= pn; p += KR) {
    const x0 = ao + p * acs;
    const x1 = x0 + ars;
    const x2 = x1 + ars;
    const x3 = x2 + ars;
    const l00 = s * a[x0], l01 = s * a[x0 + a1], l02 = s * a[x0 + a2], l03 = s * a[x0 + a3];
    const l10 = s * a[x1], l11 = s * a[x1 + a1], l12 = s * a[x1 + a2], l13 = s * a[x1 + a3];
    const l20 = s * a[x2], l21 = s * a[x2 + a1], l22 = s * a[x2 + a2], l23 = s * a[x2 + a3];
    const l30 = s * a[x3], l31 = s * a[x3 + a1], l32 = s * a[x3 + a2], l33 = s * a[x3 + a3];
    if (
      l00 === 0 && l01 === 0 && l02 === 0 && l03 === 0 && l10 === 0 && l11 === 0 && l12 === 0 && l13 === 0 &&
      l20 === 0 && l21 === 0 && l22 === 0 && l23 === 0 && l30 === 0 && l31 === 0 && l32 === 0 && l33 === 0
    ) continue;
    const r0 = bo + p * ldb;
    const r1 = r0 + ldb;
    const r2 = r1 + ldb;
    const r3 = r2 + ldb;
    for (let j = 0; j < jn; j++) {
      const u0 = b[r0 + j], u1 = b[r1 + j], u2 = b[r2 + j], u3 = b[r3 + j];
      c[o0 + j] -= l00 * u0 + l01 * u1 + l02 * u2 + l03 * u3;
      c[o1 + j] -= l10 * u0 + l11 * u1 + l12 * u2 + l13 * u3;
      c[o2 + j] -= l20 * u0 + l21 * u1 + l22 * u2 + l23 * u3;
      c[o3 + j] -= l30 * u0 + l31 * u1 + l32 * u2 + l33 * u3;
    }
  }
  for (; p < pn; p++) {
    const r = bo + p * ldb;
    for (let k = 0; k < 4; k++) rankOne(c, co + k * ldc, s * a[ao + k * ars + p * acs], b, r, jn);
  }
};

/** `rows8` for one row of C (rows left over below a multiple of 4). */
const rows1 = (
  c: Float64Array, co: number,
  a: Readonly<Float64Array>, ao: number, acs: number,
  b: Readonly<Float64Array>, bo: number, ldb: number,
  jn: number, pn: number, s: number,
): void => {
  let p = 0;
  for (; p + KR <= pn; p += KR) {
    const x = ao + p * acs;
    const l0 = s * a[x], l1 = s * a[x + acs], l2 = s * a[x + 2 * acs], l3 = s * a[x + 3 * acs];
    if (l0 === 0 && l1 === 0 && l2 === 0 && l3 === 0) continue;
    const r0 = bo + p * ldb;
    const r1 = r0 + ldb;
    const r2 = r1 + ldb;
    const r3 = r2 + ldb;
    for (let j = 0; j < jn; j++) c[co + j] -= l0 * b[r0 + j] + l1 * b[r1 + j] + l2 * b[r2 + j] + l3 * b[r3 + j];
  }
  for (; p < pn; p++) rankOne(c, co, s * a[ao + p * acs], b, bo + p * ldb, jn);
};

/** `C[co + j] −= l · B[bo + j]`, j ∈ [0, jn) (nothing when l = 0). */
const rankOne = (c: Float64Array, co: number, l: number, b: Readonly<Float64Array>, bo: number, jn: number): void => {
  if (l === 0) return;
  for (let j = 0; j < jn; j++) c[co + j] -= l * b[bo + j];
};

/**
 * `C −= s · A · B` in place, with `s = 1` or `s = −1` (`s = −1` adds the product): C is
 * `rows × cols` at `co` (leading dimension `ldc`), B is `depth × cols` at `bo` (leading dimension
 * `ldb`), and A is given by strides, `A[i, p] = a[ao + i·ars + p·acs]` (`ars = lda, acs = 1` for
 * A, `ars = 1, acs = lda` for a transposed operand). C must not overlap A or B (they may share
 * one array).
 *
 * Tiled over columns (`NC`) and ranks (`KC`) so a tile of B stays in cache while every block of
 * 8 rows of C passes over it; each entry of C receives its products in rank order, 4 at a time:
 * `c ← c − (l₀b₀ + l₁b₁ + l₂b₂ + l₃b₃)` with `l = s·a` (exact). Row blocks of 4 start at row 0,
 * rank blocks of 4 at rank 0.
 */
export const gemmSubtract = (
  c: Float64Array, co: number, ldc: number,
  a: Readonly<Float64Array>, ao: number, ars: number, acs: number,
  b: Readonly<Float64Array>, bo: number, ldb: number,
  rows: number, cols: number, depth: number, s: 1 | -1,
): void => {
  for (let j0 = 0; j0 < cols; j0 += NC) {
    const jn = Math.min(NC, cols - j0);
    for (let p0 = 0; p0 < depth; p0 += KC) {
      const pn = Math.min(KC, depth - p0);
      const aTile = ao + p0 * acs;
      const bTile = bo + p0 * ldb + j0;
      let i = 0;
      for (; i + 8 <= rows; i += 8) rows8(c, co + i * ldc + j0, ldc, a, aTile + i * ars, ars, acs, b, bTile, ldb, jn, pn, s);
      if (i + 4 <= rows) {
        rows4(c, co + i * ldc + j0, ldc, a, aTile + i * ars, ars, acs, b, bTile, ldb, jn, pn, s);
        i += 4;
      }
      for (; i < rows; i++) rows1(c, co + i * ldc + j0, a, aTile + i * ars, acs, b, bTile, ldb, jn, pn, s);
    }
  }
};

// ---------------------------------------------------------------------------------------
// Blocked LU with partial pivoting

/** Width of the sub-panels a panel is factored in: the kernel's rank block and the simple loop's panel. */
const IB = KR;

/**
 * Unblocked LU of columns [kb, ke) over rows [kb, n) (the panel loop of both LU factorisations): the pivot is
 * the first row of largest |a_ik| (strict `>` keeps the first of ties, like `idamax`), rows are
 * swapped across all n columns, and the update stays within the sub-panel.
 */
export const factorColumns = (a: Float64Array, n: number, perm: Int32Array, kb: number, ke: number): void => {
  for (let k = kb; k < ke; k++) {
    const kr = k * n;
    let p = k;
    let max = Math.abs(a[kr + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > max) {
        max = v;
        p = i;
      }
    }
    if (p !== k) {
      const pr = p * n;
      for (let j = 0; j < n; j++) {
        const t = a[pr + j];
        a[pr + j] = a[kr + j];
        a[kr + j] = t;
      }
      const t = perm[p];
      perm[p] = perm[k];
      perm[k] = t;
    }
    const pivot = a[kr + k];
    // zero pivot: the column below is already zero, nothing to eliminate (dgetf2 does the same)
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const ir = i * n;
      const l = a[ir + k] / pivot;
      a[ir + k] = l;
      if (l !== 0) for (let j = k + 1; j < ke; j++) a[ir + j] -= l * a[kr + j];
    }
  }
};

/**
 * `X := L⁻¹ X` for the unit lower triangle L of rows and columns [r0, r1) and X = rows [r0, r1),
 * columns [c0, c1) of the same matrix: blocks of `IB` rows take the products of the rows above
 * them through `gemmSubtract`, then a forward substitution inside the block.
 */
const solveUnitLowerRows = (a: Float64Array, n: number, r0: number, r1: number, c0: number, c1: number): void => {
  for (let i0 = r0; i0 < r1; i0 += IB) {
    const i1 = Math.min(i0 + IB, r1);
    if (i0 > r0) gemmSubtract(a, i0 * n + c0, n, a, i0 * n + r0, n, 1, a, r0 * n + c0, n, i1 - i0, c1 - c0, i0 - r0, 1);
    for (let k = i0; k < i1; k++) {
      const kr = k * n;
      for (let i = k + 1; i < i1; i++) {
        const ir = i * n;
        const l = a[ir + k];
        if (l !== 0) for (let j = c0; j < c1; j++) a[ir + j] -= l * a[kr + j];
      }
    }
  }
};

/**
 * Blocked right-looking LU with partial pivoting of the row-major n×n matrix `a`, in place
 * (`a` becomes L below the diagonal and U on and above it, `perm` the row permutation).
 *
 * For each panel of `nb` columns: factor the panel (sub-panels of 4 columns: the unblocked loop,
 * then their own triangular solve and product within the panel), `U₁₂ := L₁₁⁻¹ A₁₂`, and the
 * trailing update `A₂₂ −= L₂₁ U₁₂` by `gemmSubtract`. Pivots are chosen as by the simple loop
 * (largest magnitude in the current column), from the same values when `nb` is a multiple of 4,
 * from values that differ by rounding otherwise.
 */
export const luFactorBlockedInPlace = (a: Float64Array, n: number, perm: Int32Array, nb: number): void => {
  for (let kb = 0; kb < n; kb += nb) {
    const ke = Math.min(kb + nb, n);
    for (let k0 = kb; k0 < ke; k0 += IB) {
      const k1 = Math.min(k0 + IB, ke);
      factorColumns(a, n, perm, k0, k1);
      if (k1 < ke) {
        solveUnitLowerRows(a, n, k0, k1, k1, ke);
        gemmSubtract(a, k1 * n + k1, n, a, k1 * n + k0, n, 1, a, k0 * n + k1, n, n - k1, ke - k1, k1 - k0, 1);
      }
    }
    if (ke < n) {
      solveUnitLowerRows(a, n, kb, ke, ke, n);
      gemmSubtract(a, ke * n + ke, n, a, ke * n + kb, n, 1, a, kb * n + ke, n, n - ke, n - ke, ke - kb, 1);
    }
  }
};

// ---------------------------------------------------------------------------------------
// Blocked multi-right-hand-side solves with a packed factorisation (n×n `lu`, X n×m)

/**
 * `X := U⁻¹ L⁻¹ X` in place (X already permuted, `P B`), blocks of `nb` rows: each block first
 * subtracts the products with the rows already solved (`gemmSubtract`, depth = rows solved), then
 * substitutes inside the block, row operations contiguous in m.
 */
export const solveLowerUpperInPlace = (lu: Readonly<Float64Array>, n: number, X: Float64Array, m: number, nb: number): void => {
  // L Y = P B (unit diagonal)
  for (let i0 = 0; i0 < n; i0 += nb) {
    const i1 = Math.min(i0 + nb, n);
    if (i0 > 0) gemmSubtract(X, i0 * m, m, lu, i0 * n, n, 1, X, 0, m, i1 - i0, m, i0, 1);
    for (let i = i0 + 1; i < i1; i++) {
      const ir = i * n;
      const xi = i * m;
      for (let k = i0; k < i; k++) {
        const l = lu[ir + k];
        if (l === 0) continue;
        const xk = k * m;
        for (let c = 0; c < m; c++) X[xi + c] -= l * X[xk + c];
      }
    }
  }
  // U X = Y, blocks from the bottom (the same block boundaries as above)
  for (let i0 = Math.floor((n - 1) / nb) * nb; i0 >= 0; i0 -= nb) {
    const i1 = Math.min(i0 + nb, n);
    if (i1 < n) gemmSubtract(X, i0 * m, m, lu, i0 * n + i1, n, 1, X, i1 * m, m, i1 - i0, m, n - i1, 1);
    for (let i = i1 - 1; i >= i0; i--) {
      const ir = i * n;
      const xi = i * m;
      for (let k = i + 1; k < i1; k++) {
        const u = lu[ir + k];
        if (u === 0) continue;
        const xk = k * m;
        for (let c = 0; c < m; c++) X[xi + c] -= u * X[xk + c];
      }
      const d = lu[ir + i];
      for (let c = 0; c < m; c++) X[xi + c] /= d;
    }
  }
};

/**
 * `W := L⁻ᵀ U⁻ᵀ W` in place (the caller applies Pᵀ afterwards), blocks of `nb` rows: each block
 * subtracts the products with the rows already solved through the transposed operand
 * (`gemmSubtract` with strides `ars = 1, acs = n`), then substitutes inside the block.
 */
export const solveUpperLowerTransposedInPlace = (
  lu: Readonly<Float64Array>,
  n: number,
  W: Float64Array,
  m: number,
  nb: number,
): void => {
  // Uᵀ W = B: W[i0:i1] −= U[0:i0, i0:i1]ᵀ W[0:i0]
  for (let i0 = 0; i0 < n; i0 += nb) {
    const i1 = Math.min(i0 + nb, n);
    if (i0 > 0) gemmSubtract(W, i0 * m, m, lu, i0, 1, n, W, 0, m, i1 - i0, m, i0, 1);
    for (let i = i0; i < i1; i++) {
      const ir = i * n;
      const wi = i * m;
      const d = lu[ir + i];
      for (let c = 0; c < m; c++) W[wi + c] /= d;
      for (let j = i + 1; j < i1; j++) {
        const u = lu[ir + j];
        if (u === 0) continue;
        const wj = j * m;
        for (let c = 0; c < m; c++) W[wj + c] -= u * W[wi + c];
      }
    }
  }
  // Lᵀ Z = W (unit diagonal): W[i0:i1] −= L[i1:n, i0:i1]ᵀ W[i1:n], blocks from the bottom
  for (let i0 = Math.floor((n - 1) / nb) * nb; i0 >= 0; i0 -= nb) {
    const i1 = Math.min(i0 + nb, n);
    if (i1 < n) gemmSubtract(W, i0 * m, m, lu, i1 * n + i0, 1, n, W, i1 * m, m, i1 - i0, m, n - i1, 1);
    for (let i = i1 - 1; i > i0; i--) {
      const ir = i * n;
      const wi = i * m;
      for (let j = i0; j < i; j++) {
        const l = lu[ir + j];
        if (l === 0) continue;
        const wj = j * m;
        for (let c = 0; c < m; c++) W[wj + c] -= l * W[wi + c];
      }
    }
  }
};

// ---------------------------------------------------------------------------------------
// Matrix product

/**
 * Below this many multiply-adds (`rows·inner·cols`) the simple loop is the faster (measured: 2×
 * faster at 4×4×4, even at 8×8×8, the blocked kernel 4–6× faster from 16×16×16 on).
 */
const MATMUL_BLOCKED_MIN_WORK = 512;

/**
 * `C += A · B` in place (and returned) for row-major A (`rows × inner`), B (`inner × cols`) and C
 * (`rows × cols`); A and B are not mutated and must not be C. Blocked (`gemmSubtract` with
 * `s = −1`) from `MATMUL_BLOCKED_MIN_WORK` multiply-adds on: each entry of C receives its products
 * in order of the inner index, 4 at a time; below it, one at a time (an i-k-j loop that skips zero
 * entries of A). Either way within `γ_{inner+1} (|C| + |A||B|)` of the exact result.
 */
export const matMulAdd = (
  c: Float64Array,
  a: Readonly<Float64Array>,
  b: Readonly<Float64Array>,
  rows: number,
  inner: number,
  cols: number,
): Float64Array => {
  for (const [name, v] of [['rows', rows], ['inner', inner], ['cols', cols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`matMulAdd: ${name} must be an integer >= 1, got ${v}`);
  }
  if (a.length !== rows * inner) throw new RangeError(`matMulAdd: a has length ${a.length}, expected ${rows * inner}`);
  if (b.length !== inner * cols) throw new RangeError(`matMulAdd: b has length ${b.length}, expected ${inner * cols}`);
  if (c.length !== rows * cols) throw new RangeError(`matMulAdd: c has length ${c.length}, expected ${rows * cols}`);
  if (rows * inner * cols < MATMUL_BLOCKED_MIN_WORK) {
    for (let i = 0; i < rows; i++) {
      const ci = i * cols;
      for (let p = 0; p < inner; p++) {
        const l = a[i * inner + p];
        if (l === 0) continue;
        const bp = p * cols;
        for (let j = 0; j < cols; j++) c[ci + j] += l * b[bp + j];
      }
    }
  } else {
    gemmSubtract(c, 0, cols, a, 0, inner, 1, b, 0, cols, rows, cols, inner, -1);
  }
  return c;
};

/** `A · B` (fresh `rows × cols`) for row-major A (`rows × inner`) and B (`inner × cols`). */
export const matMul = (
  a: Readonly<Float64Array>,
  b: Readonly<Float64Array>,
  rows: number,
  inner: number,
  cols: number,
): Float64Array => matMulAdd(new Float64Array(rows * cols), a, b, rows, inner, cols);
