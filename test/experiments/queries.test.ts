import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { runAparl } from '../../src/algorithm/aparl.js';
import { validateAparlConfig } from '../../src/algorithm/config.js';
import { policyGradientAscent } from '../../src/algorithm/lowerLevel.js';
import { rlhfFamilyProblem } from '../../src/experiments/problems.js';
import {
  appendPairs,
  bufferLogLikelihood,
  bufferLogLikelihoodGradient,
  combineVerdicts,
  compareMedians,
  drawLabelledPairs,
  emptyBuffer,
  medianQueries,
  pairedCounts,
  queriesToHold,
  queryProtocol,
  refitOnBuffer,
  runQueryMethod,
  runQueriesWith,
  sampledPreferenceGradient,
  verdictOf,
  type NormalisedPoint,
  type QueryCell,
  type QueryMethodEntry,
} from '../../src/experiments/queries.js';
import { lowerPointFor } from '../../src/lowerLevel/lowerSolution.js';
import { nuScoreOf } from '../../src/nuScore/routes.js';
import { softmaxProbs } from '../../src/policy/softmax.js';
import { makeRng } from '../../src/random/rng.js';
import { rewardOf } from '../../src/reward/rewardModel.js';
import { myopicGradientPreferenceSampled, parlGradientPreferenceSampled } from '../../src/upperLevel/estimators.js';

const garnet = rlhfFamilyProblem('garnet', 3);
const grid = rlhfFamilyProblem('gridworld-teleports', 4);
const pref = (p: typeof garnet) => {
  if (p.upper.kind !== 'preference') throw new Error('not a preference problem');
  return p.upper;
};

/** Max |a − b| / max(1, |b|) over entries. */
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
};

const curveOf = (ys: ReadonlyArray<number>, step = 8): NormalisedPoint[] => ys.map((y, i) => ({ queries: i * step, normalisedReturn: y }));

describe('the protocol', () => {
  it('evaluates on seed … seed + seeds − 1 and selects on seeds disjoint from them', () => {
    for (const [seed, seeds] of [[1, 20], [1, 2], [999_990, 20], [1_000_000, 5], [1_000_002, 3], [1_000_001, 1], [5_000_000, 4]] as const) {
      for (const quick of [true, false]) {
        const p = queryProtocol({ seed, seeds, quick });
        expect(p.evaluationSeeds).toEqual(Array.from({ length: seeds }, (_, i) => seed + i));
        expect(p.selectionSeeds.length).toBeGreaterThan(0);
        expect(p.selectionSeeds.filter((s) => p.evaluationSeeds.includes(s))).toEqual([]);
        for (const N of p.Ns) expect(p.budget % N).toBe(0);
      }
    }
    expect(queryProtocol({ seed: 1, seeds: 10, quick: false }).Ks).toEqual([1, 5, 20]);
    expect(queryProtocol({ seed: 1, seeds: 10, quick: false }).Ns).toEqual([8, 32]);
  });
});

describe('the sampled gradients', () => {
  it('equal the library estimators on the same pairs (PARL with the materialised ν-score, myopic exactly)', () => {
    for (const p of [garnet, grid]) {
      const { teacher, rTrue, H } = pref(p);
      const nu = p.model.kind === 'tabular' ? p.rTrue.map((x) => 0.7 * x) : Float64Array.from([3, 1, -0.5]);
      const lambda = 0.1;
      const theta = policyGradientAscent(p.mdp, rewardOf(p.model, nu), p.theta0, lambda, 1, 5);
      const pi = softmaxProbs(theta, p.mdp.S, p.mdp.A);
      const N = 16;
      const pairs = drawLabelledPairs(p.mdp, p.model, pi, teacher, rTrue, H, N, makeRng(77));
      const psi = nuScoreOf(lowerPointFor({ mdp: p.mdp, model: p.model, nu, lambda, r: rewardOf(p.model, nu) }, theta), 'dense');
      if (E.isLeft(psi)) throw new Error('ψ');
      const libParl = parlGradientPreferenceSampled(p.mdp, p.model, nu, pi, psi.right.psi, teacher, rTrue, H, N, makeRng(77));
      const libMyopic = myopicGradientPreferenceSampled(p.mdp, p.model, nu, pi, teacher, rTrue, H, N, makeRng(77));
      const ours = sampledPreferenceGradient('parl', p.mdp, p.model, nu, lambda, theta, pairs);
      const oursMyopic = sampledPreferenceGradient('myopic', p.mdp, p.model, nu, lambda, theta, pairs);
      expect(relErr(oursMyopic.gradient, libMyopic.estimate)).toBeLessThan(1e-12);
      expect(relErr(ours.gradient, libParl.estimate)).toBeLessThan(1e-6);
      // the ν-score term is not negligible here, so the PARL check is not the myopic one again
      expect(relErr(libParl.estimate, libMyopic.estimate)).toBeGreaterThan(1e-4);
      // a leave-one-out baseline changes the estimate (and only the score term)
      const loo = sampledPreferenceGradient('parl', p.mdp, p.model, nu, lambda, theta, pairs, 'leave-one-out');
      expect(relErr(loo.gradient, ours.gradient)).toBeGreaterThan(1e-8);
      expect(loo.gradient.every(Number.isFinite)).toBe(true);
    }
  });

  it('with a leave-one-out baseline, PARL equals the library estimator with the same baseline', () => {
    for (const p of [garnet, grid]) {
      const { teacher, rTrue, H } = pref(p);
      const nu = p.model.kind === 'tabular' ? p.rTrue.map((x) => 0.7 * x) : Float64Array.from([3, 1, -0.5]);
      const theta = policyGradientAscent(p.mdp, rewardOf(p.model, nu), p.theta0, 0.1, 1, 5);
      const pi = softmaxProbs(theta, p.mdp.S, p.mdp.A);
      const pairs = drawLabelledPairs(p.mdp, p.model, pi, teacher, rTrue, H, 16, makeRng(78));
      const psi = nuScoreOf(lowerPointFor({ mdp: p.mdp, model: p.model, nu, lambda: 0.1, r: rewardOf(p.model, nu) }, theta), 'dense');
      if (E.isLeft(psi)) throw new Error('ψ');
      const lib = parlGradientPreferenceSampled(p.mdp, p.model, nu, pi, psi.right.psi, teacher, rTrue, H, 16, makeRng(78), { baseline: 'leave-one-out' });
      const ours = sampledPreferenceGradient('parl', p.mdp, p.model, nu, 0.1, theta, pairs, 'leave-one-out');
      expect(relErr(ours.gradient, lib.estimate)).toBeLessThan(1e-6);
    }
  });

  it('parl (either baseline) and myopic follow runAparl in sampled mode step for step', () => {
    const cases = [['parl', 'none'], ['parl', 'leave-one-out'], ['myopic', 'none']] as const;
    for (const p of [garnet, grid]) {
      for (const [gradient, baseline] of cases) {
        const N = 8;
        const T = 6;
        const cfg = validateAparlConfig({ mode: 'sampled', gradient, N, T, K: 3, beta: 1, alpha: 2, lambda: 0.1, seed: 5, trackTrueGradient: false, recordExactG: false, baseline });
        if (E.isLeft(cfg)) throw new Error(JSON.stringify(cfg.left));
        const ref = runAparl(p, cfg.right);
        if (E.isLeft(ref)) throw new Error('run');
        const ours = runQueryMethod(p, { method: gradient, K: 3, N, budget: N * T, alpha: 2, seed: 5, baseline });
        expect(ours.curve.length).toBe(T + 1);
        ref.right.records.forEach((r, t) => {
          expect(ours.curve[t].queries).toBe(t * N);
          expect(Math.abs(ours.curve[t].trueReturn - r.trueReturn)).toBeLessThan(1e-8 * Math.max(1, Math.abs(r.trueReturn)));
        });
        expect(relErr(ours.nu, ref.right.nu)).toBeLessThan(1e-6);
      }
    }
  });
});

describe('the pebble-like buffer', () => {
  it('grows by N per outer step and every refit increases its log-likelihood', () => {
    for (const p of [garnet, grid]) {
      for (const alpha of [1, 300]) {
        const N = 8;
        const run = runQueryMethod(p, { method: 'pebble-like', K: 2, N, budget: 6 * N, alpha, seed: 9 });
        expect(run.refits.map((r) => r.bufferSize)).toEqual([8, 16, 24, 32, 40, 48]);
        for (const r of run.refits) {
          expect(r.logLikelihoodAfter).toBeGreaterThan(r.logLikelihoodBefore);
          expect(r.logLikelihoodAfter).toBeLessThanOrEqual(0);
        }
      }
    }
  });

  it('refits toward the maximum-likelihood fit: the gradient is that of the log-likelihood, and more steps leave a smaller one', () => {
    const { teacher, rTrue, H } = pref(garnet);
    const pi = softmaxProbs(garnet.theta0, garnet.mdp.S, garnet.mdp.A);
    const buffer = emptyBuffer();
    appendPairs(buffer, drawLabelledPairs(garnet.mdp, garnet.model, pi, teacher, rTrue, H, 200, makeRng(3)));
    expect(buffer.ys.length).toBe(200);
    const nu = Float64Array.from({ length: garnet.nu0.length }, (_, i) => Math.sin(i));
    const g = bufferLogLikelihoodGradient(buffer, nu);
    const h = 1e-6;
    for (let i = 0; i < nu.length; i++) {
      const up = Float64Array.from(nu);
      const down = Float64Array.from(nu);
      up[i] += h;
      down[i] -= h;
      const fd = (bufferLogLikelihood(buffer, up) - bufferLogLikelihood(buffer, down)) / (2 * h);
      expect(Math.abs(fd - g[i])).toBeLessThan(1e-7);
    }
    const norm = (x: Float64Array) => Math.hypot(...x);
    const few = refitOnBuffer(buffer, nu, 1, 2);
    const many = refitOnBuffer(buffer, nu, 1, 200);
    expect(many.record.logLikelihoodAfter).toBeGreaterThan(few.record.logLikelihoodAfter);
    expect(norm(bufferLogLikelihoodGradient(buffer, many.nu))).toBeLessThan(norm(bufferLogLikelihoodGradient(buffer, few.nu)));
    expect(few.record.logLikelihoodBefore).toBeCloseTo(bufferLogLikelihood(buffer, nu), 14);
    expect(many.record.logLikelihoodAfter).toBeCloseTo(bufferLogLikelihood(buffer, many.nu), 12);
  });
});

describe('the metrics', () => {
  it('queries to hold: the first count after which the curve never drops below the target', () => {
    // crosses 0.5 at 8, falls back at 16, holds from 24
    const c = curveOf([0, 0.6, 0.4, 0.7, 0.9, 0.85]);
    expect(queriesToHold(c, 0.5)).toBe(24);
    expect(queriesToHold(c, 0.8)).toBe(32);
    expect(queriesToHold(c, 0.95)).toBeNull();
    // reaching the target exactly counts; ending below it never holds
    expect(queriesToHold(curveOf([0, 0.5, 0.5]), 0.5)).toBe(8);
    expect(queriesToHold(curveOf([0, 0.9, 0.9, 0.4]), 0.5)).toBeNull();
    expect(queriesToHold(curveOf([0.6, 0.7]), 0.5)).toBe(0);
  });

  it('medians count never as +∞', () => {
    expect(medianQueries([8, 16, null])).toBe(16);
    expect(medianQueries([8, null, null])).toBeNull();
    expect(medianQueries([8, 16, 24, null])).toBe(20);
    expect(medianQueries([8, 16, null, null])).toBeNull();
    expect(medianQueries([])).toBeNull();
  });

  it('comparisons, verdicts and paired counts', () => {
    expect(compareMedians(8, 16)).toBe('fewer');
    expect(compareMedians(16, 16)).toBe('same');
    expect(compareMedians(24, 16)).toBe('more');
    expect(compareMedians(null, 16)).toBe('more');
    expect(compareMedians(16, null)).toBe('fewer');
    expect(compareMedians(null, null)).toBe('neither-holds');
    expect(verdictOf(['fewer', 'same', 'neither-holds'])).toBe('supported');
    expect(verdictOf(['more', 'same'])).toBe('contradicted');
    expect(verdictOf(['fewer', 'more'])).toBe('mixed');
    expect(verdictOf(['same', 'neither-holds'])).toBe('no difference');
    expect(verdictOf(['neither-holds'])).toBe('no evidence');
    expect(combineVerdicts(['supported', 'supported'])).toBe('supported');
    expect(combineVerdicts(['supported', 'no difference'])).toBe('mixed');
    expect(combineVerdicts(['contradicted', 'no difference'])).toBe('contradicted');
    expect(combineVerdicts(['contradicted', 'supported'])).toBe('mixed');
    expect(combineVerdicts(['no difference', 'no evidence'])).toBe('no difference');
    expect(pairedCounts([8, null, 16, null], [16, 8, 16, null])).toEqual({ earlier: 1, same: 2, later: 1 });
  });
});

describe('runQueriesWith on a tiny protocol', () => {
  const protocol = { Ks: [2], Ns: [8], budget: 32, alphas: [3, 30], families: ['garnet', 'gridworld-start'] as const, selectionSeeds: [1_000_001], evaluationSeeds: [1, 2] };
  const result = runQueriesWith({ seed: 1, seeds: 2, quick: true }, protocol);
  const data = result.data as { protocol: { selectionSeeds: number[]; evaluationSeeds: number[] }; methods: QueryMethodEntry[]; cells: QueryCell[] };

  it('writes the protocol and one result per method, problem and evaluation seed, with curves monotone in queries', () => {
    expect(data.protocol.selectionSeeds.filter((s) => data.protocol.evaluationSeeds.includes(s))).toEqual([]);
    expect(data.methods.length).toBe(3 * 2);
    for (const m of data.methods) {
      expect(protocol.alphas).toContain(m.alpha);
      expect(m.results.map((r) => r.seed)).toEqual([1, 2]);
      for (const r of m.results) {
        expect(r.problem).toBe(m.problem);
        expect(r.curve.map((p) => p.queries)).toEqual([0, 8, 16, 24, 32]);
        for (let i = 1; i < r.curve.length; i++) expect(r.curve[i].queries).toBeGreaterThan(r.curve[i - 1].queries);
        // the uniform start is 0 of the way to the optimum
        expect(Math.abs(r.curve[0].normalisedReturn)).toBeLessThan(1e-9);
        expect(r.queriesToHold50).toBe(queriesToHold(r.curve, 0.5));
        expect(r.queriesToHold80).toBe(queriesToHold(r.curve, 0.8));
        expect(r.finalNormalised).toBe(r.curve[r.curve.length - 1].normalisedReturn);
      }
    }
    expect(result.figures.length).toBe(2);
  });

  it('names the verdict it computed in the finding and the summary', () => {
    const overall = combineVerdicts(data.cells.map((c) => c.verdict));
    expect(result.finding).toMatch(new RegExp(`^Verdict on "PARL needs fewer queries": ${overall} `));
    expect(result.summary[0].value.startsWith(`${overall}:`)).toBe(true);
    for (const c of data.cells) expect(result.finding).toContain(`${c.verdict} at`);
    expect(result.claim).toMatch(/contradicts/);
  });
});
