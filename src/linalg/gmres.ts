/**
 * Restarted GMRES (Saad & Schultz 1986) for a general square operator given only as a
 * matrix-vector product, with the true residual checked at every restart. Used by the sparse
 * policy evaluation (MATH.md §3, §10), where `I − γP_π` is a contraction-shifted matrix and the
 * residual alone bounds the error: `‖x − x̂‖_∞ ≤ ‖b − (I − γP_π)x̂‖_∞ / (1 − γ)`.
 */

/** Outcome of a GMRES solve (the caller decides what non-convergence means). */
export interface GmresSolve {
  readonly x: Float64Array;
  /** The true residual `b − A x`, recomputed from x after the last cycle. */
  readonly residual: Float64Array;
  /** Matrix-vector products spent (one per Krylov step plus one per restart). */
  readonly products: number;
  /** Met `stop(residual, x)` within the product budget. */
  readonly converged: boolean;
}

export interface GmresOptions {
  /** Krylov dimension per cycle (default 30). */
  readonly restart?: number;
  /** Budget of matrix-vector products (default 20·n). */
  readonly maxProducts?: number;
  /**
   * The stopping rule on the true residual (any norm the caller vouches for). Cycles run until
   * it holds; inside a cycle the Givens estimate of ‖r‖₂ ≤ `innerTolerance·‖r₀‖₂` ends the cycle.
   */
  readonly stop: (residual: Readonly<Float64Array>, x: Readonly<Float64Array>) => boolean;
  /** Relative 2-norm reduction that ends one cycle early (default 1e-15). */
  readonly innerTolerance?: number;
  /**
   * An absolute 2-norm of the residual, given the current x at the start of a cycle, below which
   * the cycle ends early (default 0): a caller whose stop rule is `‖r‖ ≤ τ(x)` passes τ in 2-norm.
   */
  readonly innerTarget?: (x: Readonly<Float64Array>) => number;
}

const dot = (a: Readonly<Float64Array>, b: Readonly<Float64Array>, n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
};

/** ‖v‖₂ scaled by max|vᵢ| (no underflow for subnormal entries, no overflow for huge ones). */
const norm2 = (v: Readonly<Float64Array>, n: number): number => {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(v[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = v[i] / m;
    s += t * t;
  }
  return m * Math.sqrt(s);
};

/** Solve `A x = b` by GMRES(m) from x = 0, `apply(v, out)` writing `A v` into `out`. */
export const gmres = (
  apply: (v: Readonly<Float64Array>, out: Float64Array) => void,
  b: Readonly<Float64Array>,
  opts: GmresOptions,
): GmresSolve => {
  const n = b.length;
  const m = Math.max(1, Math.min(opts.restart ?? 30, n));
  const maxProducts = opts.maxProducts ?? 20 * n;
  const innerTol = opts.innerTolerance ?? 1e-15;
  const x = new Float64Array(n);
  const r = new Float64Array(n);
  const Ax = new Float64Array(n);
  // Krylov basis, Hessenberg matrix (column-major by step), Givens rotations, rhs
  const basis: Float64Array[] = Array.from({ length: m + 1 }, () => new Float64Array(n));
  const H = new Float64Array((m + 1) * m);
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  const g = new Float64Array(m + 1);
  const y = new Float64Array(m);
  let products = 0;
  const trueResidual = (): void => {
    apply(x, Ax);
    products++;
    for (let i = 0; i < n; i++) r[i] = b[i] - Ax[i];
  };
  r.set(b);
  for (;;) {
    if (opts.stop(r, x)) return { x, residual: r, products, converged: true };
    if (products >= maxProducts) return { x, residual: r, products, converged: false };
    const beta = norm2(r, n);
    if (beta === 0 || !Number.isFinite(beta)) return { x, residual: r, products, converged: false };
    const v0 = basis[0];
    for (let i = 0; i < n; i++) v0[i] = r[i] / beta;
    g.fill(0);
    g[0] = beta;
    const target = Math.max(innerTol * beta, opts.innerTarget?.(x) ?? 0);
    let k = 0;
    for (; k < m && products < maxProducts; ) {
      const w = basis[k + 1];
      apply(basis[k], w);
      products++;
      // modified Gram–Schmidt (backward stable for GMRES: Paige, Rozložník & Strakoš 2006)
      const col = k * (m + 1);
      {
        for (let i = 0; i <= k; i++) {
          const vi = basis[i];
          const h = dot(w, vi, n);
          H[col + i] += h;
          for (let t = 0; t < n; t++) w[t] -= h * vi[t];
        }
      }
      const hNext = norm2(w, n);
      H[col + k + 1] = hNext;
      if (hNext > 0) for (let t = 0; t < n; t++) w[t] /= hNext;
      // apply the previous rotations, then the new one that zeroes H[k+1, k]
      for (let i = 0; i < k; i++) {
        const a = H[col + i];
        const c = H[col + i + 1];
        H[col + i] = cs[i] * a + sn[i] * c;
        H[col + i + 1] = -sn[i] * a + cs[i] * c;
      }
      const a = H[col + k];
      const c = H[col + k + 1];
      const rho = Math.hypot(a, c);
      cs[k] = rho === 0 ? 1 : a / rho;
      sn[k] = rho === 0 ? 0 : c / rho;
      H[col + k] = rho;
      H[col + k + 1] = 0;
      g[k + 1] = -sn[k] * g[k];
      g[k] = cs[k] * g[k];
      k++;
      if (Math.abs(g[k]) <= target || hNext === 0) break;
    }
    // back substitution R y = g, then x += V y
    for (let i = k - 1; i >= 0; i--) {
      let s = g[i];
      for (let j = i + 1; j < k; j++) s -= H[j * (m + 1) + i] * y[j];
      const d = H[i * (m + 1) + i];
      y[i] = d === 0 ? 0 : s / d;
    }
    for (let j = 0; j < k; j++) {
      const vj = basis[j];
      const yj = y[j];
      for (let t = 0; t < n; t++) x[t] += yj * vj[t];
    }
    H.fill(0);
    trueResidual();
  }
};
