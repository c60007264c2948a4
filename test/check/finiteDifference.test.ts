import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bounded, boundedVector } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import {
  backwardDifference,
  centralDifference,
  directionalDifference,
  forwardDifference,
  numericGradient,
  numericJacobian,
  representableStep,
  richardsonDifference,
} from '../../src/check/finiteDifference.js';
import { EPS64, type DifferenceOrder, differenceError, differenceStep } from '../../src/check/tolerance.js';

type Vec = Readonly<Float64Array>;

/**
 * A test function with its known gradient and, per coordinate, what the error model needs:
 * a bound on |∂ᵢ^{p+1} f| over the stencil [xᵢ − 2h, xᵢ + 2h], the scale S of the terms of f
 * there, and the evaluation error of f in ulps of S.
 */
interface Known {
  readonly name: string;
  readonly n: number;
  readonly f: (x: Vec) => number;
  readonly grad: (x: Vec) => Float64Array;
  readonly model: (x: Vec, i: number, order: DifferenceOrder, h: number) => { bound: number; scale: number; evalUlps: number };
}

/** Vectors with entries ±[lo, hi]. */
const awayFromZero = (n: number, lo: number, hi: number) =>
  fc.array(fc.tuple(bounded(lo, hi), fc.boolean()), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a, ([m, neg]) => (neg ? -m : m)));

/** p(x) = a·x₀⁴ + b·x₀x₁² + c·x₁x₂³ + d·x₂ (∂ᵢ⁵p = 0, so order 4 is exact up to rounding). */
const polynomial = (a: number, b: number, c: number, d: number): Known => ({
  name: 'polynomial',
  n: 3,
  f: (x) => a * (x[0] * x[0] * x[0] * x[0]) + b * x[0] * (x[1] * x[1]) + c * x[1] * (x[2] * x[2] * x[2]) + d * x[2],
  grad: (x) =>
    Float64Array.of(
      4 * a * x[0] * x[0] * x[0] + b * x[1] * x[1],
      2 * b * x[0] * x[1] + c * x[2] * x[2] * x[2],
      3 * c * x[1] * x[2] * x[2] + d,
    ),
  model: (x, i, order, h) => {
    const w = Array.from(x, (v) => Math.abs(v) + 2 * h); // widened to cover the stencil
    const third = [24 * Math.abs(a) * w[0], 0, 6 * Math.abs(c * x[1])][i];
    const scale = Math.max(
      1,
      Math.abs(a) * w[0] ** 4 + Math.abs(b) * w[0] * w[1] ** 2 + Math.abs(c) * w[1] * w[2] ** 3 + Math.abs(d) * w[2],
    );
    return { bound: order === 2 ? third : 0, scale, evalUlps: 8 };
  },
});

/** exp(wᵀx): ∂ᵢᵏ f = wᵢᵏ f. */
const expLinear = (w: Vec): Known => ({
  name: 'exp',
  n: w.length,
  f: (x) => Math.exp(x.reduce((s, xi, k) => s + w[k] * xi, 0)),
  grad: (x) => {
    const e = Math.exp(x.reduce((s, xi, k) => s + w[k] * xi, 0));
    return Float64Array.from(w, (wk) => wk * e);
  },
  model: (x, i, order, h) => {
    const top = Math.exp(x.reduce((s, xi, k) => s + w[k] * xi, 0) + 2 * h * Math.abs(w[i]));
    // the exponent's rounding (≤ (n+1)·Σ|wₖxₖ| ulps) becomes a relative error of f
    const argUlps = (w.length + 1) * w.reduce((s, wk, k) => s + Math.abs(wk) * (Math.abs(x[k]) + 2 * h), 0);
    return { bound: Math.abs(w[i]) ** (order + 1) * top, scale: Math.max(1, top), evalUlps: 2 + argUlps };
  },
});

/** log Σ exp(xⱼ) (stable): along xᵢ it is log(e^t + C), whose derivatives are σ and σ's. */
const logSumExp = (n: number): Known => {
  const lse = (x: Vec): number => {
    const m = Math.max(...x);
    return m + Math.log(x.reduce((s, xi) => s + Math.exp(xi - m), 0));
  };
  return {
    name: 'logSumExp',
    n,
    f: lse,
    grad: (x) => {
      const l = lse(x);
      return Float64Array.from(x, (xi) => Math.exp(xi - l));
    },
    model: (x, _i, order, h) => {
      // max|σ″| = 1/(6√3) ≈ 0.0962 bounds ∂ᵢ³, max|σ⁗| ≈ 0.1277 bounds ∂ᵢ⁵
      const range = Math.max(...x) - Math.min(...x) + 2 * h;
      return { bound: order === 2 ? 0.0963 : 0.128, scale: Math.max(1, Math.abs(lse(x)) + 2 * h), evalUlps: 4 + n * (1 + range) };
    },
  };
};

/** Πⱼ sin(aⱼxⱼ)·cos(bⱼxⱼ); along xᵢ a factor ½[sin((a+b)t) + sin((a−b)t)] times |·| ≤ 1. */
const sinCos = (a: Vec, b: Vec): Known => {
  const n = a.length;
  const factor = (x: Vec, j: number): number => Math.sin(a[j] * x[j]) * Math.cos(b[j] * x[j]);
  const dFactor = (x: Vec, j: number): number =>
    a[j] * Math.cos(a[j] * x[j]) * Math.cos(b[j] * x[j]) - b[j] * Math.sin(a[j] * x[j]) * Math.sin(b[j] * x[j]);
  return {
    name: 'sinCos',
    n,
    f: (x) => {
      let p = 1;
      for (let j = 0; j < n; j++) p *= factor(x, j);
      return p;
    },
    grad: (x) =>
      Float64Array.from({ length: n }, (_, i) => {
        let p = dFactor(x, i);
        for (let j = 0; j < n; j++) if (j !== i) p *= factor(x, j);
        return p;
      }),
    model: (x, i, order, h) => {
      const k = order + 1;
      const bound = (Math.abs(a[i] + b[i]) ** k + Math.abs(a[i] - b[i]) ** k) / 2;
      let argUlps = 0;
      for (let j = 0; j < n; j++) argUlps += (Math.abs(a[j]) + Math.abs(b[j])) * (Math.abs(x[j]) + 2 * h);
      return { bound, scale: 1, evalUlps: 6 * n + argUlps };
    },
  };
};

/** Arbitrary (function, point) pairs from the four families, on bounded domains. */
const knownAtPoint: fc.Arbitrary<{ known: Known; x: Float64Array }> = fc.oneof(
  fc
    .tuple(bounded(-2, 2), bounded(-2, 2), bounded(-2, 2), bounded(-2, 2), boundedVector(3, -2, 2))
    .map(([a, b, c, d, x]) => ({ known: polynomial(a, b, c, d), x })),
  fc.tuple(boundedVector(3, -1, 1), boundedVector(3, -1.5, 1.5)).map(([w, x]) => ({ known: expLinear(w), x })),
  fc.tuple(fc.integer({ min: 1, max: 5 }), boundedVector(5, -3, 3)).map(([n, x]) => ({ known: logSumExp(n), x: x.slice(0, n) })),
  fc.tuple(boundedVector(3, -3, 3), boundedVector(3, -3, 3), boundedVector(3, -2, 2)).map(([a, b, x]) => ({ known: sinCos(a, b), x })),
);

const derivedTolerance = (known: Known, x: Vec, i: number, order: DifferenceOrder, grad: number): number => {
  const h = representableStep(x[i], differenceStep(order, x[i]));
  const { bound, scale, evalUlps } = known.model(x, i, order, h);
  // a factor 2 on top of the model: the evalUlps figures are estimates, not proofs
  return 2 * differenceError({ order, h, fScale: scale, derivativeBound: bound, evalUlps, derivativeScale: grad }).total;
};

describe('numericGradient matches known gradients within the derived tolerance', () => {
  for (const order of [2, 4] as const) {
    it(`order ${order}`, () => {
      fc.assert(
        fc.property(knownAtPoint, ({ known, x }) => {
          const numeric = numericGradient(known.f, x, { order });
          const exact = known.grad(x);
          for (let i = 0; i < known.n; i++) {
            const tol = derivedTolerance(known, x, i, order, exact[i]);
            // the derived tolerance is meaningful, not a blanket allowance
            expect(tol).toBeLessThan(order === 2 ? 1e-6 : 1e-8);
            expect(Math.abs(numeric[i] - exact[i]), `${known.name} ∂${i} at ${x}`).toBeLessThanOrEqual(tol);
          }
        }),
        fcParams(300),
      );
    });
  }

  it('per-coordinate centralDifference / richardsonDifference agree with numericGradient bit for bit', () => {
    fc.assert(
      fc.property(knownAtPoint, ({ known, x }) => {
        const g2 = numericGradient(known.f, x);
        const g4 = numericGradient(known.f, x, { order: 4 });
        for (let i = 0; i < known.n; i++) {
          expect(centralDifference(known.f, x, i)).toBe(g2[i]);
          expect(richardsonDifference(known.f, x, i)).toBe(g4[i]);
        }
      }),
      fcParams(100),
    );
  });
});

describe('4th order (Richardson) is markedly more accurate than 2nd order', () => {
  it('RMS error over a grid is ≥ 10× smaller on smooth functions', () => {
    fc.assert(
      fc.property(
        // coefficients bounded away from 0: otherwise f is flat at the scale of h and both
        // orders see only rounding noise; and |a ± b| ≤ 4 keeps order 4 out of its own
        // truncation regime (ratio ≈ 600/ω² when truncation dominates both)
        fc.oneof(
          fc.tuple(awayFromZero(3, 0.3, 2), awayFromZero(3, 0.3, 2)).map(([a, b]) => sinCos(a, b)),
          awayFromZero(3, 0.2, 1).map((w) => expLinear(w)),
        ),
        boundedVector(3, -1, 1),
        (known, base) => {
          let se2 = 0;
          let se4 = 0;
          for (let k = 0; k < 40; k++) {
            // stay in |xᵢ| ≤ 1: beyond, h ∝ |xᵢ| grows and an oscillating f puts both
            // formulas in their truncation regime (the step rule assumes f varies on the scale |x|)
            const x = base.map((b, j) => ((b + 1 + 0.05 * k * (j + 1)) % 2) - 1);
            const exact = known.grad(x);
            const g2 = numericGradient(known.f, x, { order: 2 });
            const g4 = numericGradient(known.f, x, { order: 4 });
            for (let i = 0; i < known.n; i++) {
              se2 += (g2[i] - exact[i]) ** 2;
              se4 += (g4[i] - exact[i]) ** 2;
            }
          }
          if (se2 === 0) return; // nothing to improve on (e.g. w = 0)
          expect(Math.sqrt(se2 / se4)).toBeGreaterThanOrEqual(10);
        },
      ),
      fcParams(100),
    );
  });
});

describe('exactly representable steps', () => {
  it('(x + h) − x is exact when |x| ≥ 2h: x + representableStep(x, h) lands on the rounded node', () => {
    fc.assert(
      fc.property(bounded(-1e6, 1e6), bounded(1e-10, 0.5), (x, rel) => {
        const h = rel * Math.abs(x);
        fc.pre(h > 0 && x + h !== x);
        const step = representableStep(x, h);
        expect(x + step - x).toBe(step);
        expect(x + step).toBe(x + h);
        // the mirrored node is exact too when it moves toward 0 (same binade or below)
        if (x > 0) expect(x - step - x).toBe(-step);
      }),
      fcParams(300),
    );
  });

  it('the derivative of xᵢ is exactly 1 (central, forward, backward) and 1 to the derived rounding (Richardson)', () => {
    fc.assert(
      fc.property(boundedVector(3, -1e4, 1e4), fc.integer({ min: 0, max: 2 }), (x, i) => {
        const f = (y: Vec): number => y[i];
        // exact when the offsets fl(xᵢ ± h) − xᵢ are exact, i.e. |xᵢ| ≥ 2h; for tiny |xᵢ| the
        // offsets are rounded once (relative error ≤ ε)
        const exactOffsets = Math.abs(x[i]) >= 2 * differenceStep(2, x[i]);
        const tol1 = exactOffsets ? 0 : 2 * EPS64;
        expect(Math.abs(centralDifference(f, x, i) - 1)).toBeLessThanOrEqual(tol1);
        expect(forwardDifference(f, x, i)).toBe(1);
        expect(backwardDifference(f, x, i)).toBe(1);
        // the values are exact; only the combination's own rounding remains (evalUlps = 1)
        const h = representableStep(x[i], differenceStep(4, x[i]));
        const tol = differenceError({ order: 4, h, fScale: Math.max(1, Math.abs(x[i]) + 2 * h), derivativeBound: 0, derivativeScale: 1 }).total;
        expect(Math.abs(richardsonDifference(f, x, i) - 1)).toBeLessThanOrEqual(tol);
      }),
      fcParams(300),
    );
  });

  it('rejects steps that vanish at xᵢ and bad indices', () => {
    const x = Float64Array.of(1e20, 0);
    const f = (y: Vec): number => y[0] + y[1];
    expect(() => centralDifference(f, x, 0, 1)).toThrow(RangeError);
    expect(() => centralDifference(f, x, 1, 0)).toThrow(RangeError);
    expect(() => centralDifference(f, x, 1, -1)).toThrow(RangeError);
    expect(() => richardsonDifference(f, x, 2)).toThrow(RangeError);
    expect(() => forwardDifference(f, Float64Array.of(NaN), 0)).toThrow(RangeError);
  });
});

describe('numericJacobian', () => {
  /** F: ℝ³ → ℝ², F₀ = x₀x₁ + x₂, F₁ = x₀² − 3x₁x₂ (each at most quadratic per coordinate). */
  const F = (x: Vec): Float64Array => Float64Array.of(x[0] * x[1] + x[2], x[0] * x[0] - 3 * x[1] * x[2]);
  const J = (x: Vec): Float64Array => Float64Array.of(x[1], x[0], 1, 2 * x[0], -3 * x[2], -3 * x[1]);

  it('is row-major m×n with entry (j, i) = ∂F_j/∂x_i, within the rounding-only tolerance', () => {
    fc.assert(
      fc.property(boundedVector(3, -10, 10), fc.constantFrom(2 as const, 4 as const), (x, order) => {
        const jac = numericJacobian(F, x, 2, { order });
        const exact = J(x);
        expect(jac.length).toBe(6);
        for (let j = 0; j < 2; j++)
          for (let i = 0; i < 3; i++) {
            const h = representableStep(x[i], differenceStep(order, x[i]));
            const w = Array.from(x, (v) => Math.abs(v) + 2 * h);
            const scale = Math.max(1, w[0] * w[1] + w[2], w[0] * w[0] + 3 * w[1] * w[2]);
            // third derivatives along each coordinate vanish: only rounding remains
            const tol = 2 * differenceError({ order, h, fScale: scale, derivativeBound: 0, evalUlps: 4, derivativeScale: exact[j * 3 + i] }).total;
            expect(Math.abs(jac[j * 3 + i] - exact[j * 3 + i])).toBeLessThanOrEqual(tol);
          }
      }),
      fcParams(200),
    );
  });

  it('checks the output length', () => {
    expect(() => numericJacobian(F, Float64Array.of(1, 2, 3), 3)).toThrow(RangeError);
  });

  it('copes with a function that reuses one output buffer', () => {
    const buf = new Float64Array(2);
    const G = (x: Vec): Float64Array => {
      buf[0] = x[0] * x[1] + x[2];
      buf[1] = x[0] * x[0] - 3 * x[1] * x[2];
      return buf;
    };
    const x = Float64Array.of(0.3, -0.7, 1.1);
    expect(Array.from(numericJacobian(G, x, 2))).toEqual(Array.from(numericJacobian(F, x, 2)));
  });

  it('directionalDifference ≈ J·v', () => {
    fc.assert(
      fc.property(boundedVector(3, -5, 5), boundedVector(3, -1, 1), (x, v) => {
        const d = directionalDifference(F, x, v, 2, { order: 4 });
        const jac = J(x);
        for (let j = 0; j < 2; j++) {
          const jv = jac[3 * j] * v[0] + jac[3 * j + 1] * v[1] + jac[3 * j + 2] * v[2];
          expect(Math.abs(d[j] - jv)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(jv)) * 100);
        }
      }),
      fcParams(100),
    );
  });
});

describe('one-sided differences', () => {
  it('see both sides of |x| at 0', () => {
    const f = (y: Vec): number => Math.abs(y[0]);
    const x = Float64Array.of(0);
    expect(forwardDifference(f, x, 0)).toBe(1);
    expect(backwardDifference(f, x, 0)).toBe(-1);
    expect(centralDifference(f, x, 0)).toBe(0);
  });

  it('on a smooth function differ by ≈ h·f″ (forward − backward), within the first-order error', () => {
    fc.assert(
      fc.property(bounded(-2, 2), (t) => {
        const f = (y: Vec): number => Math.exp(y[0]);
        const x = Float64Array.of(t);
        const h = Math.sqrt(EPS64) * Math.max(1, Math.abs(t));
        const fw = forwardDifference(f, x, 0);
        const bw = backwardDifference(f, x, 0);
        const top = Math.exp(t + h);
        // |D± − f′| ≤ h·M₂/2 + 2·ε·S/h (two evaluations, ~1 ulp each) — with factor 2 margin
        const tol = 2 * ((h * top) / 2 + (2 * 2 * EPS64 * Math.max(1, top)) / h);
        expect(Math.abs(fw - Math.exp(t))).toBeLessThanOrEqual(tol);
        expect(Math.abs(bw - Math.exp(t))).toBeLessThanOrEqual(tol);
      }),
      fcParams(200),
    );
  });
});

describe('inputs are never mutated', () => {
  it('x is unchanged even when f writes into its argument', () => {
    fc.assert(
      fc.property(knownAtPoint, fc.constantFrom(2 as const, 4 as const), ({ known, x }, order) => {
        const before = Array.from(x);
        const vandal = (y: Vec): number => {
          const v = known.f(y);
          (y as Float64Array).fill(NaN); // a badly behaved f
          return v;
        };
        const g = numericGradient(vandal, x, { order });
        expect(Array.from(x)).toEqual(before);
        expect(Array.from(g)).toEqual(Array.from(numericGradient(known.f, x, { order })));
        forwardDifference(vandal, x, 0);
        backwardDifference(vandal, x, 0);
        numericJacobian((y) => [vandal(y)], x, 1, { order });
        directionalDifference((y) => [vandal(y)], x, x.map(() => 1), 1);
        expect(Array.from(x)).toEqual(before);
      }),
      fcParams(50),
    );
  });
});
