/**
 * Shape of the `npm run bench:json` document (bench/jsonBench.ts) at tiny sizes, one repetition a round:
 * one row per (workload, S, A), numeric sizes, positive timings, ratios consistent with them, and
 * the peer's absence reported instead of figures. No timing is asserted: speed is measured by the
 * benchmark, never by a test.
 */
import { describe, expect, it } from 'vitest';
import { runJsonBench, type BenchDocument, type JsonBenchPlan } from '../../bench/jsonBench.js';
import { probePeer } from '../../bench/peer.js';
import { fitExponent } from '../../bench/timing.js';

const TINY: JsonBenchPlan = {
  A: 2,
  sizes: { W1: [6, 8], W2: [6], W3: [6, 8], W4: [6, 8] },
  schedule: () => ({ rounds: 2, warmup: 0, reps: 1 }),
  aparl: { S: 6, A: 2, K: 2, T: 4, steadyFrom: 2, rounds: 2, runs: 1, warmupRuns: 0 },
  w4Vjp: true,
};

const expectedRows = (plan: JsonBenchPlan): string[] => [
  ...(['W1', 'W2', 'W3', 'W4'] as const).flatMap((w) => plan.sizes[w].map((S) => `${w}|${S}|${plan.A}`)),
  ...(plan.aparl === null ? [] : ['aparl-step', 'aparl-first-step'].map((w) => `${w}|${plan.aparl!.S}|${plan.aparl!.A}`)),
];

/** The checks every document must pass, whether or not the peer ran. */
const expectWellFormed = (doc: BenchDocument, plan: JsonBenchPlan): void => {
  // one JSON document: what is printed parses back to the same value
  expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  expect(Object.keys(doc)).toEqual(expect.arrayContaining(['machine', 'results', 'exponents']));
  expect(typeof doc.machine.cpus).toBe('number');
  expect(typeof doc.machine.node).toBe('string');
  expect(doc.run.wallMs).toBeGreaterThan(0);

  const keys = doc.results.map((r) => `${r.workload}|${r.S}|${r.A}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect([...keys].sort()).toEqual(expectedRows(plan).sort());
  for (const r of doc.results) {
    expect(Number.isInteger(r.S) && r.S > 0).toBe(true);
    expect(Number.isInteger(r.A) && r.A > 0).toBe(true);
    expect(Number.isFinite(r.oursMs) && r.oursMs > 0).toBe(true);
    expect(r.reps).toBeGreaterThanOrEqual(1);
    if (r.peerMs === null) {
      expect(r.ratio).toBeNull();
      expect(r.peerReps).toBeNull();
    } else {
      expect(Number.isFinite(r.peerMs) && r.peerMs > 0).toBe(true);
      expect(r.ratio).not.toBeNull();
      expect(Math.abs((r.ratio as number) - r.oursMs / r.peerMs)).toBeLessThanOrEqual(1e-12 * (r.ratio as number));
    }
    if (r.workload !== 'aparl-step' && r.workload !== 'aparl-first-step') {
      // every round's repetitions of ours are pooled; the peer's are counted when it ran
      const { rounds, reps } = plan.schedule(r.S);
      expect(r.reps).toBe(rounds * reps);
      if (r.peerMs !== null) expect(r.peerReps).toBe(rounds * reps);
    }
    if (r.workload === 'aparl-step' || r.workload === 'aparl-first-step') {
      expect(r.K).toBe(plan.aparl?.K);
      expect(typeof r.note).toBe('string');
    }
    if (r.workload === 'W4' && plan.w4Vjp) expect(r.oursVjpMs).toBeGreaterThan(0);
  }
  if (doc.machine.peerAvailable !== true) {
    expect(typeof doc.machine.peerUnavailable).toBe('string');
    expect(doc.results.every((r) => r.peerMs === null)).toBe(true);
  }

  for (const w of ['W1', 'W2', 'W3', 'W4'] as const) {
    const e = doc.exponents.filter((x) => x.workload === w);
    expect(e).toHaveLength(plan.sizes[w].length > 0 ? 1 : 0);
    if (e.length === 0) continue;
    expect(e[0].S).toEqual([...plan.sizes[w]].sort((a, b) => a - b));
    if (plan.sizes[w].length >= 2) expect(Number.isFinite(e[0].exponent)).toBe(true);
    else expect(e[0].exponent).toBeNull();
    if (doc.results.some((r) => r.workload === w && r.peerMs === null)) expect(e[0].peerExponent).toBeNull();
  }
};

describe('bench:json document', () => {
  it('has one row per (workload, S, A), positive timings and consistent ratios (peer as found on this machine)', () => {
    const peer = probePeer();
    const doc = runJsonBench(TINY, { peer });
    expectWellFormed(doc, TINY);
    expect(doc.machine.peerAvailable).toBe(peer.available);
  });

  it('reports why the peer is missing and leaves its figures null', () => {
    const peer = probePeer('/nonexistent/shared/peers/numpy_peer.py');
    expect(peer.available).toBe(false);
    expect(peer.reason).toMatch(/not found|not runnable|not importable/);
    const plan: JsonBenchPlan = { ...TINY, sizes: { W1: [6, 8], W2: [], W3: [], W4: [6] }, aparl: null };
    const doc = runJsonBench(plan, { peer });
    expectWellFormed(doc, plan);
    expect(doc.machine.peerUnavailable).toBe(peer.reason);
  });

  it('says so when the interpreter itself is missing', () => {
    const peer = probePeer('/nonexistent/numpy_peer.py', 'parl-no-such-python');
    expect(peer.available).toBe(false);
    expect(peer.reason).toMatch(/not runnable/);
  });
});

describe('fitExponent', () => {
  it('recovers the exponent of an exact power law and needs two sizes', () => {
    const pts = [10, 20, 40, 80].map((S) => ({ S, ms: 2e-4 * S ** 3 }));
    expect(fitExponent(pts)).toBeCloseTo(3, 12);
    expect(fitExponent([{ S: 10, ms: 1 }])).toBeNull();
    expect(fitExponent([{ S: 10, ms: 1 }, { S: 20, ms: null }])).toBeNull();
  });
});
