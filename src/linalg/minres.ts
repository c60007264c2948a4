/**
 * MINRES (Paige & Saunders 1975) for symmetric, possibly indefinite or singular, operators
 * given only as matrix-vector products. Started from x = 0 on a consistent system it stays in
 * the Krylov space of range(A), so it returns the minimum-norm solution `A^† b` — the
 * pseudo-inverse the implicit-function route needs (MATH.md §6).
 */

/** An iterative solve's outcome (the caller decides what non-convergence means). */
export interface IterativeSolve {
  readonly x: Float64Array;
  /** ‖b − A x‖₂ (`minres` recomputes it from x; a single preconditioned run estimates it in the M⁻¹-norm). */
  readonly residualNorm: number;
  /** `residualNorm / ‖b‖₂` (0 when b = 0). */
  readonly relativeResidual: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Running estimate of ‖A‖ · ‖A^†‖ on the explored Krylov space (Lanczos-based). */
  readonly conditionEstimate: number;
}

export interface MinresOptions {
  /** Stop when ‖r‖ ≤ rtol·‖b‖ (default 1e-12). */
  readonly rtol?: number;
  /** Iteration cap (default 4n). */
  readonly maxIterations?: number;
  /** Restarts on the true residual when the recurrence's estimate was optimistic (default 5). */
  readonly maxRestarts?: number;
  /** A symmetric positive definite preconditioner `r ↦ M⁻¹ r` (default: none). */
  readonly preconditioner?: (r: Readonly<Float64Array>) => Float64Array;
}

const dot = (a: Readonly<Float64Array>, b: Readonly<Float64Array>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** One MINRES run from x = 0 (the Paige–Saunders recurrences; residual is the recurrence's estimate). */
const minresRun = (
  apply: (v: Readonly<Float64Array>) => Float64Array,
  b: Readonly<Float64Array>,
  opts: MinresOptions = {},
): IterativeSolve => {
  const n = b.length;
  const rtol = opts.rtol ?? 1e-12;
  const maxIt = opts.maxIterations ?? 4 * n + 10;
  const x = new Float64Array(n);
  const psolve = opts.preconditioner ?? ((r: Readonly<Float64Array>) => Float64Array.from(r));
  let y: Float64Array = psolve(b);
  // β₁ = ‖b‖ in the M⁻¹-norm (the plain 2-norm without a preconditioner)
  const beta1 = Math.sqrt(Math.max(0, dot(b, y)));
  if (beta1 === 0) return { x, residualNorm: 0, relativeResidual: 0, iterations: 0, converged: true, conditionEstimate: 1 };
  let r1: Float64Array = Float64Array.from(b);
  let r2: Float64Array = Float64Array.from(b);
  let w: Float64Array = new Float64Array(n);
  let w2: Float64Array = new Float64Array(n);
  let oldb = 0;
  let beta = beta1;
  let dbar = 0;
  let epsln = 0;
  let phibar = beta1;
  let cs = -1;
  let sn = 0;
  let gmax = 0;
  let gmin = Infinity;
  let anorm2 = 0;
  let itn = 0;
  let converged = false;
  while (itn < maxIt) {
    itn++;
    const s = 1 / beta;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = s * y[i];
    y = apply(v);
    if (itn >= 2) for (let i = 0; i < n; i++) y[i] -= (beta / oldb) * r1[i];
    const alfa = dot(v, y);
    for (let i = 0; i < n; i++) y[i] -= (alfa / beta) * r2[i];
    r1 = r2;
    r2 = y;
    y = psolve(r2);
    oldb = beta;
    beta = Math.sqrt(Math.max(0, dot(r2, y)));
    anorm2 += alfa * alfa + oldb * oldb + beta * beta;
    const oldeps = epsln;
    const delta = cs * dbar + sn * alfa;
    const gbar = sn * dbar - cs * alfa;
    epsln = sn * beta;
    dbar = -cs * beta;
    let gamma = Math.hypot(gbar, beta);
    gamma = Math.max(gamma, Number.EPSILON);
    cs = gbar / gamma;
    sn = beta / gamma;
    const phi = cs * phibar;
    phibar = sn * phibar;
    const w1 = w2;
    w2 = w;
    w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) / gamma;
    for (let i = 0; i < n; i++) x[i] += phi * w[i];
    gmax = Math.max(gmax, gamma);
    gmin = Math.min(gmin, gamma);
    if (phibar <= rtol * beta1) {
      converged = true;
      break;
    }
    if (beta === 0 || beta <= 1e-300) {
      // Krylov space exhausted: x solves the projected problem exactly
      converged = phibar <= Math.sqrt(rtol) * beta1;
      break;
    }
  }
  return {
    x,
    residualNorm: phibar,
    relativeResidual: phibar / beta1,
    iterations: itn,
    converged,
    conditionEstimate: Math.max(Math.sqrt(anorm2) / gmin, gmax / gmin),
  };
};

/**
 * Solve `A x = b` for a symmetric operator given as `apply(v) = A v`. In finite precision the
 * Lanczos vectors lose orthogonality and MINRES's residual recurrence can claim convergence
 * while the true residual is larger; so the true residual `b − A x` is computed at the end and,
 * when it misses the tolerance, MINRES is restarted on it (iterative refinement). The reported
 * residual is always the true one.
 */
export const minres = (
  apply: (v: Readonly<Float64Array>) => Float64Array,
  b: Readonly<Float64Array>,
  opts: MinresOptions = {},
): IterativeSolve => {
  const rtol = opts.rtol ?? 1e-12;
  const maxRestarts = opts.maxRestarts ?? 5;
  const bNorm = Math.sqrt(dot(b, b));
  let run = minresRun(apply, b, opts);
  const x = Float64Array.from(run.x);
  let iterations = run.iterations;
  let cond = run.conditionEstimate;
  const residualOf = (z: Readonly<Float64Array>): { r: Float64Array; norm: number } => {
    const az = apply(z);
    const r = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) r[i] = b[i] - az[i];
    return { r, norm: Math.sqrt(dot(r, r)) };
  };
  let res = residualOf(x);
  for (let restart = 0; restart < maxRestarts && res.norm > rtol * bNorm; restart++) {
    run = minresRun(apply, res.r, opts);
    const candidate = Float64Array.from(x);
    for (let i = 0; i < x.length; i++) candidate[i] += run.x[i];
    iterations += run.iterations;
    cond = Math.max(cond, run.conditionEstimate);
    const next = residualOf(candidate);
    // refinement only helps while the residual shrinks; at the κ·ε floor it would amplify noise
    if (!(next.norm < res.norm)) break;
    x.set(candidate);
    res = next;
  }
  const trueRes = res.norm;
  const rel = bNorm > 0 ? trueRes / bNorm : 0;
  return { x, residualNorm: trueRes, relativeResidual: rel, iterations, converged: rel <= rtol, conditionEstimate: cond };
};
