import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bounded, boundedVector } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import {
  type GradcheckReport,
  formatGradcheckReport,
  gradcheck,
  jacobianCheck,
  projectionCheck,
} from '../../src/check/gradcheck.js';
import { makeRng } from '../../src/random/rng.js';

type Vec = Readonly<Float64Array>;

interface Smooth {
  readonly name: string;
  readonly f: (x: Vec) => number;
  readonly grad: (x: Vec) => Float64Array;
}


const dot = (w: Vec, x: Vec): number => x.reduce((s, xi, k) => s + w[k] * xi, 0);

const polynomial = (c: Vec): Smooth => ({
  name: 'polynomial',
  f: (x) => c[0] * x[0] ** 4 + c[1] * x[0] * x[1] ** 2 + c[2] * x[1] * x[2] ** 3 + c[3] * x[2],
  grad: (x) =>
    Float64Array.of(
      4 * c[0] * x[0] ** 3 + c[1] * x[1] ** 2,
      2 * c[1] * x[0] * x[1] + c[2] * x[2] ** 3,
      3 * c[2] * x[1] * x[2] ** 2 + c[3],
    ),
});
const expLinear = (w: Vec): Smooth => ({
  name: 'exp',
  f: (x) => Math.exp(dot(w, x)),
  grad: (x) => Float64Array.from(w, (wk) => wk * Math.exp(dot(w, x))),
});
const logSumExp: Smooth = {
  name: 'logSumExp',
  f: (x) => {
    const m = Math.max(...x);
    return m + Math.log(x.reduce((s, xi) => s + Math.exp(xi - m), 0));
  },
  grad: (x) => {
    const m = Math.max(...x);
    const z = x.reduce((s, xi) => s + Math.exp(xi - m), 0);
    return Float64Array.from(x, (xi) => Math.exp(xi - m) / z);
  },
};
const sinCos = (a: Vec, b: Vec): Smooth => ({
  name: 'sinCos',
  f: (x) => Math.sin(a[0] * x[0]) * Math.cos(b[1] * x[1]) * Math.sin(a[2] * x[2] + b[2] * x[0]),
  grad: (x) => {
    const s0 = Math.sin(a[0] * x[0]);
    const c1 = Math.cos(b[1] * x[1]);
    const s2 = Math.sin(a[2] * x[2] + b[2] * x[0]);
    const c2 = Math.cos(a[2] * x[2] + b[2] * x[0]);
    return Float64Array.of(
      a[0] * Math.cos(a[0] * x[0]) * c1 * s2 + s0 * c1 * b[2] * c2,
      -s0 * b[1] * Math.sin(b[1] * x[1]) * s2,
      s0 * c1 * a[2] * c2,
    );
  },
});

/** Smooth functions of 3 variables with known gradients, at bounded points. */
const smoothAtPoint: fc.Arbitrary<{ s: Smooth; x: Float64Array }> = fc.oneof(
  fc.tuple(boundedVector(4, -2, 2), boundedVector(3, -1.5, 1.5)).map(([c, x]) => ({ s: polynomial(c), x })),
  fc.tuple(boundedVector(3, -1, 1), boundedVector(3, -1, 1)).map(([w, x]) => ({ s: expLinear(w), x })),
  boundedVector(3, -3, 3).map((x) => ({ s: logSumExp, x })),
  fc.tuple(boundedVector(3, -3, 3), boundedVector(3, -3, 3), boundedVector(3, -1.5, 1.5)).map(([a, b, x]) => ({ s: sinCos(a, b), x })),
);

const orders = fc.constantFrom(2 as const, 4 as const);

const perturbed = (g: Vec, k: number, delta: number): Float64Array => {
  const out = Float64Array.from(g);
  out[k] += delta;
  return out;
};

describe('gradcheck (full mode)', () => {
  it('passes on correct gradients, with no kinks and a meaningful allowance', () => {
    fc.assert(
      fc.property(smoothAtPoint, orders, ({ s, x }, order) => {
        const report = gradcheck(s.f, s.grad(x), x, { order });
        expect(report.ok, `${s.name}: ${formatGradcheckReport(report)}`).toBe(true);
        expect(report.failures).toBe(0);
        expect(report.kinks).toEqual([]);
        expect(report.mode).toBe('full');
        expect(report.checked).toBe(3);
        expect(report.evaluations).toBe(1 + 3 * (order + 2));
        expect(report.worst.absError).toBeLessThanOrEqual(report.worst.allowed);
        // the allowance is far below the 1e-4 bugs we want to catch
        expect(report.worst.allowed).toBeLessThan(order === 2 ? 5e-5 : 5e-7);
      }),
      fcParams(300),
    );
  });

  it('FAILS on a gradient with one entry off by 1e-4, and points at that entry', () => {
    fc.assert(
      fc.property(smoothAtPoint, orders, fc.integer({ min: 0, max: 2 }), fc.boolean(), ({ s, x }, order, k, up) => {
        const report = gradcheck(s.f, perturbed(s.grad(x), k, up ? 1e-4 : -1e-4), x, { order });
        expect(report.ok).toBe(false);
        expect(report.failures).toBe(1);
        expect(report.worst.index).toBe(k);
        expect(report.worst.row).toBeUndefined();
        expect(report.worst.absError).toBeGreaterThan(0.99e-4);
        expect(report.worst.absError).toBeLessThan(1.01e-4);
      }),
      fcParams(300),
    );
  });

  it('fails on NaN in the analytic gradient', () => {
    const x = Float64Array.of(0.1, 0.2, 0.3);
    const g = logSumExp.grad(x);
    g[1] = NaN;
    const report = gradcheck(logSumExp.f, g, x);
    expect(report.ok).toBe(false);
    expect(report.worst.index).toBe(1);
  });

  it('honours explicit rtol / atol: |a − n| ≤ atol + rtol·|n|', () => {
    const x = Float64Array.of(0.5, -0.25, 1);
    const g = perturbed(logSumExp.grad(x), 2, 1e-4);
    expect(gradcheck(logSumExp.f, g, x, { atol: 2e-4, rtol: 0 }).ok).toBe(true);
    expect(gradcheck(logSumExp.f, g, x, { atol: 0, rtol: 1e-3 }).ok).toBe(true); // |∂₂| ≈ 0.5
    expect(gradcheck(logSumExp.f, g, x, { atol: 0, rtol: 1e-4 }).ok).toBe(false);
  });

  it('validates its inputs', () => {
    const x = Float64Array.of(1, 2);
    expect(() => gradcheck(logSumExp.f, Float64Array.of(1), x)).toThrow(RangeError);
    expect(() => gradcheck(logSumExp.f, Float64Array.of(1, 2), Float64Array.of(1, NaN))).toThrow(RangeError);
    expect(() => gradcheck(logSumExp.f, Float64Array.of(1, 2), x, { rtol: -1 })).toThrow(RangeError);
    expect(() => gradcheck(logSumExp.f, Float64Array.of(1, 2), x, { order: 3 as 2 })).toThrow(RangeError);
  });

  it('reports an empty check as ok', () => {
    const report = gradcheck(() => 1, new Float64Array(0), new Float64Array(0));
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(0);
    expect(report.worst.index).toBe(-1);
  });
});

/** F: ℝ⁴ → ℝ³ with a known Jacobian (non-square, so a transposed layout is caught). */
const F = (x: Vec): Float64Array =>
  Float64Array.of(x[0] * x[1] + Math.sin(x[2]), Math.exp(0.5 * x[3]) - x[0] * x[0] * x[2], Math.log(1 + x[1] * x[1]) * x[3]);
const J = (x: Vec): Float64Array =>
  Float64Array.of(
    x[1], x[0], Math.cos(x[2]), 0,
    -2 * x[0] * x[2], 0, -x[0] * x[0], 0.5 * Math.exp(0.5 * x[3]),
    0, ((2 * x[1]) / (1 + x[1] * x[1])) * x[3], 0, Math.log(1 + x[1] * x[1]),
  );

describe('jacobianCheck', () => {
  it('passes on the correct Jacobian and fails at the perturbed (row, col)', () => {
    fc.assert(
      fc.property(boundedVector(4, -2, 2), orders, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), (x, order, j, i) => {
        const good = jacobianCheck(F, J(x), x, 3, { order });
        expect(good.ok, formatGradcheckReport(good)).toBe(true);
        expect(good.checked).toBe(12);
        const bad = jacobianCheck(F, perturbed(J(x), j * 4 + i, 1e-4), x, 3, { order });
        expect(bad.ok).toBe(false);
        expect(bad.failures).toBe(1);
        expect(bad.worst).toMatchObject({ index: j * 4 + i, row: j, col: i });
      }),
      fcParams(200),
    );
  });

  it('fails on the transposed layout (column-major by mistake)', () => {
    const x = Float64Array.of(0.3, -0.8, 1.2, 0.4);
    const jac = J(x);
    const colMajor = new Float64Array(12);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) colMajor[i * 3 + j] = jac[j * 4 + i];
    expect(jacobianCheck(F, colMajor, x, 3).ok).toBe(false);
  });

  it('validates lengths', () => {
    const x = Float64Array.of(0, 0, 0, 0);
    expect(() => jacobianCheck(F, new Float64Array(11), x, 3)).toThrow(RangeError);
    expect(() => jacobianCheck(F, new Float64Array(16), x, 4)).toThrow(RangeError); // F returns 3
  });
});

describe('projectionCheck', () => {
  const jvpOf = (x: Vec) => (v: Vec): Float64Array => {
    const jac = J(x);
    return Float64Array.from({ length: 3 }, (_, j) => jac[4 * j] * v[0] + jac[4 * j + 1] * v[1] + jac[4 * j + 2] * v[2] + jac[4 * j + 3] * v[3]);
  };

  it('passes on the correct Jacobian, given as a matrix or as a JVP', () => {
    fc.assert(
      fc.property(boundedVector(4, -2, 2), orders, fc.nat(), (x, order, seed) => {
        const byMatrix = projectionCheck(F, J(x), x, 3, { rng: makeRng(seed), order });
        const byJvp = projectionCheck(F, jvpOf(x), x, 3, { rng: makeRng(seed), order });
        expect(byMatrix.ok, formatGradcheckReport(byMatrix)).toBe(true);
        expect(byJvp.ok).toBe(true);
        expect(byMatrix.mode).toBe('projection');
        expect(byMatrix.checked).toBe(3);
        // same seed, same projections, same numbers
        expect(byJvp.worst.numeric).toBe(byMatrix.worst.numeric);
        expect(byJvp.worst.analytic).toBeCloseTo(byMatrix.worst.analytic, 14);
      }),
      fcParams(200),
    );
  });

  it('fails on a Jacobian with one entry off by 1e-4 (every sampled case, 3 projections)', () => {
    fc.assert(
      fc.property(
        boundedVector(4, -2, 2),
        orders,
        fc.integer({ min: 0, max: 11 }),
        fc.boolean(),
        fc.nat(),
        (x, order, k, up, seed) => {
          const report = projectionCheck(F, perturbed(J(x), k, up ? 1e-4 : -1e-4), x, 3, { rng: makeRng(seed), order });
          expect(report.ok).toBe(false);
        },
      ),
      fcParams(300),
    );
  });

  it('fails on a wrong JVP (one that forgets a term)', () => {
    const x = Float64Array.of(0.3, -0.8, 1.2, 0.4);
    const wrong = (v: Vec): Float64Array => {
      const out = jvpOf(x)(v);
      out[1] -= 0.5 * Math.exp(0.5 * x[3]) * v[3];
      return out;
    };
    expect(projectionCheck(F, wrong, x, 3, { rng: makeRng(1) }).ok).toBe(false);
  });

  it('costs O(projections) evaluations, independent of n', () => {
    for (const n of [5, 200]) {
      let calls = 0;
      const G = (x: Vec): Float64Array => {
        calls++;
        let s = 0;
        for (let i = 0; i < x.length; i++) s += Math.sin(x[i]) * (i + 1);
        return Float64Array.of(s, s * s);
      };
      const jac = new Float64Array(2 * n);
      const x = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.sin(x[i]) * (i + 1);
      for (let i = 0; i < n; i++) {
        jac[i] = Math.cos(x[i]) * (i + 1);
        jac[n + i] = 2 * s * jac[i];
      }
      const report = projectionCheck(G, jac, x, 2, { rng: makeRng(5), projections: 4, order: 4 });
      expect(report.ok, formatGradcheckReport(report)).toBe(true);
      expect(calls).toBe(1 + 4 * (4 + 2));
      expect(report.evaluations).toBe(calls);
    }
  });

  it('validates its options', () => {
    const x = Float64Array.of(0, 0, 0, 0);
    expect(() => projectionCheck(F, J(x), x, 3, { rng: makeRng(1), projections: 0 })).toThrow(RangeError);
    expect(() => projectionCheck(F, new Float64Array(5), x, 3, { rng: makeRng(1) })).toThrow(RangeError);
    expect(() => projectionCheck(F, () => new Float64Array(2), x, 3, { rng: makeRng(1) })).toThrow(RangeError);
  });
});

describe('kinks', () => {
  const kinkIndices = (r: GradcheckReport): number[] => r.kinks.map((k) => k.index);

  it('|x₀| at 0 is a kink, not a bug: any value in [−1, 1] passes, others fail', () => {
    const f = (x: Vec): number => Math.abs(x[0]) + x[1] * x[1];
    const x = Float64Array.of(0, 0.75);
    for (const order of [2, 4] as const) {
      const at = (g0: number): GradcheckReport => gradcheck(f, Float64Array.of(g0, 1.5), x, { order });
      const sub = at(0);
      expect(kinkIndices(sub)).toEqual([0]);
      expect(sub.kinks[0].left).toBeCloseTo(-1, 6);
      expect(sub.kinks[0].right).toBeCloseTo(1, 6);
      expect(sub.kinks[0].matches).toBe('between');
      expect(sub.ok).toBe(true);
      expect(at(1).kinks[0].matches).toBe('right');
      expect(at(1).ok).toBe(true);
      expect(at(-1).kinks[0].matches).toBe('left');
      const wrong = at(5);
      expect(wrong.ok).toBe(false);
      expect(wrong.kinks[0].matches).toBe('neither');
      expect(wrong.worst.index).toBe(0);
      expect(wrong.worst.atKink).toBe(true);
    }
  });

  it('max(x, y) at x = y flags both coordinates', () => {
    fc.assert(
      fc.property(bounded(-5, 5), orders, (t, order) => {
        const f = (x: Vec): number => Math.max(x[0], x[1]);
        const x = Float64Array.of(t, t);
        const r = gradcheck(f, Float64Array.of(1, 0), x, { order }); // the "first wins" convention
        expect(kinkIndices(r)).toEqual([0, 1]);
        expect(r.kinks.map((k) => k.matches)).toEqual(['right', 'left']);
        expect(r.ok).toBe(true);
        expect(gradcheck(f, Float64Array.of(2, 0), x, { order }).ok).toBe(false);
      }),
      fcParams(100),
    );
  });

  it('are reported per Jacobian entry (ReLU)', () => {
    const relu = (x: Vec): Float64Array => Float64Array.from(x, (v) => Math.max(0, v));
    const x = Float64Array.of(-1, 0, 2);
    const r = jacobianCheck(relu, Float64Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1), x, 3);
    expect(r.ok).toBe(true);
    expect(r.kinks).toEqual([expect.objectContaining({ index: 4, row: 1, col: 1, matches: 'left' })]);
  });

  it('are seen along a projection through a kink', () => {
    const G = (x: Vec): Float64Array => Float64Array.of(Math.abs(x[0] - x[1]), x[2]);
    const x = Float64Array.of(0.5, 0.5, 1);
    const r = projectionCheck(G, Float64Array.of(0, 0, 0, 0, 0, 1), x, 2, { rng: makeRng(3), projections: 3 });
    expect(kinkIndices(r)).toEqual([0, 1, 2]);
    expect(r.ok).toBe(true); // uᵀJv = 0 lies between the one-sided values ∓u₀|v₀ − v₁|
  });

  it('a large kinkTolerance turns kink detection off (and the central value is then used)', () => {
    const f = (x: Vec): number => Math.abs(x[0]);
    const r = gradcheck(f, Float64Array.of(1), Float64Array.of(0), { kinkTolerance: Infinity });
    expect(r.kinks).toEqual([]);
    expect(r.ok).toBe(false);
    expect(r.worst.numeric).toBe(0);
  });

  it('no false kinks on smooth functions, including steep and oscillating ones', () => {
    fc.assert(
      fc.property(smoothAtPoint, orders, ({ s, x }, order) => {
        expect(gradcheck(s.f, s.grad(x), x, { order }).kinks).toEqual([]);
      }),
      fcParams(200),
    );
    fc.assert(
      fc.property(bounded(-1, 1), bounded(-1, 1), (t, u) => {
        const f = (x: Vec): number => Math.sin(30 * x[0]) + Math.exp(5 * x[1]) + 1e3 * x[0] * x[0];
        const g = Float64Array.of(30 * Math.cos(30 * t) + 2e3 * t, 5 * Math.exp(5 * u));
        const r = gradcheck(f, g, Float64Array.of(t, u));
        expect(r.kinks).toEqual([]);
        expect(r.ok, formatGradcheckReport(r)).toBe(true);
      }),
      fcParams(200),
    );
  });
});

describe('inputs are never mutated', () => {
  it('x and the analytic gradient are unchanged, even by a function that writes into its argument', () => {
    fc.assert(
      fc.property(smoothAtPoint, orders, ({ s, x }, order) => {
        const g = s.grad(x);
        const xBefore = Array.from(x);
        const gBefore = Array.from(g);
        const vandal = (y: Vec): number => {
          const v = s.f(y);
          (y as Float64Array).fill(NaN);
          return v;
        };
        const r = gradcheck(vandal, g, x, { order });
        expect(r.ok).toBe(true);
        jacobianCheck((y) => [vandal(y)], g, x, 1, { order });
        projectionCheck((y) => [vandal(y)], g, x, 1, { rng: makeRng(1), order });
        expect(Array.from(x)).toEqual(xBefore);
        expect(Array.from(g)).toEqual(gBefore);
      }),
      fcParams(100),
    );
  });

  it('works with a function that reuses one output buffer', () => {
    const buf = new Float64Array(3);
    const G = (x: Vec): Float64Array => {
      buf.set(F(x));
      return buf;
    };
    const x = Float64Array.of(0.3, -0.8, 1.2, 0.4);
    expect(jacobianCheck(G, J(x), x, 3).ok).toBe(true);
    expect(projectionCheck(G, J(x), x, 3, { rng: makeRng(2) }).ok).toBe(true);
  });
});

describe('formatGradcheckReport', () => {
  it('is one line naming the verdict, the worst entry and the kinks', () => {
    const x = Float64Array.of(0.1, 0.2, 0.3);
    const ok = formatGradcheckReport(gradcheck(logSumExp.f, logSumExp.grad(x), x));
    expect(ok).not.toContain('\n');
    expect(ok).toMatch(/^gradcheck ok \(full, order 2, 0\/3 failing, 13 evals\): worst #\d/);
    expect(ok).toContain('no kinks');
    const bad = formatGradcheckReport(gradcheck(logSumExp.f, perturbed(logSumExp.grad(x), 2, 1e-4), x));
    expect(bad).toMatch(/^gradcheck FAILED .*worst #2:/);
    const jac = formatGradcheckReport(jacobianCheck(F, perturbed(J(Float64Array.of(0, 1, 2, 3)), 6, 1), Float64Array.of(0, 1, 2, 3), 3));
    expect(jac).toContain('worst (1,2)');
    const kink = formatGradcheckReport(gradcheck((y) => Math.abs(y[0]), Float64Array.of(0), Float64Array.of(0)));
    expect(kink).toContain('1 kink(s): 0 [');
    expect(kink).toContain('between');
  });
});
