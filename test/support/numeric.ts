/**
 * Elementary norms and differences shared by the numeric tests. Nothing here computes a quantity
 * under test. Every helper propagates NaN (a NaN entry makes the result NaN), so an assertion
 * `≤ tol` on it fails rather than passing silently.
 */
import { EPS64 } from '../../src/check/tolerance.js';

/** Machine epsilon of float64, 2⁻⁵² (`EPS64` of `src/check/tolerance.ts`). */
export const EPS = EPS64;

/** `‖x‖∞ = max_i |x_i|` (0 for an empty vector). */
export const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** `‖x − y‖∞`; throws a RangeError when the lengths differ. */
export const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  if (x.length !== y.length) throw new RangeError(`length ${x.length} ≠ ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};

/** `‖x‖₂`. */
export const norm2 = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
};
