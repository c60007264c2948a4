import { beforeAll, describe, expect, it } from 'vitest';
import { EXPERIMENT_NAMES } from '../../src/experiments/index.js';
import { cosineSimilarity, relativeError, runHypergradients } from '../../src/experiments/hypergradients.js';
import { runParl, runParlAsync } from '../support/cli.js';

interface Point {
  readonly budget: number;
  readonly relError: number;
  readonly cosine: number;
  readonly ms: number;
  readonly lowerSolves: number;
  readonly evaluations: number;
  readonly hessianVectorProducts: number;
  readonly innerSteps?: number;
}
interface Output {
  readonly problem: Record<string, unknown>;
  readonly exact: { readonly gradient: number[]; readonly norm: number; readonly ms: number; readonly solves: unknown[] };
  readonly routes: ReadonlyArray<{ readonly route: string; readonly points: ReadonlyArray<Point> }>;
}

const jsonRun = async (...args: string[]): Promise<Output> => {
  const r = await runParlAsync('hypergradients', '--json', ...args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Output;
};
const pointsOf = (o: Output, route: string): ReadonlyArray<Point> => o.routes.find((r) => r.route === route)?.points ?? [];
/** Each error at most the previous one, except where both are at rounding (≤ 1e-12). */
const nonIncreasing = (xs: ReadonlyArray<number>): boolean => xs.every((x, i) => i === 0 || x <= xs[i - 1] || (x <= 1e-12 && xs[i - 1] <= 1e-12));

describe('parl hypergradients', () => {
  let out: Output;
  beforeAll(async () => {
    out = await jsonRun();
  });

  it('--json: the problem, the exact gradient and every route, each point with numeric budget, error and cost', () => {
    expect(out.problem).toMatchObject({ name: 'rlhf-garnet', S: 4, A: 2, d: 8, lambda: 0.3, gamma: 0.8 });
    expect(out.exact.gradient).toHaveLength(8);
    expect(out.exact.norm).toBeGreaterThan(0);
    expect(typeof out.exact.ms).toBe('number');
    expect(out.exact.solves.length).toBeGreaterThan(0);
    expect(out.routes.map((r) => r.route)).toEqual(['implicit', 'unrolled', 'first-order', 'zeroth-order', 'myopic']);
    for (const r of out.routes) {
      for (const p of r.points) {
        for (const k of ['budget', 'relError', 'cosine', 'ms', 'lowerSolves', 'evaluations', 'hessianVectorProducts'] as const) {
          expect(typeof p[k], `${r.route} ${k}`).toBe('number');
          expect(Number.isFinite(p[k]), `${r.route} ${k}`).toBe(true);
        }
      }
      // budgets are distinct (implicit points with equal iterations are kept once)
      expect(new Set(r.points.map((p) => p.budget)).size).toBe(r.points.length);
    }
    for (const route of ['unrolled', 'first-order', 'zeroth-order']) expect(pointsOf(out, route).length, route).toBeGreaterThanOrEqual(3);
    expect(pointsOf(out, 'implicit').length).toBeGreaterThanOrEqual(1);
    expect(pointsOf(out, 'myopic').map((p) => p.budget)).toEqual([0]);
    for (const p of pointsOf(out, 'first-order')) expect(typeof p.innerSteps).toBe('number');
  });

  it('implicit is exact to rounding, unrolled reaches 1e-3, and the budgeted routes improve with their budgets', () => {
    expect(Math.min(...pointsOf(out, 'implicit').map((p) => p.relError))).toBeLessThan(1e-8);
    const unrolled = pointsOf(out, 'unrolled');
    expect(unrolled[unrolled.length - 1].relError).toBeLessThan(1e-3);
    for (const route of ['unrolled', 'first-order', 'zeroth-order']) {
      const errs = pointsOf(out, route).map((p) => p.relError);
      expect(nonIncreasing(errs), `${route}: ${errs.join(', ')}`).toBe(true);
      expect(errs[errs.length - 1], route).toBeLessThan(errs[0]);
    }
    // first-order: the error is O(1/σ), so error × σ is the same at every σ (within 5%)
    const eSigma = pointsOf(out, 'first-order').map((p) => p.relError * p.budget);
    expect(Math.max(...eSigma) / Math.min(...eSigma)).toBeLessThan(1.05);
    // the ν-score term matters on the default problem: the myopic gradient is not ∇G
    expect(pointsOf(out, 'myopic')[0].relError).toBeGreaterThan(1e-2);
  });

  it('the cosine of a zero vector is 0 (design: the myopic gradient vanishes)', async () => {
    const design = await jsonRun('--problem', 'design');
    const myopic = pointsOf(design, 'myopic')[0];
    expect(myopic.cosine).toBe(0);
    expect(myopic.relError).toBe(1);
    const g = Float64Array.from([1, -2, 3]);
    expect(cosineSimilarity(new Float64Array(3), g)).toBe(0);
    expect(cosineSimilarity(g, new Float64Array(3))).toBe(0);
    expect(cosineSimilarity(g, g)).toBeCloseTo(1, 15);
    expect(relativeError(new Float64Array(3), g)).toBe(1);
  });

  it('prints a table with every route and the solve tally', async () => {
    const r = await runParlAsync('hypergradients', '--env', 'chain');
    expect(r.status, r.stderr).toBe(0);
    for (const s of ['route', 'budget', 'relError', 'cosine', 'ms', 'lower solves', 'evaluations', 'HVPs', 'implicit', 'unrolled', 'first-order', 'zeroth-order', 'myopic', 'K = 1000', 'σ = 10000', 'N = 1000', 'numerical solves']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('reports every bad option with its field and exits 2 before any work', async () => {
    const r = await runParlAsync('hypergradients', '--problem', 'nosuch', '--env', 'maze', '--seed=-1', '--lambda', '0');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--problem: unknown problem "nosuch"');
    expect(r.stderr).toContain('--env: unknown environment "maze"');
    expect(r.stderr).toContain('--seed must be an integer ≥ 0');
    expect(r.stderr).toContain('--lambda: must be a finite number > 0');
    for (const bad of [['--lambda', 'abc'], ['--lambda', ''], ['--lambda', '-0.1'], ['--seed', '1.5'], ['--bogus']]) {
      const b = await runParlAsync('hypergradients', ...bad);
      expect(b.status, bad.join(' ')).toBe(2);
      expect(b.stderr.length).toBeGreaterThan(0);
    }
    const help = await runParlAsync('hypergradients', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: parl hypergradients');
    expect(runParl('--help').stdout).toContain('hypergradients');
  });
});

describe('experiment "hypergradients"', () => {
  it('is registered for parl run', () => {
    expect(EXPERIMENT_NAMES).toContain('hypergradients');
  });

  it('returns a log-log figure, a summary, the solve tally and a finding made of its numbers', () => {
    const r = runHypergradients({ seed: 1, seeds: 1, quick: true });
    expect(r.name).toBe('hypergradients');
    expect(r.figures).toHaveLength(1);
    const spec = JSON.stringify(r.figures[0].spec);
    expect(spec).toContain('"type":"log"');
    expect(spec).toContain('"field":"evaluations"');
    expect(r.summary.length).toBeGreaterThan(3);
    expect(r.solves?.total).toBeGreaterThan(0);
    expect(r.solves?.unreliable).toBe(0);
    expect(r.claim).toContain('Contradicted by');
    const data = r.data as {
      routes: ReadonlyArray<{ route: string; points: ReadonlyArray<{ budget: number; relError: number }> }>;
      analysis: {
        myopic: { relError: number };
        implicit: { relError: number };
        unrolled: { reaches1e8At?: number; fittedRate: number; predictedRate: number; consistent: boolean };
        firstOrder: { errorTimesSigma: number[]; slope: number; consistent: boolean };
        zerothOrder: { errorTimesSqrtN: number[]; consistent: boolean };
      };
    };
    const a = data.analysis;
    expect(r.finding).toContain(a.myopic.relError.toExponential(2));
    expect(r.finding).toContain(a.implicit.relError.toExponential(1));
    // the budgets reach 1e-8 on the default problem (K = 1000 is the largest): a K from the grid, not undefined
    expect([10, 30, 100, 300, 1000]).toContain(a.unrolled.reaches1e8At);
    expect(r.finding).toContain(`K = ${a.unrolled.reaches1e8At}`);
    expect(r.finding).toContain(a.unrolled.fittedRate.toFixed(4));
    expect(r.finding).toContain(a.unrolled.predictedRate.toFixed(4));
    expect(r.finding).toContain(Math.min(...a.firstOrder.errorTimesSigma).toExponential(2));
    expect(r.finding).toContain(a.firstOrder.slope.toFixed(3));
    for (const x of a.zerothOrder.errorTimesSqrtN) expect(r.finding).toContain(x.toFixed(2));
    // on the default problem every rate agrees with the claim
    expect([a.unrolled.consistent, a.firstOrder.consistent, a.zerothOrder.consistent]).toEqual([true, true, true]);
    expect(r.finding).not.toContain('CONTRADICTED');
  });
});
