import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runParlAsync } from '../support/cli.js';

const out = mkdtempSync(join(tmpdir(), 'parl-run-'));
/** Namespace URIs are identifiers, not fetched; anything else with a scheme would be an external resource. */
const externalUrls = (html: string): string[] =>
  (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((u) => !u.startsWith('http://www.w3.org/'));

describe('parl run', () => {
  it('has --help naming every experiment', async () => {
    const r = await runParlAsync('run', '--help');
    expect(r.status).toBe(0);
    for (const n of ['convergence', 'rlhf', 'design', 'lambda', 'pl']) expect(r.stdout).toContain(n);
  });

  it('rejects bad configurations with every error before any work', async () => {
    const r = await runParlAsync('run', 'nosuch', '--seeds', '0', '--seed=-3', '--out', join(out, 'never'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown experiment "nosuch"');
    expect(r.stderr).toContain('--seeds must be an integer ≥ 1');
    expect(r.stderr).toContain('--seed must be an integer ≥ 0');
    expect(() => readFileSync(join(out, 'never', 'index.html'))).toThrow();
  });

  it('runs reduced experiments and writes records and a self-contained report (one SVG per figure)', async () => {
    for (const name of ['design', 'lambda', 'pl', 'convergence']) {
      const dir = join(out, name);
      const r = await runParlAsync('run', name, '--out', dir, '--json');
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.experiments[0].name).toBe(name);
      const records = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
      expect(records.name).toBe(name);
      expect(records.summary.length).toBeGreaterThan(0);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      const figures = (html.match(/<figure /g) ?? []).length;
      expect(figures).toBeGreaterThan(0);
      expect((html.match(/<svg/g) ?? []).length).toBe(figures);
      expect(html).not.toContain('(figure missing)');
      expect(html).not.toMatch(/<script|<link /);
      expect(externalUrls(html)).toEqual([]);
    }
    // design: the methods the protocol names, α chosen on selection seeds disjoint from the evaluation seeds
    const design = JSON.parse(readFileSync(join(out, 'design', 'design.json'), 'utf8'));
    expect(design.methods.map((m: { id: string }) => m.id)).toEqual(['parl-exact', 'unrolled', 'first-order', 'nu-equals-u', 'true-optimum']);
    const { selectionSeeds, evaluationSeeds } = design.protocol;
    expect(selectionSeeds.some((s: number) => evaluationSeeds.includes(s))).toBe(false);
    expect(design.data.myopic.included).toBe(false);
    for (const m of design.methods) {
      for (const r of m.results) {
        expect(r.peakTrueReturn).toBeGreaterThanOrEqual(r.finalTrueReturn);
        expect(r.collapsed).toBe(r.peakTrueReturn - r.finalTrueReturn > design.protocol.collapseFraction * (r.ceilingTrueReturn - r.startTrueReturn));
      }
      // the ceiling is the true optimum: normalised 1 by construction
      if (m.id === 'true-optimum') for (const r of m.results) expect(r.normalisedFinal).toBeCloseTo(1, 12);
    }
  });

  it('rlhf writes its protocol and one result per problem × evaluation seed for each of the six methods, consistent with the curves', async () => {
    const dir = join(out, 'rlhf');
    const r = await runParlAsync('run', 'rlhf', '--seeds', '2', '--out', dir);
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(join(dir, 'rlhf.json'), 'utf8'));
    // the protocol and the methods are at the top level of rlhf.json
    const { protocol, methods } = rec;
    // step sizes chosen on seeds disjoint from the evaluation seeds, which are --seed … --seed + --seeds − 1
    expect(protocol.evaluationSeeds).toEqual([1, 2]);
    expect(protocol.selectionSeeds.length).toBeGreaterThan(0);
    expect(protocol.selectionSeeds.some((s: number) => protocol.evaluationSeeds.includes(s))).toBe(false);
    const problems: string[] = protocol.problems.map((p: { id: string }) => p.id);
    expect(new Set(problems).size).toBe(problems.length);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(methods.map((m: { id: string }) => m.id)).toEqual(['parl-exact', 'myopic', 'parl-sampled-loo', 'parl-oracle', 'stable-mle', 'true-reward']);
    const { collapseFraction, holdLevel, queriesPerStep, mleCheckTolerance } = protocol;
    for (const m of methods) {
      // one result per (problem, evaluation seed)
      const keys = m.results.map((x: { problem: string; seed: number }) => `${x.problem}:${x.seed}`);
      expect([...keys].sort()).toEqual(problems.flatMap((p) => protocol.evaluationSeeds.map((s: number) => `${p}:${s}`)).sort());
      if (['parl-exact', 'myopic', 'parl-sampled-loo', 'parl-oracle'].includes(m.id)) for (const p of problems) expect(m.selection.some((x: { problem: string; alpha: number }) => x.problem === p && x.alpha === m.alpha[p])).toBe(true);
      for (const x of m.results) {
        const range = x.optimumTrueReturn - x.uniformTrueReturn;
        expect(range).toBeGreaterThan(0);
        expect(x.peakTrueReturn).toBeGreaterThanOrEqual(x.finalTrueReturn);
        expect(x.collapsed).toBe(x.peakTrueReturn - x.finalTrueReturn > collapseFraction * range);
        expect(x.normalisedFinal).toBeCloseTo((x.finalTrueReturn - x.uniformTrueReturn) / range, 12);
        expect(x.normalisedPeak).toBeCloseTo((x.peakTrueReturn - x.uniformTrueReturn) / range, 12);
        // reach AND hold: from the reported query count on, the curve never drops below the level, and just before it, it is below
        const curve: number[] = x.normalisedCurve;
        expect(curve[curve.length - 1]).toBeCloseTo(x.normalisedFinal, 12);
        if (x.queriesToHold90 === null) expect(curve[curve.length - 1]).toBeLessThan(holdLevel);
        else {
          const t = x.queriesToHold90 / queriesPerStep;
          expect(Number.isInteger(t)).toBe(true);
          expect(curve.slice(t).every((v) => v >= holdLevel)).toBe(true);
          if (t > 0) expect(curve[t - 1]).toBeLessThan(holdLevel);
        }
        // the diagnostic at every step; the MLE solves are stationary points of the myopic objective,
        // checked independently with the library's enumeration of every segment pair
        expect(x.diagnostic.distance.length).toBe(curve.length);
        expect(x.diagnostic.mleConverged).toBe(true);
        expect(x.mleCheck.tolerance).toBe(mleCheckTolerance);
        expect(x.mleCheck.libraryGradientInf).toBeLessThanOrEqual(mleCheckTolerance);
        // on the data it generates, the MLE is at least as likely as ν itself
        x.diagnostic.gAtMle.forEach((g: number, i: number) => expect(g).toBeGreaterThanOrEqual(x.diagnostic.gAtNu[i] - 1e-12));
      }
    }
    // the report states every aggregate as what it is
    expect(rec.summary.some((s: { value: string }) => s.value.includes('mean ± 95% CI') && s.value.includes('median'))).toBe(true);
    expect(rec.finding).toMatch(/Verdict on the claim: /);
  });
});

describe('parl aparl', () => {
  it('lists every configuration problem (negative step, K = 0, λ = 0 with oracle, unknown environment) before any work', async () => {
    const r = await runParlAsync('aparl', '--T', '5', '--K', '0', '--beta=-1', '--alpha=-2', '--mode', 'oracle', '--lambda', '0', '--env', 'mars', '--problem', 'x');
    expect(r.status).toBe(2);
    for (const s of ['--problem: unknown problem "x"', '--env: unknown environment "mars"', '--K: must be an integer ≥ 1', '--beta: the inner step size β', '--alpha: the outer step size α', '--lambda: oracle mode needs λ > 0']) {
      expect(r.stderr).toContain(s);
    }
    expect(r.stdout).toBe('');
  });

  it('runs and prints records as JSON with every field', async () => {
    const r = await runParlAsync('aparl', '--problem', 'design', '--env', 'garnet', '--T', '3', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.records.length).toBe(3);
    for (const rec of j.records) {
      for (const k of ['t', 'G', 'stepGradNorm', 'trueGradNorm', 'trueReturn', 'lowerGap', 'queries', 'wallMs']) expect(rec).toHaveProperty(k);
      expect(Number.isFinite(rec.G) && Number.isFinite(rec.trueGradNorm)).toBe(true);
    }
    // the design utility's G increases along PARL's ascent steps
    expect(j.records[2].G).toBeGreaterThan(j.records[0].G);
  });
});
