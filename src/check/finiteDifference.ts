/**
 * Finite differences (MATH.md §10): central `(f(x+h) − f(x−h))/(2h)` with
 * `h = ε^{1/3}·max(1,|xᵢ|)`, the 4th-order Richardson formula
 * `(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h))/(12h)` with `h = ε^{1/5}·max(1,|xᵢ|)`, and
 * one-sided differences (step `√ε·max(1,|xᵢ|)`) for kink detection. Error model and step
 * derivations: `tolerance.ts`.
 *
 * Exactly representable steps: the step is replaced by `h = (xᵢ + h) − xᵢ`, so the node
 * `xᵢ + h` is exactly `xᵢ` plus the step used in the denominator. That subtraction is exact
 * (Sterbenz) when |xᵢ| ≥ 2h, which the default steps satisfy for |xᵢ| ≥ 1; the other nodes
 * `xᵢ ± kh` are then exact too unless they cross a power of two. For |xᵢ| < 2h, or at such a
 * crossing, exactness is impossible in general, so every formula divides by the *realised*
 * offsets `fl(xᵢ + t) − xᵢ` (rounded at most once: relative error ≤ ε), and Richardson falls
 * back, for unequal half-widths a₁, a₂, to `(a₂²D(a₁) − a₁²D(a₂))/(a₂² − a₁²)`, which is the
 * formula above when a₂ = 2a₁.
 *
 * Inputs are never mutated: every evaluation point is a fresh copy of `x`, so even a
 * function that writes into its argument cannot change the caller's `x`.
 */
import {
  type DifferenceOrder,
  type Precision,
  differenceStep,
  oneSidedStep,
} from './tolerance.js';

/** A scalar function of a point, f: ℝⁿ → ℝ. */
export type ScalarFn = (x: Readonly<Float64Array>) => number;

/** A vector function of a point, F: ℝⁿ → ℝᵐ (the result's length must be m). */
export type VectorFn = (x: Readonly<Float64Array>) => ArrayLike<number>;

/** Options of the gradient/Jacobian/directional differences. */
export interface DifferenceOptions {
  /** 2: central difference (default); 4: Richardson. */
  readonly order?: DifferenceOrder;
  /** Step for every coordinate (made representable per coordinate); default per `differenceStep`. */
  readonly h?: number;
  /** Precision whose ε sets the default steps (default float64). */
  readonly precision?: Precision;
}

/** One evaluation on a line t ↦ F(x + t·d): the value and the realised offset t. */
export interface LinePoint {
  /** F at the evaluation point (length m). */
  readonly value: ArrayLike<number>;
  /** The realised offset: the step the point actually lies at along the line. */
  readonly offset: number;
  /** Realised displacement `point − x` (directional lines only; computed before F runs). */
  readonly displacement?: Float64Array;
  /** Size of the terms that produced `value` (for the rounding scale), when larger than |value|. */
  readonly magnitude?: number;
}

/** A line through x: `line(t)` evaluates F at (approximately) x + t·d. */
export type Line = (t: number) => LinePoint;

/** The result of a central stencil on a line: derivative, nodes and weights. */
export interface Stencil {
  /** d/dt F(x + t·d) at t = 0, one entry per output (length m). */
  readonly derivative: Float64Array;
  /** Realised half-width of the inner node pair (the step of the formula). */
  readonly h: number;
  /** Evaluated nodes: [+h, −h] (order 2) or [+2h, +h, −h, −2h] (order 4). */
  readonly points: ReadonlyArray<LinePoint>;
  /** Weights w_k with derivative ≈ Σ_k w_k·points[k].value (up to rounding). */
  readonly weights: Float64Array;
  /** The inner nodes [+h, −h], for a curvature estimate. */
  readonly inner: readonly [LinePoint, LinePoint];
}

const checkLength = (value: ArrayLike<number>, m: number, what: string): void => {
  if (value.length !== m) throw new RangeError(`${what} returned length ${value.length}, expected m = ${m}`);
};

const checkCoordinate = (x: Readonly<Float64Array>, i: number): void => {
  if (!Number.isInteger(i) || i < 0 || i >= x.length)
    throw new RangeError(`coordinate index ${i} out of range for x of length ${x.length}`);
  if (!Number.isFinite(x[i])) throw new RangeError(`x[${i}] = ${x[i]} is not finite`);
};

const checkStep = (h: number): void => {
  if (!(h > 0) || !Number.isFinite(h)) throw new RangeError(`step h must be positive and finite, got ${h}`);
};

/** The representable step `(xᵢ + h) − xᵢ`, exact when |xᵢ| ≥ 2h (throws if it vanishes at this xᵢ). */
export const representableStep = (xi: number, h: number): number => {
  checkStep(h);
  const step = xi + h - xi;
  if (!(step > 0)) throw new RangeError(`step h = ${h} vanishes at x = ${xi} (below half an ulp)`);
  return step;
};

/** The line t ↦ F(x + t·eᵢ) along coordinate i, with realised offsets fl(xᵢ + t) − xᵢ. */
export const coordinateLine = (F: VectorFn, x: Readonly<Float64Array>, i: number): Line => {
  checkCoordinate(x, i);
  const xi = x[i];
  return (t: number): LinePoint => {
    const xt = xi + t;
    const y = x.slice();
    y[i] = xt;
    // copy the result: F may reuse one output buffer across calls
    return { value: Float64Array.from(F(y)), offset: xt - xi };
  };
};

/**
 * The line t ↦ F(x + t·v) along direction v: nominal offsets t, realised displacement
 * vectors fl(x + t·v) − x (they differ from t·v by at most half an ulp of each coordinate).
 */
export const directionLine = (F: VectorFn, x: Readonly<Float64Array>, v: Readonly<Float64Array>): Line => {
  if (v.length !== x.length) throw new RangeError(`direction length ${v.length} ≠ x length ${x.length}`);
  return (t: number): LinePoint => {
    const n = x.length;
    const y = new Float64Array(n);
    const displacement = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      y[k] = x[k] + t * v[k];
      displacement[k] = y[k] - x[k];
    }
    return { value: Float64Array.from(F(y)), offset: t, displacement };
  };
};

/** Central (order 2) or Richardson (order 4) stencil with step h on a line of m outputs. */
export const stencilAlongLine = (line: Line, m: number, order: DifferenceOrder, h: number): Stencil => {
  checkStep(h);
  const derivative = new Float64Array(m);
  if (order === 2) {
    const p = line(h);
    const q = line(-h);
    checkLength(p.value, m, 'function');
    checkLength(q.value, m, 'function');
    const den = p.offset - q.offset;
    if (!(den > 0)) throw new RangeError(`step h = ${h} vanishes on this line`);
    for (let j = 0; j < m; j++) derivative[j] = (p.value[j] - q.value[j]) / den;
    return { derivative, h: den / 2, points: [p, q], weights: Float64Array.of(1 / den, -1 / den), inner: [p, q] };
  }
  const p2 = line(2 * h);
  const p1 = line(h);
  const m1 = line(-h);
  const m2 = line(-2 * h);
  for (const pt of [p2, p1, m1, m2]) checkLength(pt.value, m, 'function');
  const points = [p2, p1, m1, m2];
  if (p1.offset === h && m1.offset === -h && p2.offset === 2 * h && m2.offset === -2 * h) {
    // equispaced nodes: the textbook formula
    const den = 12 * h;
    for (let j = 0; j < m; j++)
      derivative[j] = (-p2.value[j] + 8 * p1.value[j] - 8 * m1.value[j] + m2.value[j]) / den;
    const weights = Float64Array.of(-1 / den, 8 / den, -8 / den, 1 / den);
    return { derivative, h, points, weights, inner: [p1, m1] };
  }
  // unequal realised half-widths: Richardson on the realised a₁, a₂
  const a1 = (p1.offset - m1.offset) / 2;
  const a2 = (p2.offset - m2.offset) / 2;
  if (!(a1 > 0 && a2 > a1)) throw new RangeError(`step h = ${h} vanishes on this line`);
  const s = a2 * a2 - a1 * a1;
  const w1 = (a2 * a2) / (s * 2 * a1);
  const w2 = (a1 * a1) / (s * 2 * a2);
  for (let j = 0; j < m; j++)
    derivative[j] = w1 * (p1.value[j] - m1.value[j]) - w2 * (p2.value[j] - m2.value[j]);
  return { derivative, h: a1, points, weights: Float64Array.of(-w2, w1, -w1, w2), inner: [p1, m1] };
};

const scalarized = (f: ScalarFn): VectorFn => (y) => [f(y)];

/** Central difference ∂f/∂xᵢ ≈ (f(x+h) − f(x−h))/(2h), default h = ε^{1/3}·max(1,|xᵢ|). */
export const centralDifference = (f: ScalarFn, x: Readonly<Float64Array>, i: number, h?: number): number => {
  checkCoordinate(x, i);
  const step = representableStep(x[i], h ?? differenceStep(2, x[i]));
  return stencilAlongLine(coordinateLine(scalarized(f), x, i), 1, 2, step).derivative[0];
};

/** Richardson ∂f/∂xᵢ ≈ (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h))/(12h), default h = ε^{1/5}·max(1,|xᵢ|). */
export const richardsonDifference = (f: ScalarFn, x: Readonly<Float64Array>, i: number, h?: number): number => {
  checkCoordinate(x, i);
  const step = representableStep(x[i], h ?? differenceStep(4, x[i]));
  return stencilAlongLine(coordinateLine(scalarized(f), x, i), 1, 4, step).derivative[0];
};

/** Forward (right) difference (f(x+h) − f(x))/h, default h = √ε·max(1,|xᵢ|). */
export const forwardDifference = (f: ScalarFn, x: Readonly<Float64Array>, i: number, h?: number): number => {
  checkCoordinate(x, i);
  const line = coordinateLine(scalarized(f), x, i);
  const right = line(h ?? oneSidedStep(x[i]));
  if (!(right.offset > 0)) throw new RangeError(`step h = ${h} vanishes at x = ${x[i]}`);
  return (right.value[0] - f(x.slice())) / right.offset;
};

/** Backward (left) difference (f(x) − f(x−h))/h, default h = √ε·max(1,|xᵢ|). */
export const backwardDifference = (f: ScalarFn, x: Readonly<Float64Array>, i: number, h?: number): number => {
  checkCoordinate(x, i);
  const line = coordinateLine(scalarized(f), x, i);
  const left = line(-(h ?? oneSidedStep(x[i])));
  if (!(left.offset < 0)) throw new RangeError(`step h = ${h} vanishes at x = ${x[i]}`);
  return (f(x.slice()) - left.value[0]) / -left.offset;
};

/** Numeric gradient ∇f(x) by central (order 2, default) or Richardson (order 4) differences. */
export const numericGradient = (
  f: ScalarFn,
  x: Readonly<Float64Array>,
  opts: DifferenceOptions = {},
): Float64Array => numericJacobian(scalarized(f), x, 1, opts);

/** Numeric Jacobian of F: ℝⁿ → ℝᵐ, row-major m×n with entry (j, i) = ∂F_j/∂x_i. */
export const numericJacobian = (
  F: VectorFn,
  x: Readonly<Float64Array>,
  m: number,
  opts: DifferenceOptions = {},
): Float64Array => {
  const order = opts.order ?? 2;
  const n = x.length;
  const jac = new Float64Array(m * n);
  for (let i = 0; i < n; i++) {
    checkCoordinate(x, i);
    const step = representableStep(x[i], opts.h ?? differenceStep(order, x[i], opts.precision));
    const { derivative } = stencilAlongLine(coordinateLine(F, x, i), m, order, step);
    for (let j = 0; j < m; j++) jac[j * n + i] = derivative[j];
  }
  return jac;
};

/**
 * Directional derivative d/dt F(x + t·v) at t = 0 (length m), default step
 * `differenceStep(order, ‖x‖∞)`. The nodes x + t·v are rounded per coordinate, an error of
 * order ε·‖x‖∞·‖∇F‖/h (the gradient check's projection mode corrects for it exactly).
 */
export const directionalDifference = (
  F: VectorFn,
  x: Readonly<Float64Array>,
  v: Readonly<Float64Array>,
  m: number,
  opts: DifferenceOptions = {},
): Float64Array => {
  const order = opts.order ?? 2;
  let xmax = 0;
  for (let k = 0; k < x.length; k++) xmax = Math.max(xmax, Math.abs(x[k]));
  const h = opts.h ?? differenceStep(order, xmax, opts.precision);
  return stencilAlongLine(directionLine(F, x, v), m, order, h).derivative;
};
