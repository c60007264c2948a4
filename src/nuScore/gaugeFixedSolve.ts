/**
 * The minimum-norm solution of `H z = b` for the softmax Hessian (MATH.md §6) by one dense LU,
 * when H's null space is the structural one: the gauge direction `1_s` of every visited state and
 * the whole block of every unvisited state.
 *
 * Every row and column of H sums to zero over a visited state's actions (H 1_s = 0, H symmetric),
 * so for b in range(H) the equation of one action per state is implied by the others, and fixing
 * that action's coordinate to 0 picks one solution out of the gauge family. With the action of
 * largest π removed (per state the reduced block then has determinant ∝ Π π, the largest of the A
 * choices at an optimum), the reduced matrix `H_RR` is nonsingular exactly when the null space is
 * structural. Removing each visited state's mean from that solution gives the one orthogonal to
 * the null space: `H^† b`.
 */
import { luFactor, luSolve, matNormInf, matVec, reportSolve } from '../linalg/index.js';

/** A gauge-fixed direct solve with what its report needs. */
export interface GaugeFixedSolve {
  /** `H^† b` (per visited state mean zero; unvisited blocks zero). */
  readonly z: Float64Array;
  /** Dimension of the reduced system (visited states × (A − 1)). */
  readonly m: number;
  /**
   * The normwise backward error of z on the full system, `√n·‖H z − b‖₂ / (‖H‖∞‖z‖₂)` (an upper
   * bound on `‖H z − b‖₂ / (‖H‖₂‖z‖₂)` since ‖H‖₂ ≥ ‖H‖∞/√n; 0 when H z = b exactly): the relative
   * error of z is then at most `κ₂(H)` times it. (The residual relative to ‖b‖ would be up to κ times
   * larger for the same solution: an LU solve leaves ‖r‖ ≈ ε‖H‖‖z‖, not ε‖b‖.)
   */
  readonly relativeResidual: number;
  /** Hager's estimate of κ₁(H_RR) (Infinity if singular; 1 when m = 0). */
  readonly condition: number;
  /** The reduced matrix was singular to working precision: the null space is not the structural one. */
  readonly singular: boolean;
}

const norm2 = (v: Readonly<Float64Array>): number => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  if (m === 0) return 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] / m) ** 2;
  return m * Math.sqrt(s);
};

/**
 * `H^† b` for a dense symmetric `(S·A)×(S·A)` H (row-major) with structural null space, by LU of H
 * restricted to all actions but the most probable one of each visited state (`visited(s)`).
 */
export const gaugeFixedSolve = (
  H: Readonly<Float64Array>,
  S: number,
  A: number,
  pi: Readonly<Float64Array>,
  visited: (s: number) => boolean,
  b: Readonly<Float64Array>,
): GaugeFixedSolve => {
  const n = S * A;
  const keep: number[] = [];
  for (let s = 0; s < S; s++) {
    if (!visited(s)) continue;
    let best = 0;
    for (let a = 1; a < A; a++) if (pi[s * A + a] > pi[s * A + best]) best = a;
    for (let a = 0; a < A; a++) if (a !== best) keep.push(s * A + a);
  }
  const m = keep.length;
  const z = new Float64Array(n);
  let condition = 1;
  let singular = false;
  if (m > 0) {
    const Hr = new Float64Array(m * m);
    const br = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const row = keep[i] * n;
      for (let j = 0; j < m; j++) Hr[i * m + j] = H[row + keep[j]];
      br[i] = b[keep[i]];
    }
    const lu = luFactor(Hr, m);
    const zr = luSolve(lu, br);
    const rep = reportSolve(Hr, lu, br, zr, false);
    singular = lu.singular;
    condition = rep.conditionEstimate;
    for (let i = 0; i < m; i++) z[keep[i]] = zr[i];
  }
  // the solution orthogonal to the gauge directions; unvisited blocks stay zero
  for (let s = 0; s < S; s++) {
    if (!visited(s)) continue;
    const o = s * A;
    let mean = 0;
    for (let a = 0; a < A; a++) mean += z[o + a];
    mean /= A;
    for (let a = 0; a < A; a++) z[o + a] -= mean;
  }
  const res = matVec(H, n, n, z);
  for (let i = 0; i < n; i++) res[i] -= b[i];
  const normH = matNormInf(H, n);
  const nr = norm2(res);
  const scale = normH * norm2(z);
  const relativeResidual = singular ? NaN : nr === 0 ? 0 : scale === 0 ? Infinity : (Math.sqrt(n) * nr) / scale;
  return { z, m, relativeResidual, condition, singular };
};
