/**
 * The seeded sampler (MATH.md §1, §7): determinism by seed, empirical frequencies against exact
 * probabilities, and the geometric horizon's unbiasedness for discounted sums.
 *
 * False-failure budget. The statistical assertions of sampler.test.ts and estimators.test.ts
 * together may fail falsely with probability below 1e-6 (additive.test.ts has none). Every
 * assertion is one coordinate: this file makes M_SAMPLER = Σ BUDGET = 130 (listed in BUDGET and
 * checked at every assertion), estimators.test.ts makes M_ESTIMATORS = 102 (checked there), so
 * m = 232 and each assertion gets level 1e-6/m (Bonferroni):
 * - Bernoulli frequencies use Hoeffding's inequality, exact for every n:
 *   P(|p̂ − p| ≥ t) ≤ 2 exp(−2 n t²), so t = √(ln(2m/1e-6) / (2n));
 * - unbounded means (visit counts, Σ u over a geometric horizon) use a z-test with the sample
 *   standard error and z = Φ⁻¹(1 − 1e-6/(2m)) ≈ 5.872 (normal approximation, n = 2·10⁵).
 * Every seed is fixed, so the outcome is deterministic; the budget is the probability, over the
 * choice of seeds, of a false failure.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { garnetOrThrow } from '../../src/mdp/garnet.js';
import type { Mdp } from '../../src/mdp/types.js';
import { validateMdp } from '../../src/mdp/validate.js';
import { softmaxProbs } from '../../src/policy/softmax.js';
import { makeRng } from '../../src/random/rng.js';
import { evaluatePolicyTable } from '../../src/value/policyEvaluation.js';
import {
  sampleAction,
  sampleInitialState,
  sampleNextState,
  sampleSegment,
  sampleTrajectory,
} from '../../src/upperLevel/sampler.js';
import { inverseNormal } from '../support/statistics.js';

// ---------------------------------------------------------------------------------------
// The problem: Garnet P with zeros (branching 2 < S), a ρ and a π with zero entries

const S = 4;
const A = 3;
const H = 4;
const SURVIVAL_STEPS = [1, 2, 3, 4, 5];

const mdp: Mdp = (() => {
  const g = garnetOrThrow({ S, A, branching: 2, seed: 11, gamma: 0.8 });
  const m = validateMdp({ S, A, gamma: 0.8, P: g.mdp.P, rho: Float64Array.from([0.5, 0, 0.3, 0.2]) });
  if (E.isLeft(m)) throw new Error(JSON.stringify(m.left));
  return m.right;
})();

const pi: Float64Array = (() => {
  const rng = makeRng(5);
  const theta = Float64Array.from({ length: S * A }, () => 1.5 * rng.normal());
  const p = softmaxProbs(theta, S, A);
  // state 2 never takes action 1: zero-probability outcomes must never be drawn
  p[2 * A + 1] = 0;
  const z = p[2 * A] + p[2 * A + 2];
  p[2 * A] /= z;
  p[2 * A + 2] /= z;
  return p;
})();

// ---------------------------------------------------------------------------------------
// The false-failure budget

const ALPHA_SUITE = 1e-6;
const M_ESTIMATORS = 102;
const BUDGET = {
  rho: S,
  action: S * A,
  nextState: S * A * S,
  segmentMarginal: H * S * A,
  survival: SURVIVAL_STEPS.length,
  visits: S * A,
  utility: 1,
} as const;
const M_SAMPLER = Object.values(BUDGET).reduce((x, y) => x + y, 0);
const M = M_SAMPLER + M_ESTIMATORS;
const ALPHA_EACH = ALPHA_SUITE / M;
const Z = -inverseNormal(ALPHA_EACH / 2);
const hoeffdingRadius = (n: number): number => Math.sqrt(Math.log(2 / ALPHA_EACH) / (2 * n));

/** Hoeffding check of empirical frequencies `counts/n` against `probs` (one budgeted assertion per cell). */
const expectFrequencies = (key: keyof typeof BUDGET, counts: ArrayLike<number>, n: number, probs: ArrayLike<number>): void => {
  expect(counts.length, `budget entry ${key}`).toBe(BUDGET[key]);
  const t = hoeffdingRadius(n);
  for (let i = 0; i < counts.length; i++) {
    if (probs[i] === 0) expect(counts[i], `${key}[${i}] has probability 0`).toBe(0);
    expect(Math.abs(counts[i] / n - probs[i]), `${key}[${i}]: p̂ = ${counts[i] / n}, p = ${probs[i]}, radius ${t}`).toBeLessThanOrEqual(t);
  }
};

/** z-test of sample means against exact means (one budgeted assertion per coordinate). */
const expectMeans = (key: keyof typeof BUDGET, mean: ArrayLike<number>, se: ArrayLike<number>, exact: ArrayLike<number>): void => {
  expect(mean.length, `budget entry ${key}`).toBe(BUDGET[key]);
  for (let i = 0; i < mean.length; i++) {
    expect(Math.abs(mean[i] - exact[i]), `${key}[${i}]: mean ${mean[i]}, exact ${exact[i]}, se ${se[i]}, z ${Z}`).toBeLessThanOrEqual(Z * se[i]);
  }
};

/** Sample mean and standard error of each column of n rows produced by `row(k)`. */
const meanAndSe = (n: number, dim: number, row: (k: number) => ArrayLike<number>): { mean: Float64Array; se: Float64Array } => {
  const s1 = new Float64Array(dim);
  const s2 = new Float64Array(dim);
  for (let k = 0; k < n; k++) {
    const x = row(k);
    for (let i = 0; i < dim; i++) {
      s1[i] += x[i];
      s2[i] += x[i] * x[i];
    }
  }
  const mean = s1.map((v) => v / n);
  const se = s2.map((v, i) => Math.sqrt(Math.max(0, v / n - mean[i] * mean[i]) * n / (n - 1) / n));
  return { mean, se };
};

describe('the test statistics', () => {
  it('inverse normal matches AS 241 reference values and m is as documented', () => {
    // relative error ≤ 3e-8 against AS 241
    expect(Math.abs(inverseNormal(0.025) / -1.9599639845400538 - 1)).toBeLessThan(3e-8);
    expect(Math.abs(inverseNormal(0.01) / -2.3263478740408408 - 1)).toBeLessThan(3e-8);
    expect(Math.abs(inverseNormal(1e-9) / -5.9978070150076865 - 1)).toBeLessThan(3e-8);
    expect(Math.abs(inverseNormal(1e-6 / (2 * 232)) / -5.8718208184089145 - 1)).toBeLessThan(3e-8);
    expect(inverseNormal(0.975)).toBe(-inverseNormal(0.025));
    expect(M_SAMPLER).toBe(130);
    expect(M).toBe(232);
  });
});

describe('sampler determinism (MATH.md §10: same seed, same bits)', () => {
  it('same seed gives identical segments and trajectories; another seed differs', () => {
    const draw = (seed: number) => {
      const rng = makeRng(seed);
      return [sampleSegment(mdp, pi, 7, rng), sampleTrajectory(mdp, pi, rng, { geometric: true }), sampleTrajectory(mdp, pi, rng, { horizon: 5 })];
    };
    const a = draw(123);
    const b = draw(123);
    const c = draw(124);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('{ horizon: H } draws exactly what sampleSegment draws, with length H', () => {
    const t = sampleTrajectory(mdp, pi, makeRng(9), { horizon: 6 });
    const s = sampleSegment(mdp, pi, 6, makeRng(9));
    expect(t.length).toBe(6);
    expect(Array.from(t.states)).toEqual(Array.from(s.states));
    expect(Array.from(t.actions)).toEqual(Array.from(s.actions));
    expect(sampleSegment(mdp, pi, 0, makeRng(1)).states.length).toBe(0);
  });

  it('γ = 0 makes every geometric trajectory one step long', () => {
    const m0 = validateMdp({ S, A, gamma: 0, P: mdp.P, rho: mdp.rho });
    if (E.isLeft(m0)) throw new Error('invalid');
    const rng = makeRng(3);
    for (let k = 0; k < 200; k++) expect(sampleTrajectory(m0.right, pi, rng, { geometric: true }).length).toBe(1);
  });

  it('rejects invalid horizons', () => {
    expect(() => sampleSegment(mdp, pi, -1, makeRng(1))).toThrow(RangeError);
    expect(() => sampleTrajectory(mdp, pi, makeRng(1), { horizon: 1.5 })).toThrow(RangeError);
  });
});

describe('sampler frequencies (Hoeffding, Bonferroni over the suite\'s m = 232)', () => {
  const n = 200_000;

  it('s_0 ∼ ρ', () => {
    const rng = makeRng(101);
    const counts = new Float64Array(S);
    for (let k = 0; k < n; k++) counts[sampleInitialState(mdp, rng)] += 1;
    expectFrequencies('rho', counts, n, mdp.rho);
  });

  it('a ∼ π(·|s) for every s', () => {
    const rng = makeRng(102);
    const counts = new Float64Array(S * A);
    const perState = n / 4;
    for (let s = 0; s < S; s++) for (let k = 0; k < perState; k++) counts[s * A + sampleAction(pi, A, s, rng)] += 1;
    // each state's row is its own experiment of perState draws
    expectFrequencies('action', counts, perState, pi);
  });

  it("s' ∼ P[s,a,·] for every (s, a)", () => {
    const rng = makeRng(103);
    const perRow = 20_000;
    const counts = new Float64Array(S * A * S);
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
      for (let k = 0; k < perRow; k++) counts[(s * A + a) * S + sampleNextState(mdp, s, a, rng)] += 1;
    }
    expectFrequencies('nextState', counts, perRow, mdp.P);
    expect(Array.from(mdp.P).some((p) => p === 0)).toBe(true);
  });

  it('segment step h has the exact joint law (ρᵀP_π^h)(s)·π(a|s)', () => {
    const rng = makeRng(104);
    const nSeg = 100_000;
    const counts = new Float64Array(H * S * A);
    for (let k = 0; k < nSeg; k++) {
      const seg = sampleSegment(mdp, pi, H, rng);
      for (let h = 0; h < H; h++) counts[h * S * A + seg.states[h] * A + seg.actions[h]] += 1;
    }
    const exact = new Float64Array(H * S * A);
    let mu = Float64Array.from(mdp.rho);
    for (let h = 0; h < H; h++) {
      const next = new Float64Array(S);
      for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
        const p = mu[s] * pi[s * A + a];
        exact[h * S * A + s * A + a] = p;
        for (let t = 0; t < S; t++) next[t] += p * mdp.P[(s * A + a) * S + t];
      }
      mu = next;
    }
    expectFrequencies('segmentMarginal', counts, nSeg, exact);
  });
});

describe('geometric horizon: Σ_{h<T} u_h is unbiased for Σ_h γ^h u_h', () => {
  const n = 200_000;
  const rngU = makeRng(7);
  const u = Float64Array.from({ length: S * A }, () => rngU.uniform() * 2 - 1);
  const trajectories = (() => {
    const rng = makeRng(105);
    return Array.from({ length: n }, () => sampleTrajectory(mdp, pi, rng, { geometric: true }));
  })();

  it('P(T > h) = γ^h', () => {
    const counts = SURVIVAL_STEPS.map((h) => trajectories.filter((t) => t.length > h).length);
    expectFrequencies('survival', counts, n, SURVIVAL_STEPS.map((h) => mdp.gamma ** h));
    expect(trajectories.every((t) => t.length >= 1 && t.states.length === t.length)).toBe(true);
  });

  it('mean visit counts equal d(s)π(a|s)/(1−γ)', () => {
    const ev = evaluatePolicyTable(mdp, u, pi, new Float64Array(S * A), 0);
    const exact = new Float64Array(S * A);
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) exact[s * A + a] = (ev.d[s] * pi[s * A + a]) / (1 - mdp.gamma);
    const row = new Float64Array(S * A);
    const { mean, se } = meanAndSe(n, S * A, (k) => {
      row.fill(0);
      const t = trajectories[k];
      for (let h = 0; h < t.length; h++) row[t.states[h] * A + t.actions[h]] += 1;
      return row;
    });
    expectMeans('visits', mean, se, exact);
  });

  it('mean of Σ_{h<T} u[s_h,a_h] equals ρᵀV^π[u]', () => {
    const ev = evaluatePolicyTable(mdp, u, pi, new Float64Array(S * A), 0);
    const { mean, se } = meanAndSe(n, 1, (k) => {
      const t = trajectories[k];
      let acc = 0;
      for (let h = 0; h < t.length; h++) acc += u[t.states[h] * A + t.actions[h]];
      return [acc];
    });
    expectMeans('utility', mean, se, [ev.J]);
  });
});
