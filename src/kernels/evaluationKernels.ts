/**
 * gpu.js kernel functions of batched exact policy evaluation (MATH.md §3–§4) by Gauss–Jordan
 * elimination, batched over `nb` problems (B policies on one MDP, or B MDPs).
 *
 * Each problem contributes two augmented `S × W` systems (`W = S + 1`), stacked as `2·nb` systems
 * in one flat array, index `(q·S + i)·W + j`:
 * - `q < nb`, problem `b = q`: `[I − γ_b P_π | r_π]`, whose solution is `V_b`;
 * - `q ≥ nb`, problem `b = q − nb`: `[(I − γ_b P_π)ᵀ | ρ_b]`, whose solution is `x_b`, so that
 *   `d_b = (1 − γ_b) x_b` and `∂J/∂θ[s,a] = x_b(s) π(a|s) Adv(s,a)` (MATH.md §4).
 * `S` launches of `eliminationStepKernel` (pivot `k = 0…S−1`, each dropping the finished column)
 * reduce every system to its solution.
 * No pivoting is needed: `I − γP_π` is strictly row diagonally dominant (margin `1 − γ`) and its
 * transpose strictly column diagonally dominant, for which Gaussian elimination without pivoting
 * is backward stable (growth factor ≤ 2).
 *
 * `P`, `r` and `ρ` are indexed with per-problem strides (`pStride = 0` when all problems share one
 * MDP), so one kernel serves both batch kinds. Flat indices stay below 2^22 (`chunking.ts`).
 *
 * Structures measured for B = 1e4 problems, S = 16, γ = 0.9 on webasm (2-core CPU, V only): Gauss–
 * Jordan in 16 launches 0.5 s; 153 Bellman-sweep launches (float32 accuracy) 1.4 s; the same sweeps
 * fused by `createPipeline` 1.3–1.6 s (fused-sync or fused-threaded); Gauss–Jordan fused by
 * `createPipeline` 0.45 s, but pipelines only return Promises and these kernels are synchronous.
 * Sweeps cost S² per problem per sweep and need ~log(ε)/log γ sweeps; elimination costs S³ once.
 * Dropping finished columns halves the elimination's work (Σ_k S(S − k) instead of S²(S + 1) entries
 * per system). The float64 LU loop (`js`) is still 4–6× faster than all of these
 * (`bench/kernels.bench.ts`).
 */
import type { IKernelFunctionThis } from 'gpu.js';

/** Constants of `systemKernel`. */
export type SystemConstants = { S: number; A: number; W: number; nb: number; pStride: number; rStride: number; rhoStride: number };

/** Constants of `eliminationStepKernel`: S, the input width w = S − k + 1 and the pivot k. */
export type EliminationConstants = { S: number; w: number; k: number };

/** Constants of `gradientKernel`. */
export type GradientConstants = { S: number; A: number; pStride: number; rStride: number };

/**
 * The `2·nb` augmented systems from `π`, `log π` (`nb·S·A`), `P` (`S·A·S` per problem), `r`
 * (`S·A`), `ρ` (`S`), `γ_b` (`nb`) and the entropy weight `λ`.
 */
export function systemKernel(
  this: IKernelFunctionThis<SystemConstants>,
  pi: number[],
  logPi: number[],
  P: number[],
  r: number[],
  rho: number[],
  gammas: number[],
  lambda: number,
): number {
  const SW = this.constants.S * this.constants.W;
  const q = Math.floor(this.thread.x / SW);
  const rem = this.thread.x - q * SW;
  const i = Math.floor(rem / this.constants.W);
  const j = rem - i * this.constants.W;
  let value = 0;
  if (q < this.constants.nb) {
    // row i of [I − γ P_π | r_π] for problem b = q
    const pio = (q * this.constants.S + i) * this.constants.A;
    if (j < this.constants.S) {
      const po = q * this.constants.pStride + i * this.constants.A * this.constants.S + j;
      let acc = 0;
      for (let a = 0; a < this.constants.A; a++) {
        acc = acc + pi[pio + a] * P[po + a * this.constants.S];
      }
      value = -gammas[q] * acc;
      if (i === j) {
        value = value + 1;
      }
    } else {
      const ro = q * this.constants.rStride + i * this.constants.A;
      let acc = 0;
      for (let a = 0; a < this.constants.A; a++) {
        acc = acc + pi[pio + a] * (r[ro + a] - lambda * logPi[pio + a]);
      }
      value = acc;
    }
  } else {
    // row i of [(I − γ P_π)ᵀ | ρ] for problem b = q − nb: entry (i, j) is δ_ij − γ Σ_a π(a|j) P[j,a,i]
    const b = q - this.constants.nb;
    if (j < this.constants.S) {
      const pio = (b * this.constants.S + j) * this.constants.A;
      const po = b * this.constants.pStride + j * this.constants.A * this.constants.S + i;
      let acc = 0;
      for (let a = 0; a < this.constants.A; a++) {
        acc = acc + pi[pio + a] * P[po + a * this.constants.S];
      }
      value = -gammas[b] * acc;
      if (i === j) {
        value = value + 1;
      }
    } else {
      value = rho[b * this.constants.rhoStride + i];
    }
  }
  return value;
}

/**
 * Gauss–Jordan step with pivot `k` that also drops the finished column: the input holds, per system,
 * the columns `k…S−1` and the right-hand side (width `w = S − k + 1`, local column 0 is column k);
 * the output holds columns `k+1…S−1` and the right-hand side (width `w − 1`). Row k is divided by the
 * pivot, every other row eliminates column k. After `S` steps (widths S+1 → 1) each system is
 * reduced to its solution. Dropping finished columns halves the work of full Gauss–Jordan
 * (Σ_k S·(S − k) instead of S²·(S + 1) entries written per system).
 */
export function eliminationStepKernel(this: IKernelFunctionThis<EliminationConstants>, M: number[]): number {
  const wo = this.constants.w - 1;
  const Swo = this.constants.S * wo;
  const q = Math.floor(this.thread.x / Swo);
  const rem = this.thread.x - q * Swo;
  const i = Math.floor(rem / wo);
  const j = rem - i * wo + 1;
  const base = q * this.constants.S * this.constants.w;
  const pivotRow = base + this.constants.k * this.constants.w;
  const pkj = M[pivotRow + j] / M[pivotRow];
  if (i === this.constants.k) {
    return pkj;
  }
  const row = base + i * this.constants.w;
  return M[row + j] - M[row] * pkj;
}

/**
 * `∂J/∂θ[b,s,a] = x_b(s) π(a|s) (Q(s,a) − λ log π(a|s) − V(s))` with `Q = r + γ_b P V` (MATH.md §3–§4);
 * one thread per (b, s, a), the index of `π`.
 */
export function gradientKernel(
  this: IKernelFunctionThis<GradientConstants>,
  pi: number[],
  logPi: number[],
  P: number[],
  r: number[],
  V: number[],
  x: number[],
  gammas: number[],
  lambda: number,
): number {
  const SA = this.constants.S * this.constants.A;
  const b = Math.floor(this.thread.x / SA);
  const rem = this.thread.x - b * SA;
  const s = Math.floor(rem / this.constants.A);
  const po = b * this.constants.pStride + rem * this.constants.S;
  const vo = b * this.constants.S;
  let ev = 0;
  for (let t = 0; t < this.constants.S; t++) {
    ev = ev + P[po + t] * V[vo + t];
  }
  const q = r[b * this.constants.rStride + rem] + gammas[b] * ev;
  const adv = q - lambda * logPi[this.thread.x] - V[vo + s];
  return x[vo + s] * pi[this.thread.x] * adv;
}
