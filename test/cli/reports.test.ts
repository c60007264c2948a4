/**
 * Solve reports at the command line: `parl aparl` (JSON records and the text table) and
 * `parl run` (the experiment's JSON records and the HTML report's count of solves).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/html.js';
import { runParlAsync } from '../support/cli.js';

const out = mkdtempSync(join(tmpdir(), 'parl-reports-'));

interface SolveJson {
  readonly quantity: string;
  readonly route: string;
  readonly converged: boolean;
  readonly relativeResidual: number | string;
  readonly iterations: number;
  readonly reliable: boolean;
  readonly warning?: string;
}
interface AparlJson {
  readonly records: Array<{ t: number; solves: SolveJson[] }>;
  readonly solves: { total: number; unreliable: number; firstUnreliable?: string };
}

const APARL = ['aparl', '--problem', 'design', '--env', 'garnet', '--T', '3'];
/** The ν-score solve of an A-PARL step (ψ·w when only the product is needed, ψ when materialised). */
const isNuScore = (s: SolveJson): boolean => s.quantity === 'psi·w' || s.quantity === 'psi';

/**
 * The A-PARL JSON, with the text table of the same arguments (the run is deterministic), both
 * exiting with `status` (3 when a solve behind the records is unreliable); also the stderr of the
 * table run.
 */
const aparl = async (status: number, ...extra: string[]): Promise<{ json: AparlJson; table: string[]; stderr: string }> => {
  const j = await runParlAsync(...APARL, ...extra, '--json');
  expect(j.status, j.stderr).toBe(status);
  const t = await runParlAsync(...APARL, ...extra);
  expect(t.status, t.stderr).toBe(status);
  return { json: JSON.parse(j.stdout) as AparlJson, table: t.stdout.split('\n'), stderr: t.stderr };
};

/** The tally the records imply, checked against the top-level one and the table's closing line. */
const checkTally = (json: AparlJson, table: string[]): void => {
  const all = json.records.flatMap((r) => r.solves);
  const unreliable = all.filter((s) => !s.reliable);
  expect(json.solves.total).toBe(all.length);
  expect(json.solves.unreliable).toBe(unreliable.length);
  if (unreliable.length === 0) {
    expect(json.solves).not.toHaveProperty('firstUnreliable');
    expect(table[table.length - 1]).toBe(`${all.length} numerical solves, 0 unreliable`);
  } else {
    expect(json.solves.firstUnreliable).toMatch(new RegExp(`^${unreliable[0].quantity} \\(${unreliable[0].route}\\): .*UNRELIABLE`));
    expect(table[table.length - 1]).toBe(`${all.length} numerical solves, ${unreliable.length} unreliable (first: ${json.solves.firstUnreliable})`);
  }
};

/** The table's "unreliable solves" and "worst residual" cells, one row per record. */
const tableColumns = (table: string[]): { unreliable: number[]; worst: string[] } => {
  const header = table.findIndex((l) => l.startsWith('t '));
  expect(header).toBeGreaterThanOrEqual(0);
  expect(table[header]).toMatch(/worst residual\s+unreliable solves$/);
  const rows = table.slice(header + 2, table.length - 1).map((l) => l.trim().split(/\s+/));
  return { unreliable: rows.map((c) => Number(c[c.length - 1])), worst: rows.map((c) => c[c.length - 2]) };
};

describe('parl aparl: solve reports', () => {
  it('--json: each record carries a finite V* report and its ν-score solve; the top-level tally and the table agree', async () => {
    const { json, table, stderr } = await aparl(0);
    expect(stderr).toBe('');
    expect(json.records.length).toBe(3);
    for (const rec of json.records) {
      const vStar = rec.solves.filter((s) => s.quantity === 'V*');
      expect(vStar.length, `t = ${rec.t}`).toBeGreaterThan(0);
      for (const s of vStar) {
        expect(typeof s.relativeResidual).toBe('number');
        expect(Number.isFinite(s.relativeResidual) && (s.relativeResidual as number) >= 0).toBe(true);
        expect(s.converged).toBe(true);
      }
      // exact mode: the step's ψ by the implicit route at θ^K (MATH.md §8), solved directly (gauge-lu) at S·A ≤ 1024
      expect(rec.solves.some((s) => isNuScore(s) && s.route === 'gauge-lu'), `t = ${rec.t}: ${JSON.stringify(rec.solves)}`).toBe(true);
      for (const s of rec.solves) {
        expect(typeof s.reliable).toBe('boolean');
        expect(Number.isInteger(s.iterations)).toBe(true);
      }
    }
    checkTally(json, table);
    // the default problem is well-conditioned (λ = 0.1, Garnet): nothing to flag
    expect(json.solves.unreliable).toBe(0);
    const cols = tableColumns(table);
    expect(cols.unreliable).toEqual(json.records.map((r) => r.solves.filter((s) => !s.reliable).length));
    // the column prints the largest relative residual of the record's solves with one decimal
    expect(cols.worst).toEqual(json.records.map((r) => Math.max(...r.solves.map((s) => s.relativeResidual as number)).toExponential(1)));
  });

  it('a near-deterministic lower level (λ = 0.003) is flagged: counted per record and in total, the first one named; exit 3', async () => {
    // measured: 2 of 9 solves are flagged (the implicit ψ·w at κ ≈ 8e10, error bound 0.15 > 1e-8)
    const { json, table, stderr } = await aparl(3, '--lambda', '0.003');
    expect(json.solves.unreliable).toBeGreaterThan(0);
    expect(stderr).toBe(
      `parl aparl: ${json.solves.unreliable} of ${json.solves.total} numerical solves behind these records were unreliable (first: ${json.solves.firstUnreliable}); exit status 3`,
    );
    checkTally(json, table);
    expect(tableColumns(table).unreliable).toEqual(json.records.map((r) => r.solves.filter((s) => !s.reliable).length));
    for (const s of json.records.flatMap((r) => r.solves).filter((x) => !x.reliable)) expect(s.warning).toBeTruthy();
  });
});

/** The one solves paragraph of a report, with its two counts. */
const solvesParagraph = (html: string): { p: string; total: number; unreliable: number } => {
  const paragraphs = html.match(/<p class="solves[^"]*" data-solves="\d+" data-unreliable="\d+">.*?<\/p>/g) ?? [];
  expect(paragraphs.length, html.match(/<p class="solves.*/)?.[0]).toBe(1);
  const p = paragraphs[0] ?? '';
  const counts = p.match(/data-solves="(\d+)" data-unreliable="(\d+)"/) ?? [];
  return { p, total: Number(counts[1]), unreliable: Number(counts[2]) };
};

describe('parl run: solve counts in the records and the HTML report', () => {
  // lambda: 40 solves, none flagged; design: 240 solves, 26 flagged (measured, quick runs)
  for (const name of ['lambda', 'design']) {
    it(`${name} (quick): the JSON records carry the tally and the report shows it next to the figures`, async () => {
      const dir = join(out, name);
      const r = await runParlAsync('run', name, '--out', dir, '--json');
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      const records = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
      const tally = records.solves as { total: number; unreliable: number; firstUnreliable?: string };
      expect(Number.isInteger(tally.total) && Number.isInteger(tally.unreliable)).toBe(true);
      expect(tally.total).toBeGreaterThan(0);
      expect(tally.unreliable).toBeGreaterThanOrEqual(0);
      expect(tally.unreliable).toBeLessThanOrEqual(tally.total);
      expect(tally.firstUnreliable !== undefined).toBe(tally.unreliable > 0);
      if (tally.firstUnreliable !== undefined) expect(tally.firstUnreliable).toMatch(/ \((implicit|gauge-lu|closed|dense|lu|soft-optimum|plain-optimum)\): .*UNRELIABLE/);
      if (name === 'lambda') {
        // every plotted ν-score term comes from an upper-level evaluation with at least one solve
        expect(tally.total).toBeGreaterThanOrEqual(records.data.rows.length);
      }
      expect(summary.experiments[0].solves).toEqual(records.solves);

      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      const { p, total, unreliable } = solvesParagraph(html);
      expect([total, unreliable]).toEqual([tally.total, tally.unreliable]);
      expect(p).toContain(`Numerical solves:</b> ${total}, of which ${unreliable} unreliable`);
      // flagged solves are highlighted, and only then
      expect(p.startsWith('<p class="solves unreliable"')).toBe(unreliable > 0);
      expect(p.includes(' (first: ')).toBe(unreliable > 0);
      // the paragraph sits in the experiment's section, after its figures
      expect(html.indexOf(p)).toBeGreaterThan(html.lastIndexOf('<figure '));
    });
  }

  it('the report paragraph of a tally with flagged solves: counts, highlight, the first one named and escaped', () => {
    const base = { name: 'x', title: 'X', claim: 'c', finding: 'f', summary: [], data: null, figures: [] };
    const meta = { seed: 1, seeds: 1, quick: true, version: '0' };
    const first = 'psi·w (implicit): NOT converged, UNRELIABLE — error bound 3e-1 > 1e-8 <b>';
    const flagged = solvesParagraph(renderReport([{ ...base, solves: { total: 7, unreliable: 2, firstUnreliable: first } }], new Map(), meta));
    expect([flagged.total, flagged.unreliable]).toEqual([7, 2]);
    expect(flagged.p.startsWith('<p class="solves unreliable"')).toBe(true);
    expect(flagged.p).toContain('7, of which 2 unreliable (first: psi·w (implicit): NOT converged, UNRELIABLE — error bound 3e-1 &gt; 1e-8 &lt;b&gt;)');
    const clean = solvesParagraph(renderReport([{ ...base, solves: { total: 3, unreliable: 0 } }], new Map(), meta));
    expect([clean.total, clean.unreliable]).toEqual([3, 0]);
    expect(clean.p.startsWith('<p class="solves" ')).toBe(true);
    // an experiment without reports says so, with no counts to misread
    const none = renderReport([base], new Map(), meta);
    expect(none).toContain('<p class="solves">Numerical solves: no solve reports recorded by this experiment.</p>');
    expect(none).not.toContain('data-solves=');
  });
});
