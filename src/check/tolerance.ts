/**
 * The shared tolerance module (MATH.md §10), keyed by precision and stated in units of
 * machine epsilon ε, so that tests *derive* their tolerances instead of guessing them.
 *
 * Conventions used throughout `src/check`:
 * - ε is the spacing of floating-point numbers at 1 (`EPS64 = 2⁻⁵²`, `EPS32 = 2⁻²³`); a
 *   correctly rounded operation has relative error ≤ ε/2.
 * - The *scale* of a quantity is `max(1, |value|)`: relative for large values, absolute for
 *   small ones (the same mixed convention as the step rule `h ∝ max(1, |xᵢ|)`).
 * - An evaluation of `f` is assumed accurate to `evalUlps · ε · S`, where `S` is the scale
 *   of `f` near `x` (one or a few ulps for a short formula; more for long sums or solves).
 *
 * Finite-difference error model (derivations in the comments of each helper): a difference
 * formula of order p with step h has
 *
 *     |D_h f(x) − f′(x)| ≤ truncation + rounding
 *     truncation = C_p · h^p · M_{p+1},   M_{p+1} = max |f^{(p+1)}| over the stencil
 *     rounding   = W_p · evalUlps · ε · S / h,   W_p = h · Σ_k |w_k|  (the stencil's weights)
 *
 * and minimising the sum over h gives the optimal steps h ∝ ε^{1/(p+1)}: ε^{1/3} for the
 * central difference (p = 2) and ε^{1/5} for the Richardson formula (p = 4).
 */

/** Floating-point formats we compute in: the float64 reference and float32 gpu.js kernels. */
export type Precision = 'float64' | 'float32';

/** Machine epsilon of float64: 2⁻⁵² (= `Number.EPSILON`). */
export const EPS64 = 2 ** -52;

/** Machine epsilon of float32: 2⁻²³. */
export const EPS32 = 2 ** -23;

/** Machine epsilon ε of a precision (spacing of floats at 1). */
export const epsilon = (precision: Precision = 'float64'): number =>
  precision === 'float64' ? EPS64 : EPS32;

/** `k` units of machine epsilon of `precision`: `k · ε`. */
export const ulps = (k: number, precision: Precision = 'float64'): number => k * epsilon(precision);

/**
 * Higham's γₙ = nε/(1 − nε): a recursive sum or dot product of n terms has absolute error
 * ≤ γₙ · Σ|termᵢ| (Higham, *Accuracy and Stability*, §3.1). Throws when nε ≥ 1.
 */
export const gamma = (n: number, precision: Precision = 'float64'): number => {
  const ne = n * epsilon(precision);
  if (!(n >= 0) || ne >= 1) throw new RangeError(`gamma(n) needs 0 ≤ nε < 1, got n = ${n}`);
  return ne / (1 - ne);
};

/** An elementwise comparison tolerance: `|actual − expected| ≤ atol + rtol·|expected|`. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/**
 * Tolerances for comparing two implementations of the same computation, keyed by precision.
 * float64: 2⁸ ε ≈ 5.7e-14 (room for a different summation order over a few hundred terms);
 * float32: 2¹³ ε₃₂ ≈ 9.8e-4 (the ~1e-3 that tfjs uses for float32 backends: kernels lose
 * accuracy to reduced-precision transcendental functions and long float32 reductions).
 */
export const TOLERANCE: Readonly<Record<Precision, Tolerance>> = {
  float64: { rtol: ulps(2 ** 8, 'float64'), atol: ulps(2 ** 8, 'float64') },
  float32: { rtol: ulps(2 ** 13, 'float32'), atol: ulps(2 ** 13, 'float32') },
};

/** Largest error allowed against `expected` under `tol`: `atol + rtol·|expected|`. */
export const allowedError = (expected: number, tol: Tolerance): number =>
  tol.atol + tol.rtol * Math.abs(expected);

/** Whether `|actual − expected| ≤ atol + rtol·|expected|` (false whenever a NaN is involved). */
export const isClose = (actual: number, expected: number, tol: Tolerance): boolean =>
  Math.abs(actual - expected) <= allowedError(expected, tol);

/** Accuracy order of a central finite-difference formula: 2 (central) or 4 (Richardson). */
export type DifferenceOrder = 2 | 4;

/** The scale `max(1, |v₁|, |v₂|, …)` of a set of values (NaN-propagating). */
export const scaleOf = (...values: ReadonlyArray<number>): number => {
  let s = 1;
  for (const v of values) {
    const a = Math.abs(v);
    if (Number.isNaN(a)) return NaN;
    if (a > s) s = a;
  }
  return s;
};

/**
 * Default step for a central difference of `order` at coordinate value `xi` (MATH.md §10):
 * `h = ε^{1/3}·max(1,|xᵢ|)` for order 2 and `h = ε^{1/5}·max(1,|xᵢ|)` for order 4, the
 * optimal steps of `optimalStep` when `S/M ≈ 1` up to an O(1) factor.
 */
export const differenceStep = (
  order: DifferenceOrder,
  xi: number,
  precision: Precision = 'float64',
): number => epsilon(precision) ** (order === 2 ? 1 / 3 : 1 / 5) * Math.max(1, Math.abs(xi));

/**
 * Default step for a one-sided (forward/backward) difference: `h = √ε·max(1,|xᵢ|)`, the
 * optimum of `h·M₂/2 + 2ε·S/h` when `S/M₂ ≈ 1`.
 */
export const oneSidedStep = (xi: number, precision: Precision = 'float64'): number =>
  Math.sqrt(epsilon(precision)) * Math.max(1, Math.abs(xi));

/**
 * Weight sum `W_p = h·Σ|w_k|` of each stencil, which multiplies the per-evaluation error:
 * central `(f₊ − f₋)/(2h)` → 1; Richardson `(−f₊₂ + 8f₊₁ − 8f₋₁ + f₋₂)/(12h)` → 18/12 = 1.5;
 * one-sided `(f₊ − f₀)/h` → 2.
 */
export const STENCIL_WEIGHT = { central2: 1, richardson4: 1.5, oneSided: 2 } as const;

/**
 * Truncation constant `C_p` for a bound `M_{p+1}` on |f^{(p+1)}| over the whole stencil.
 *
 * Order 2: f(x ± h) = f ± hf′ + h²f″/2 ± h³f‴(ξ±)/6, so (f₊ − f₋)/(2h) − f′ = h²(f‴(ξ₊)+f‴(ξ₋))/12,
 * bounded by h²M₃/6 (the leading term is h²f‴(x)/6: the bound is tight).
 *
 * Order 4: with D(h) = (f₊ − f₋)/(2h) = f′ + h²f‴/6 + h⁴f⁽⁵⁾/120 + …, the Richardson
 * combination (4D(h) − D(2h))/3 cancels h² and leaves the leading term −h⁴f⁽⁵⁾(x)/30. A
 * rigorous bound from the Lagrange remainders of the four nodes is
 * (1·2⁵ + 8·1 + 8·1 + 1·2⁵)·h⁵M₅/(120·12h) = h⁴M₅/18, which is what we use (M₅ is a max
 * over [x−2h, x+2h], so the pointwise constant 1/30 would not be a bound).
 */
export const TRUNCATION_CONSTANT: Readonly<Record<DifferenceOrder, number>> = { 2: 1 / 6, 4: 1 / 18 };

/** Inputs of `differenceError`: the stencil, the function scale and a derivative bound. */
export interface DifferenceErrorInput {
  /** 2 (central) or 4 (Richardson). */
  readonly order: DifferenceOrder;
  /** The step actually used. */
  readonly h: number;
  /** Scale S of the function values on the stencil (see module doc). */
  readonly fScale: number;
  /** Bound M on |f^{(order+1)}| over the stencil [x − 2h, x + 2h]; 0 for a polynomial of degree ≤ order. */
  readonly derivativeBound: number;
  /** Per-evaluation error of f in units of ε·S (default 1: a correctly rounded f). */
  readonly evalUlps?: number;
  /** Size of the derivative itself, for the final division's relative rounding (default 0). */
  readonly derivativeScale?: number;
  readonly precision?: Precision;
}

/** Predicted error split into truncation and rounding parts (each a bound under the model). */
export interface DifferenceErrorEstimate {
  readonly truncation: number;
  readonly rounding: number;
  readonly total: number;
}

/**
 * Error bound of a central (order 2) or Richardson (order 4) difference:
 * `C_p·h^p·M + W_p·evalUlps·ε·S/h + 4ε·|f′|` (truncation, then rounding of the f values, then
 * the relative rounding of the subtraction and division). With the default steps this is
 * ≈ ε^{2/3}(M/6 + S) for order 2 and ≈ ε^{4/5}(M/18 + 1.5·S) for order 4 (|xᵢ| ≤ 1).
 */
export const differenceError = (input: DifferenceErrorInput): DifferenceErrorEstimate => {
  const eps = epsilon(input.precision);
  const evalUlps = input.evalUlps ?? 1;
  const weight = input.order === 2 ? STENCIL_WEIGHT.central2 : STENCIL_WEIGHT.richardson4;
  const truncation = TRUNCATION_CONSTANT[input.order] * input.h ** input.order * input.derivativeBound;
  const rounding =
    (weight * evalUlps * eps * input.fScale) / input.h + 4 * eps * Math.abs(input.derivativeScale ?? 0);
  return { truncation, rounding, total: truncation + rounding };
};

/**
 * Step minimising `differenceError` (with evalUlps = 1): d/dh[C h^p M + W ε S/h] = 0 gives
 * h = (W ε S / (p C M))^{1/(p+1)}, i.e. (3εS/M)^{1/3} for order 2 and (11.25 εS/M)^{1/5}
 * for order 4 (∝ ε^{1/3}, ε^{1/5}: the default steps). Returns ∞ when M = 0.
 */
export const optimalStep = (
  order: DifferenceOrder,
  fScale: number,
  derivativeBound: number,
  precision: Precision = 'float64',
): number => {
  const weight = order === 2 ? STENCIL_WEIGHT.central2 : STENCIL_WEIGHT.richardson4;
  const ratio = (weight * epsilon(precision) * fScale) / (order * TRUNCATION_CONSTANT[order] * derivativeBound);
  return ratio ** (1 / (order + 1));
};

/**
 * Assumed per-evaluation error of a function under test, in ulps of its scale, when nothing
 * better is known: 32 covers a few dozen operations or a well-conditioned small solve.
 */
export const DEFAULT_EVAL_ULPS = 32;

/**
 * Safety factor applied on top of the modelled error in the gradient check's defaults, so a
 * correct gradient passes even when the model's constants are off by an order of magnitude.
 */
export const GRADCHECK_SAFETY = 32;

/**
 * Default absolute tolerance of a gradient-check entry: the rounding part of
 * `differenceError` with `evalUlps = DEFAULT_EVAL_ULPS`, times `GRADCHECK_SAFETY`:
 * `1024·W_p·ε·S/h` (≈ 3.7e-8·S for order 2 and ≈ 4.6e-10·S for order 4 at |xᵢ| ≤ 1).
 * Truncation where f′ ≈ 0 is covered by it too as long as M ≲ 6000·S (order 2).
 */
export const gradcheckAtol = (
  order: DifferenceOrder,
  h: number,
  fScale: number,
  precision: Precision = 'float64',
): number =>
  GRADCHECK_SAFETY *
  differenceError({ order, h, fScale, derivativeBound: 0, evalUlps: DEFAULT_EVAL_ULPS, precision }).rounding;

/**
 * Default relative tolerance of a gradient-check entry: 2¹⁴·ε^{p/(p+1)}, i.e. the relative
 * truncation error C_p·h^p·M/|f′| of the default step (h^p = ε^{p/(p+1)} for |xᵢ| ≤ 1)
 * allowed for derivative ratios M/|f′| up to 2¹⁴/C_p (≈ 1e5 for order 2, ≈ 3e5 for order 4).
 * float64: ≈ 6.0e-7 (order 2), ≈ 4.9e-9 (order 4). In float32 these are too loose to be
 * useful (≈ 0.4 for order 2): pass explicit tolerances there.
 */
export const gradcheckRtol = (order: DifferenceOrder, precision: Precision = 'float64'): number =>
  2 ** 14 * epsilon(precision) ** (order / (order + 1));

/** Safety factor on the curvature term of the default kink tolerance (see `kinkTolerance`). */
export const KINK_CURVATURE_SAFETY = 8;

/**
 * Default kink tolerance for one coordinate: how far the forward and backward differences
 * (step `hKink`) may disagree on a smooth function.
 *
 * For smooth f, right − left = (f(x+h) − 2f(x) + f(x−h))/h = h·f″(x) + O(h³), and the three
 * evaluations (weights 1, 2, 1) contribute rounding ≤ 4·evalUlps·ε·S/h. The curvature f″ is
 * estimated from the *wider* central stencil (step H ≫ hKink), so at a genuine kink of jump
 * Δ the estimate is only ≈ Δ/H and the curvature allowance ≈ 8·Δ·hKink/H stays far below
 * Δ (H/hKink ≈ 400 for order 2, ≈ 5·10⁴ for order 4 at the default steps). Hence
 *
 *     kinkTolerance = 8·hKink·|f″_H| + GRADCHECK_SAFETY·4·DEFAULT_EVAL_ULPS·ε·S/hKink
 *
 * ≈ 8·hKink·|f″| + 1.5e-5·S/max(1,|xᵢ|) at the default √ε step: jumps in the derivative
 * smaller than that are not reported.
 */
export const kinkTolerance = (
  hKink: number,
  fScale: number,
  curvature: number,
  precision: Precision = 'float64',
): number =>
  KINK_CURVATURE_SAFETY * hKink * Math.abs(curvature) +
  (GRADCHECK_SAFETY * 4 * DEFAULT_EVAL_ULPS * epsilon(precision) * fScale) / hKink;
