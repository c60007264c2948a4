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
    expect(design.data.methods.map((m: { id: string }) => m.id)).toEqual(['parl-exact', 'unrolled', 'first-order', 'nu-equals-u', 'true-optimum']);
    const { selectionSeeds, evaluationSeeds } = design.data.protocol;
    expect(selectionSeeds.some((s: number) => evaluationSeeds.includes(s))).toBe(false);
    expect(design.data.myopic.included).toBe(false);
    for (const m of design.data.methods) {
      for (const r of m.results) {
        expect(r.peakTrueReturn).toBeGreaterThanOrEqual(r.finalTrueReturn);
        expect(r.collapsed).toBe(r.peakTrueReturn - r.finalTrueReturn > design.data.protocol.collapseFraction * (r.ceilingTrueReturn - r.startTrueReturn));
      }
      // the ceiling is the true optimum: normalised 1 by construction
      if (m.id === 'true-optimum') for (const r of m.results) expect(r.normalisedFinal).toBeCloseTo(1, 12);
    }
  });

  it('rlhf records both methods over the requested seeds, with queries counted', async () => {
    const dir = join(out, 'rlhf');
    const r = await runParlAsync('run', 'rlhf', '--seeds', '2', '--out', dir);
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(join(dir, 'rlhf.json'), 'utf8'));
    for (const env of rec.data) {
      for (const f of ['0.5', '0.8']) {
        expect(env.queriesToTarget[f].parl.length).toBe(2);
        expect(env.queriesToTarget[f].myopic.length).toBe(2);
      }
      const methods = new Set(env.rows.map((x: { method: string }) => x.method));
      expect([...methods].sort()).toEqual(['PARL', 'myopic']);
      const q = env.rows.filter((x: { method: string }) => x.method === 'PARL').map((x: { queries: number }) => x.queries);
      expect(q[q.length - 1]).toBeGreaterThan(q[0]);
    }
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
