/**
 * Numbers on the explorable page: the exact float64 value as a plain decimal (the `data-value`
 * attribute, no exponent, parses back to the same double) and a short form for reading.
 */

/**
 * The shortest round-trip decimal of x without an exponent: `String(x)` with any `e±n` moved into
 * the digits (`1e-7` → `0.0000001`, `1.5e+21` → `1500000000000000000000`). `Number(plainDecimal(x)) === x`
 * for every finite x. Non-finite values are `NaN`, `Infinity`, `-Infinity` (never a success value
 * of the library; the page marks them).
 */
export const plainDecimal = (x: number): string => {
  if (!Number.isFinite(x)) return String(x);
  if (Object.is(x, -0)) return '0';
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s.startsWith('-') ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  // position of the decimal point in `digits` after applying the exponent
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
};

/** A short form for reading: 4 significant digits, exponent form outside [1e-3, 1e5). */
export const shortNumber = (x: number, digits = 4): string => {
  if (Number.isNaN(x)) return 'not computable';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e5) return String(x).replace('-', '−');
  const s = a >= 1e-3 && a < 1e5 ? x.toPrecision(digits) : x.toExponential(digits - 1);
  return s.replace('-', '−');
};
