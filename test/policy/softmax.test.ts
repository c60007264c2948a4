import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmaxPolicy } from '../../src/policy/softmax.js';
import { fcParams } from '../support/fcParams.js';
import { EPS } from '../support/numeric.js';
import { arbTheta } from '../arbitraries/mdp.js';

const arbShapeTheta = fc
  .record({ S: fc.integer({ min: 1, max: 8 }), A: fc.integer({ min: 1, max: 6 }) })
  .chain(({ S, A }) => arbTheta(S, A).map((theta) => ({ S, A, theta })));

describe('softmax policy (MATH.md §2)', () => {
  it('rows sum to 1 and every quantity is finite, for logits up to ±30 and near-deterministic rows', () => {
    fc.assert(
      fc.property(arbShapeTheta, ({ S, A, theta }) => {
        const pol = softmaxPolicy(S, A);
        const pi = pol.probs(theta);
        const logPi = pol.logProbs(theta);
        const h = pol.entropy(theta);
        for (let s = 0; s < S; s++) {
          let z = 0;
          for (let a = 0; a < A; a++) {
            const i = s * A + a;
            expect(pi[i]).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(logPi[i])).toBe(true);
            z += pi[i];
          }
          // A terms, each with relative rounding ≤ 2ε
          expect(Math.abs(z - 1)).toBeLessThanOrEqual((A + 2) * 2 * EPS);
          expect(Number.isFinite(h[s]) && h[s] >= -A * EPS && h[s] <= Math.log(A) + 4 * A * EPS).toBe(true);
        }
      }),
      fcParams(200),
    );
  });

  it('stays finite for huge logits (no overflow: the row maximum is subtracted)', () => {
    const pol = softmaxPolicy(1, 3);
    const theta = Float64Array.of(1e150, -1e150, 1e150 - 1e140);
    const pi = pol.probs(theta);
    const logPi = pol.logProbs(theta);
    expect(Array.from(pi)).toEqual([1, 0, 0]);
    expect(logPi.every(Number.isFinite)).toBe(true);
    expect(logPi[0]).toBe(0);
    expect(logPi[1]).toBe(-2e150);
    const big = pol.probs(Float64Array.of(1000, 0, 999));
    // exp(-1) / (1 + exp(-1) + exp(-1000)) computed independently
    expect(big[2]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 15);
  });

  it('adding a constant to a state row changes nothing (the gauge)', () => {
    fc.assert(
      fc.property(arbShapeTheta, fc.double({ min: -50, max: 50, noNaN: true }), ({ S, A, theta }, c) => {
        const pol = softmaxPolicy(S, A);
        const shifted = theta.map((x) => x + c);
        const p1 = pol.probs(theta);
        const p2 = pol.probs(shifted);
        const l1 = pol.logProbs(theta);
        const l2 = pol.logProbs(shifted);
        // θ + c is rounded once: each logit moves by ≤ ε(|θ|+|c|) ≤ 80ε, twice (θ and the max)
        const tol = 4 * 80 * EPS;
        for (let i = 0; i < S * A; i++) {
          expect(Math.abs(p1[i] - p2[i])).toBeLessThanOrEqual(tol);
          expect(Math.abs(l1[i] - l2[i])).toBeLessThanOrEqual(tol * 2);
        }
      }),
      fcParams(200),
    );
  });

  it('score equals the closed form 1[s=s′](1[a=b] − π(b|s)), matches finite differences of log π, and has π-mean zero', () => {
    fc.assert(
      fc.property(arbShapeTheta, fc.nat(), fc.nat(), ({ S, A, theta }, si, ai) => {
        const pol = softmaxPolicy(S, A);
        const s = si % S;
        const a = ai % A;
        const g = pol.score(theta, s, a);
        const pi = pol.probs(theta);
        // central differences of logProb, h = ε^{1/3}: error ≲ h²|∂³ log π|/6 + ε/h ≲ 1e-10 (|∂³ log π| ≤ 1)
        const h = Math.cbrt(EPS);
        for (let j = 0; j < S * A; j++) {
          const tp = Float64Array.from(theta);
          const tm = Float64Array.from(theta);
          tp[j] += h;
          tm[j] -= h;
          const fd = (pol.logProb(tp, s, a) - pol.logProb(tm, s, a)) / (2 * h);
          expect(Math.abs(g[j] - fd)).toBeLessThanOrEqual(1e-9);
          const closed = Math.floor(j / A) === s ? (j % A === a ? 1 : 0) - pi[j] : 0;
          // score uses exp(θ − lse), probs uses e/Σe: the two roundings differ by a few ulps
          expect(Math.abs(g[j] - closed)).toBeLessThanOrEqual(4 * EPS);
        }
        // E_{a∼π}[score] = 0 (row s): the gauge direction
        const mean = new Float64Array(S * A);
        for (let b = 0; b < A; b++) {
          const gb = pol.score(theta, s, b);
          for (let j = 0; j < S * A; j++) mean[j] += pi[s * A + b] * gb[j];
        }
        for (const x of mean) expect(Math.abs(x)).toBeLessThanOrEqual(4 * A * EPS);
      }),
      fcParams(100),
    );
  });

  it('entropy is log A for uniform logits and near zero for a near-deterministic row', () => {
    const pol = softmaxPolicy(2, 4);
    const h = pol.entropy(Float64Array.of(0, 0, 0, 0, 40, 0, 0, 0));
    expect(Math.abs(h[0] - Math.log(4))).toBeLessThanOrEqual(8 * EPS);
    // H = 3·e^{-40}·(40 + 1) + O(e^{-80}) ≈ 5.2e-16 (independent closed form); the log1p in the
    // log-sum-exp keeps −π₀ log π₀ ≈ 3e^{-40}, which a plain log(Σ exp) would round to 0 (a 2.4% error)
    expect(Math.abs(h[1] - 3 * Math.exp(-40) * 41) / h[1]).toBeLessThanOrEqual(1e-14);
  });
});
