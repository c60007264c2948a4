import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fcParams } from '../support/fcParams.js';
import {
  EPS32,
  EPS64,
  TOLERANCE,
  allowedError,
  differenceError,
  differenceStep,
  epsilon,
  gamma,
  gradcheckAtol,
  gradcheckRtol,
  isClose,
  kinkTolerance,
  oneSidedStep,
  optimalStep,
  scaleOf,
  ulps,
} from '../../src/check/tolerance.js';

/** Exact sum of doubles (Shewchuk's expansion sum), the oracle for γₙ. */
const exactSum = (xs: ReadonlyArray<number>): number => {
  const partials: number[] = [];
  for (let x of xs) {
    let k = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[k++] = lo;
      x = hi;
    }
    partials.length = k;
    partials.push(x);
  }
  return partials.reduce((a, b) => a + b, 0);
};

describe('machine epsilon', () => {
  it('EPS64 is the float64 spacing at 1', () => {
    expect(EPS64).toBe(Number.EPSILON);
    expect(1 + EPS64).not.toBe(1);
    expect(1 + EPS64 / 2).toBe(1); // ties to even
    expect(epsilon('float64')).toBe(EPS64);
  });
  it('EPS32 is the float32 spacing at 1', () => {
    expect(Math.fround(1 + EPS32)).not.toBe(1);
    expect(Math.fround(1 + EPS32 / 2)).toBe(1);
    expect(epsilon('float32')).toBe(EPS32);
    expect(ulps(3, 'float32')).toBe(3 * EPS32);
  });
});

describe('gamma (Higham γₙ)', () => {
  it('is nε/(1−nε) and refuses nε ≥ 1', () => {
    expect(gamma(0)).toBe(0);
    expect(gamma(1)).toBeCloseTo(EPS64, 30);
    expect(gamma(10, 'float32')).toBeCloseTo((10 * EPS32) / (1 - 10 * EPS32), 15);
    expect(() => gamma(2 ** 23, 'float32')).toThrow(RangeError);
    expect(() => gamma(-1)).toThrow(RangeError);
  });

  it('bounds the error of a recursive float64 sum: |ŝ − s| ≤ γₙ₋₁·Σ|xᵢ|', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 200 }),
        (xs) => {
          const naive = xs.reduce((a, b) => a + b, 0);
          const exact = exactSum(xs);
          const absSum = xs.reduce((a, b) => a + Math.abs(b), 0);
          expect(Math.abs(naive - exact)).toBeLessThanOrEqual(gamma(xs.length - 1) * absSum);
        },
      ),
      fcParams(200),
    );
  });

  it('bounds the error of a float32 recursive sum (Math.fround after every addition)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 300 }),
        (xs) => {
          let s32 = 0;
          for (const x of xs) s32 = Math.fround(s32 + x);
          const exact = exactSum(xs);
          const absSum = xs.reduce((a, b) => a + Math.abs(b), 0);
          expect(Math.abs(s32 - exact)).toBeLessThanOrEqual(gamma(xs.length - 1, 'float32') * absSum);
        },
      ),
      fcParams(200),
    );
  });
});

describe('TOLERANCE keyed by precision', () => {
  it('is stated in units of ε: 2⁸ε (float64), 2¹³ε₃₂ ≈ 1e-3 (float32)', () => {
    expect(TOLERANCE.float64.rtol).toBe(256 * EPS64);
    expect(TOLERANCE.float32.rtol).toBe(8192 * EPS32);
    expect(TOLERANCE.float32.rtol).toBeGreaterThan(9e-4);
    expect(TOLERANCE.float32.rtol).toBeLessThan(1e-3);
  });

  it('float32 tolerance covers a float32 recomputation of a softmax (what gpu.js kernels do)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 }),
        (logits) => {
          const mx = Math.max(...logits);
          const e64 = logits.map((l) => Math.exp(l - mx));
          const z64 = e64.reduce((a, b) => a + b, 0);
          const f = Math.fround;
          const mx32 = f(Math.max(...logits.map(f)));
          const e32 = logits.map((l) => f(Math.exp(f(f(l) - mx32))));
          let z32 = 0;
          for (const e of e32) z32 = f(z32 + e);
          logits.forEach((_, k) => {
            expect(isClose(f(e32[k] / z32), e64[k] / z64, TOLERANCE.float32)).toBe(true);
          });
        },
      ),
      fcParams(200),
    );
  });

  it('isClose is |a − e| ≤ atol + rtol·|e| and false on NaN', () => {
    const tol = { rtol: 1e-3, atol: 1e-6 };
    expect(allowedError(-2, tol)).toBe(1e-6 + 2e-3);
    expect(isClose(1.0009, 1, tol)).toBe(true);
    expect(isClose(1.0011, 1, tol)).toBe(false);
    expect(isClose(NaN, 1, tol)).toBe(false);
    expect(isClose(1, NaN, tol)).toBe(false);
  });

  it('scaleOf is max(1, |v|…)', () => {
    expect(scaleOf()).toBe(1);
    expect(scaleOf(0.5, -0.2)).toBe(1);
    expect(scaleOf(3, -7)).toBe(7);
    expect(scaleOf(1, NaN)).toBeNaN();
  });
});

describe('finite-difference error model', () => {
  it('default steps are ε^{1/3}·max(1,|x|), ε^{1/5}·max(1,|x|), √ε·max(1,|x|)', () => {
    expect(differenceStep(2, 0)).toBeCloseTo(6.0555e-6, 9);
    expect(differenceStep(4, 0.5)).toBeCloseTo(7.4009e-4, 7);
    expect(differenceStep(2, -1000)).toBeCloseTo(1000 * EPS64 ** (1 / 3), 12);
    expect(oneSidedStep(0)).toBe(Math.sqrt(EPS64));
    expect(oneSidedStep(-8, 'float32')).toBe(8 * Math.sqrt(EPS32));
  });

  it('optimalStep minimises the modelled error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2 as const, 4 as const),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true, noDefaultInfinity: true }),
        (order, fScale, derivativeBound) => {
          const hStar = optimalStep(order, fScale, derivativeBound);
          const total = (h: number): number => differenceError({ order, h, fScale, derivativeBound }).total;
          for (const k of [0.5, 0.9, 1.1, 2]) expect(total(hStar)).toBeLessThanOrEqual(total(hStar * k) * (1 + 1e-12));
          // at the optimum truncation = rounding / p  (d/dh of C h^p M + W ε S/h vanishes)
          const e = differenceError({ order, h: hStar, fScale, derivativeBound });
          expect(e.truncation * order).toBeCloseTo(e.rounding, 12);
        },
      ),
      fcParams(100),
    );
  });

  it('the default steps are the optimal steps up to an O(1) factor when S = M = 1', () => {
    for (const order of [2, 4] as const) {
      const ratio = differenceStep(order, 0) / optimalStep(order, 1, 1);
      expect(ratio).toBeGreaterThan(0.4);
      expect(ratio).toBeLessThan(1.2);
    }
    expect(optimalStep(2, 1, 0)).toBe(Infinity);
  });

  it('at the default steps the error is ≈ ε^{2/3} (order 2) and ≈ ε^{4/5} (order 4)', () => {
    const e2 = differenceError({ order: 2, h: differenceStep(2, 0), fScale: 1, derivativeBound: 1 }).total;
    const e4 = differenceError({ order: 4, h: differenceStep(4, 0), fScale: 1, derivativeBound: 1 }).total;
    expect(e2 / EPS64 ** (2 / 3)).toBeCloseTo(1 / 6 + 1, 10);
    expect(e4 / EPS64 ** (4 / 5)).toBeCloseTo(1 / 18 + 1.5, 10);
    expect(e2 / e4).toBeGreaterThan(40); // MATH.md §10: 4th order is 40–80× more accurate
  });

  it('gradcheck defaults are derived from the model', () => {
    expect(gradcheckRtol(2)).toBeCloseTo(2 ** 14 * EPS64 ** (2 / 3), 20);
    expect(gradcheckRtol(2)).toBeLessThan(1e-6);
    expect(gradcheckRtol(4)).toBeLessThan(1e-8);
    const h = differenceStep(2, 0);
    expect(gradcheckAtol(2, h, 1)).toBeCloseTo((1024 * EPS64) / h, 20);
    expect(gradcheckAtol(4, differenceStep(4, 0), 10)).toBeCloseTo((1024 * 1.5 * EPS64 * 10) / differenceStep(4, 0), 20);
    // kink tolerance: curvature term + rounding term
    expect(kinkTolerance(1e-8, 2, 3)).toBeCloseTo(8 * 1e-8 * 3 + (32 * 4 * 32 * EPS64 * 2) / 1e-8, 20);
  });
});
