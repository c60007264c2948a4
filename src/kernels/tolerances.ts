/**
 * The float32 tolerances every gpu.js kernel is held to against the float64 reference (MATH.md §10),
 * derived from an error model in units of ε₃₂ = 2⁻²³ (the shared `src/check/tolerance.ts`
 * conventions; γₙ = nε/(1 − nε) is Higham's bound for an n-term sum). Each entry is
 * `|actual − expected| ≤ atol + rtol·|expected|` unless its description says otherwise.
 *
 * Error sources of the softmax family (`batchedSoftmax.ts`): the host packs `t = fl₃₂(θ − m)`
 * (|δt| ≤ ε|t|/2), the inline `exp` is within 1.5ε relative, a row sum of A terms adds γ_A, a
 * division or subtraction ε/2, the inline `log` 2ε relative plus ε absolute.
 */
import { EPS32, gamma as higham } from '../check/tolerance.js';

/** `|actual − expected| ≤ atol + rtol·|expected|`, with a statement of where the bound comes from. */
export interface KernelTolerance {
  readonly rtol: number;
  readonly atol: number;
  readonly description: string;
}

/**
 * Softmax `π = e^t / Σ e^t`: relative `γ_{A+4} + (ε/2)·log A` (exp, sum, division, and `|t| ≤ |log π| + log A`
 * for the non-negligible entries), absolute ε (the `π·|log π|·ε/2 ≤ ε/(2e)` part of the packing error
 * and underflow below 1.2e-38). For A = 4 this is ≈ 1.0e-6 relative.
 */
export const softmaxTolerance = (A: number): KernelTolerance => ({
  rtol: higham(A + 4, 'float32') + (EPS32 / 2) * Math.log(A),
  atol: EPS32,
  description: 'π: relative γ_{A+4}(f32) + ε·log(A)/2, absolute ε',
});

/**
 * Log-softmax `log π = t − ℓ`: relative 2ε (the packing of t and the final subtraction, both ε/2 of
 * `|log π| ≥ |t|`, with a factor 2 to spare), absolute `γ_{A+4} + 2ε·log A + ε` (ℓ's error). With
 * logits of ±200 (|log π| up to 400) this allows ≈ 1e-4 absolute.
 */
export const logSoftmaxTolerance = (A: number): KernelTolerance => ({
  rtol: 2 * EPS32,
  atol: higham(A + 4, 'float32') + 2 * EPS32 * Math.log(A) + EPS32,
  description: 'log π: relative 2ε, absolute γ_{A+4}(f32) + 2ε·log(A) + ε',
});

/** Log-sum-exp `m + ℓ` (m exact in float64): absolute `γ_{A+4} + 2ε·log A + ε` (ℓ's error only). */
export const logSumExpTolerance = (A: number): KernelTolerance => ({
  rtol: 0,
  atol: higham(A + 4, 'float32') + 2 * EPS32 * Math.log(A) + EPS32,
  description: 'm + ℓ: absolute γ_{A+4}(f32) + 2ε·log(A) + ε',
});

/** Score `1[b = a] − π`: absolute, the softmax bound at π ≤ 1 plus the subtraction's ε/2 (rounded up to ε). */
export const scoreTolerance = (A: number): KernelTolerance => {
  const p = softmaxTolerance(A);
  return { rtol: 0, atol: p.rtol + p.atol + EPS32, description: 'score: absolute (softmax rtol + atol + ε)' };
};

/** Largest error `tol` allows against `expected`. */
export const allowed = (expected: number, tol: KernelTolerance): number => tol.atol + tol.rtol * Math.abs(expected);

/** Worst-case comparison of a result with its float64 reference. */
export interface Comparison {
  readonly count: number;
  /** Largest |actual − expected|. */
  readonly maxAbs: number;
  /**
   * Largest |actual − expected| / |expected| over entries where a relative error means something:
   * |expected| ≥ atol/rtol (where the relative part of the tolerance dominates), or ≥ 2^10·atol for a
   * purely absolute tolerance; 0 when there is no such entry.
   */
  readonly maxRel: number;
  /** Largest |actual − expected| / allowed(expected): ≤ 1 passes. */
  readonly worstRatio: number;
  readonly worstIndex: number;
  readonly pass: boolean;
}

/** Compare `actual` with `expected` entrywise under `tol` (a NaN anywhere fails). */
export const compareWith = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol: KernelTolerance): Comparison => {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} ≠ expected length ${expected.length}`);
  const relFloor = tol.rtol > 0 ? tol.atol / tol.rtol : 2 ** 10 * tol.atol;
  let maxAbs = 0;
  let maxRel = 0;
  let worstRatio = 0;
  let worstIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const d = Math.abs(actual[i] - e);
    const ratio = d / allowed(e, tol);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? NaN : d;
    if (Math.abs(e) >= relFloor && d / Math.abs(e) > maxRel) maxRel = d / Math.abs(e);
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worstIndex = i;
    }
  }
  return { count: expected.length, maxAbs, maxRel, worstRatio, worstIndex, pass: worstRatio <= 1 };
};

/**
 * Batched policy evaluation in float32 (`batchedEvaluation.ts`): Gaussian elimination without
 * pivoting on `I − γP_π` (growth ≤ 2) has backward error ≲ 2S·ε, the right-hand side `r_π` carries
 * the softmax errors (≲ (A + 8)ε relative), and `κ∞(I − γP_π) ≤ (1 + γ)/(1 − γ)` amplifies both:
 * `rtol = κ·(2S + 2A + 16)·ε₃₂`. It is applied per problem relative to a scale: `max(1, ‖V_b‖∞)` for
 * `V` and `J`, 1 for `d` (a distribution), and `max(1, ‖V_b‖∞)/(1 − γ)` (times 4: `x`, `π` and
 * `Adv = Q − λ log π − V` each contribute) for `∇J = x·π·Adv` with `x = d/(1 − γ)`.
 * For S = 16, A = 4, γ = 0.9 this is ≈ 1.3e-4 relative.
 */
export const evaluationTolerance = (S: number, A: number, gamma: number): KernelTolerance => {
  const kappa = (1 + gamma) / (1 - gamma);
  const rtol = kappa * (2 * S + 2 * A + 16) * EPS32;
  return { rtol, atol: rtol, description: `per problem: |error| ≤ κ·(2S + 2A + 16)·ε₃₂·scale, κ = (1+γ)/(1−γ)` };
};
