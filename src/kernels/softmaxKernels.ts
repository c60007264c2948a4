/**
 * gpu.js kernel functions of the batched softmax family (MATH.md §2), over `rows` rows of `A`
 * shifted logits `t = θ − max_a θ` (the host subtracts the row maximum in float64 while packing to
 * float32, see `batchedSoftmax.ts`, so every `t ≤ 0` and each row's largest `t` is exactly 0).
 *
 * Two launches per operation: a row kernel (one thread per row: `z = Σ_a e^t` or `ℓ = log z`), then
 * an elementwise kernel (one thread per entry). Flat indices stay below 2^22 (`chunking.ts`), where
 * `floor(i / A)` is exact in float32.
 *
 * `exp` and `log` are written out inline instead of `Math.exp` / `Math.log`: on the webasm backend
 * those are calls from wasm into JavaScript, lane by lane (measured 2.5× slower than this code,
 * which stays in f32x4 SIMD), and helper functions cannot take the table argument there.
 *
 * - `exp(t)`, `t ≤ 0` (Cephes `expf`): `n = round(t·log₂e)`, `r = t − n·ln2` with ln2 split as
 *   `0.693359375 − 2.12194440e-4` (Cody–Waite; `n·0.693359375` is exact), a degree-7 polynomial for
 *   `e^r` on `|r| ≤ ln2/2`, times `2^n` from the table `pow2[k] = 2^−k` (k = 0…127). Inputs below
 *   −87 give 0 (`e^−87` ≈ 1.6e-38, the float32 normal range ends at 1.2e-38). Measured ≤ 1 ulp.
 * - `log(z)`, `1 ≤ z ≤ A`: halve `z` into `w ∈ [1/√2, √2]` (`halvings` ≥ log₂A fixed steps),
 *   `s = (w − 1)/(w + 1)`, `log w = 2 atanh s = 2s(1 + s²/3 + s⁴/5 + s⁶/7 + s⁸/9)` (|s| ≤ 0.172:
 *   truncation ≤ 3e-9 relative), plus `k·ln2`.
 *
 * Kernels are plain `function` declarations with a typed `this` (GPUJS.md); they must not close over
 * anything, so the constants above appear as literals.
 */
import type { IKernelFunctionThis } from 'gpu.js';

/** `pow2[k] = 2^−k`, k = 0…127 (exact in float32 down to 2^−126; 2^−127 is subnormal and unused). */
export const POW2_TABLE: Float32Array = Float32Array.from({ length: 128 }, (_, k) => 2 ** -k);

/** Constants of the row kernels. */
export type RowConstants = { A: number; pow2: number[]; halvings: number };

/** Constants of the elementwise kernels. */
export type ElementConstants = { A: number; pow2: number[] };

/** Fixed halving steps of the inline `log` for `z ≤ A`: enough to bring `z` below √2. */
export const halvingsFor = (A: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(A, 1))) + 1);

/** Row kernel: `z[r] = Σ_a exp(t[r·A + a])` (≥ 1 since the row maximum of `t` is 0). */
export function rowSumExpKernel(this: IKernelFunctionThis<RowConstants>, t: number[]): number {
  const o = this.thread.x * this.constants.A;
  let z = 0;
  for (let a = 0; a < this.constants.A; a++) {
    const x = t[o + a];
    const xc = Math.max(x, -87.0);
    const n = Math.floor(xc * 1.4426950408889634 + 0.5);
    const r = xc - n * 0.693359375 + n * 2.1219444e-4;
    const p = (((((1.98756915e-4 * r + 1.39819995e-3) * r + 8.33345191e-3) * r + 4.16657959e-2) * r + 1.66666655e-1) * r + 5.00000012e-1) * r * r + r + 1.0;
    let e = p * this.constants.pow2[-n];
    if (x < -87.0) {
      e = 0;
    }
    z = z + e;
  }
  return z;
}

/** Row kernel: `ℓ[r] = log Σ_a exp(t[r·A + a])` (the log-normaliser of a max-subtracted row). */
export function rowLogSumExpKernel(this: IKernelFunctionThis<RowConstants>, t: number[]): number {
  const o = this.thread.x * this.constants.A;
  let z = 0;
  for (let a = 0; a < this.constants.A; a++) {
    const x = t[o + a];
    const xc = Math.max(x, -87.0);
    const n = Math.floor(xc * 1.4426950408889634 + 0.5);
    const r = xc - n * 0.693359375 + n * 2.1219444e-4;
    const p = (((((1.98756915e-4 * r + 1.39819995e-3) * r + 8.33345191e-3) * r + 4.16657959e-2) * r + 1.66666655e-1) * r + 5.00000012e-1) * r * r + r + 1.0;
    let e = p * this.constants.pow2[-n];
    if (x < -87.0) {
      e = 0;
    }
    z = z + e;
  }
  let w = z;
  let k = 0;
  for (let h = 0; h < this.constants.halvings; h++) {
    if (w > 1.4142135) {
      w = w * 0.5;
      k = k + 1;
    }
  }
  const s = (w - 1.0) / (w + 1.0);
  const s2 = s * s;
  const lw = 2.0 * s * (1.0 + s2 * (0.33333334 + s2 * (0.2 + s2 * (0.14285715 + s2 * 0.11111111))));
  return k * 0.693359375 - k * 2.1219444e-4 + lw;
}

/** Elementwise: `π = exp(t) / z[row]`. */
export function softmaxFromSumKernel(this: IKernelFunctionThis<ElementConstants>, t: number[], z: number[]): number {
  const row = Math.floor(this.thread.x / this.constants.A);
  const x = t[this.thread.x];
  const xc = Math.max(x, -87.0);
  const n = Math.floor(xc * 1.4426950408889634 + 0.5);
  const r = xc - n * 0.693359375 + n * 2.1219444e-4;
  const p = (((((1.98756915e-4 * r + 1.39819995e-3) * r + 8.33345191e-3) * r + 4.16657959e-2) * r + 1.66666655e-1) * r + 5.00000012e-1) * r * r + r + 1.0;
  let e = p * this.constants.pow2[-n];
  if (x < -87.0) {
    e = 0;
  }
  return e / z[row];
}

/** Elementwise: `log π = t − ℓ[row]`. */
export function logSoftmaxFromLseKernel(this: IKernelFunctionThis<ElementConstants>, t: number[], l: number[]): number {
  const row = Math.floor(this.thread.x / this.constants.A);
  return t[this.thread.x] - l[row];
}

/**
 * Elementwise softmax score for one action per row (MATH.md §2):
 * `∂ log π(a_r | r) / ∂θ[r, b] = 1[b = a_r] − π(b | r)`, with `a_r = actions[row]`.
 */
export function scoreFromSumKernel(this: IKernelFunctionThis<ElementConstants>, t: number[], z: number[], actions: number[]): number {
  const row = Math.floor(this.thread.x / this.constants.A);
  const b = this.thread.x - row * this.constants.A;
  const x = t[this.thread.x];
  const xc = Math.max(x, -87.0);
  const n = Math.floor(xc * 1.4426950408889634 + 0.5);
  const r = xc - n * 0.693359375 + n * 2.1219444e-4;
  const p = (((((1.98756915e-4 * r + 1.39819995e-3) * r + 8.33345191e-3) * r + 4.16657959e-2) * r + 1.66666655e-1) * r + 5.00000012e-1) * r * r + r + 1.0;
  let e = p * this.constants.pow2[-n];
  if (x < -87.0) {
    e = 0;
  }
  let hit = 0;
  if (Math.abs(actions[row] - b) < 0.5) {
    hit = 1;
  }
  return hit - e / z[row];
}
