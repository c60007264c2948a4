/**
 * Symmetric eigendecomposition by the cyclic Jacobi method, and the Moore–Penrose
 * pseudo-inverse solve built on it (dense route for small problems, MATH.md §6).
 * Jacobi is slow (O(n³) per sweep, ~6–10 sweeps) but backward stable and accurate for the
 * small eigenvalues that matter here.
 */

/** `A = V diag(values) Vᵀ`; `vectors` is n×n row-major with the eigenvectors as columns. */
export interface SymmetricEigen {
  readonly n: number;
  readonly values: Float64Array;
  readonly vectors: Float64Array;
  readonly sweeps: number;
  /** Off-diagonal Frobenius norm left, relative to ‖A‖_F. */
  readonly offRelative: number;
}

/** Eigen-decompose a symmetric n×n row-major matrix (only the upper triangle is read). */
export const symmetricEigen = (a: Readonly<Float64Array>, n: number, maxSweeps = 60): SymmetricEigen => {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    m[i * n + j] = a[i * n + j];
    m[j * n + i] = a[i * n + j];
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let frob = 0;
  for (let i = 0; i < n * n; i++) frob += m[i] * m[i];
  frob = Math.sqrt(frob);
  let sweeps = 0;
  let off = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
    off = Math.sqrt(2 * off);
    if (off <= 1e-17 * frob || off === 0) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = m[p * n + q];
      if (apq === 0) continue;
      const app = m[p * n + p];
      const aqq = m[q * n + q];
      // rotation angle: tan 2φ = 2a_pq / (a_qq − a_pp), choosing the smaller root for stability
      const tau = (aqq - app) / (2 * apq);
      const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
      const c = 1 / Math.sqrt(1 + t * t);
      const s = t * c;
      for (let k = 0; k < n; k++) {
        const mkp = m[k * n + p];
        const mkq = m[k * n + q];
        m[k * n + p] = c * mkp - s * mkq;
        m[k * n + q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < n; k++) {
        const mpk = m[p * n + k];
        const mqk = m[q * n + k];
        m[p * n + k] = c * mpk - s * mqk;
        m[q * n + k] = s * mpk + c * mqk;
      }
      m[p * n + q] = 0;
      m[q * n + p] = 0;
      for (let k = 0; k < n; k++) {
        const vkp = v[k * n + p];
        const vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { n, values, vectors: v, sweeps, offRelative: frob > 0 ? off / frob : 0 };
};

/** The result of a pseudo-inverse solve. */
export interface PseudoInverseSolve {
  /** `X = A^† B`, n×k row-major. */
  readonly x: Float64Array;
  /** Eigenvalues treated as zero (|λ| ≤ threshold). */
  readonly dropped: number;
  readonly threshold: number;
  /** `max|λ| / min{|λ| : |λ| > threshold}` — the condition number on the kept subspace. */
  readonly conditionEstimate: number;
  /** `‖A X − P_range B‖_max / ‖B‖_max`: how well the kept part is solved. */
  readonly relativeResidual: number;
}

/**
 * `X = A^† B` for symmetric `A` (n×n) and `B` (n×k): eigenvalues with `|λ| ≤ rtol·max|λ|`
 * count as zero (default rtol = n·ε, as numpy's `pinv`/MATLAB's `pinv` do), and so do those with
 * `|λ| ≤ absoluteFloor` (a scale the caller knows, e.g. n·ε times the problem's natural scale of A).
 */
export const pseudoInverseSolve = (
  a: Readonly<Float64Array>,
  n: number,
  b: Readonly<Float64Array>,
  k: number,
  rtol = n * 2 ** -52,
  eig: SymmetricEigen = symmetricEigen(a, n),
  absoluteFloor = 0,
): PseudoInverseSolve => {
  const { values, vectors: V } = eig;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  // relative to the largest eigenvalue, and never below the caller's absolute floor (the problem's
  // scale): a matrix whose every eigenvalue is numerically zero is not inverted
  const threshold = Math.max(rtol * maxAbs, absoluteFloor);
  let minKept = Infinity;
  let dropped = 0;
  // C = Vᵀ B (n×k), scaled by 1/λ on kept eigenvalues, zero on dropped ones
  const C = new Float64Array(n * k);
  for (let j = 0; j < n; j++) {
    const lam = values[j];
    const keep = Math.abs(lam) > threshold;
    if (keep) minKept = Math.min(minKept, Math.abs(lam));
    else dropped++;
    if (!keep) continue;
    for (let i = 0; i < n; i++) {
      const vij = V[i * n + j];
      if (vij === 0) continue;
      for (let c = 0; c < k; c++) C[j * k + c] += vij * b[i * k + c];
    }
    for (let c = 0; c < k; c++) C[j * k + c] /= lam;
  }
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const vij = V[i * n + j];
    if (vij === 0) continue;
    for (let c = 0; c < k; c++) x[i * k + c] += vij * C[j * k + c];
  }
  // residual against the projection of B onto the kept eigenspace
  let bMax = 0;
  for (let i = 0; i < n * k; i++) bMax = Math.max(bMax, Math.abs(b[i]));
  const proj = new Float64Array(n * k);
  for (let j = 0; j < n; j++) {
    if (!(Math.abs(values[j]) > threshold)) continue;
    for (let c = 0; c < k; c++) {
      let coef = 0;
      for (let i = 0; i < n; i++) coef += V[i * n + j] * b[i * k + c];
      for (let i = 0; i < n; i++) proj[i * k + c] += V[i * n + j] * coef;
    }
  }
  let res = 0;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
    let ax = 0;
    for (let j = 0; j < n; j++) ax += a[i * n + j] * x[j * k + c];
    res = Math.max(res, Math.abs(ax - proj[i * k + c]));
  }
  return {
    x,
    dropped,
    threshold,
    conditionEstimate: minKept === Infinity ? Infinity : maxAbs / minKept,
    relativeResidual: bMax > 0 ? res / bMax : 0,
  };
};
