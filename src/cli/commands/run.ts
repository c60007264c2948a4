/** `parl run`: the experiments of A-PARL, with JSON records and a self-contained HTML report. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPERIMENT_NAMES, EXPERIMENTS, type ExperimentResult } from '../../experiments/index.js';
import { renderSvg } from '../../report/figures.js';
import { renderReport } from '../../report/html.js';
import type { CliIo } from '../io.js';
import { renderTable } from '../table.js';
import { parseIntegerOption } from './options.js';

export const RUN_HELP = `Usage: parl run <name>|all [--seed N] [--seeds N] [--full] [--out DIR] [--json]

Run an experiment (quick version unless --full), write its records as DIR/<name>.json and a
self-contained HTML report with SVG figures as DIR/index.html, and print a summary table.

Experiments:
${EXPERIMENT_NAMES.map((n) => `  ${n.padEnd(12)} ${EXPERIMENTS[n].about}`).join('\n')}
  all          every experiment above (the main job: npm start)

Options:
  --seed N    first seed (default 1); seed k of a multi-seed experiment is N + k
  --seeds N   number of seeds for experiments that average over seeds (default 10)
  --full      the full versions (longer horizons, more samples)
  --out DIR   output directory (default: report)
  --json      print the summaries as JSON instead of a table
  -h, --help  show this help`;

const bar = (done: number, total: number): string => {
  const w = 24;
  const k = Math.round((w * done) / Math.max(total, 1));
  return `[${'#'.repeat(k)}${'.'.repeat(w - k)}] ${done}/${total}`;
};

/**
 * The JSON records of one experiment: name, options, finding, summary, the solve tally, and its
 * data. An experiment with a protocol (how seeds and hyper-parameters were chosen) and a list of
 * methods has both at the top level; the rest of its data stays under `data`.
 */
export const recordsJson = (
  name: string,
  o: { readonly seed: number; readonly seeds: number; readonly quick: boolean },
  result: ExperimentResult,
): Record<string, unknown> => {
  const data = result.data;
  const lifted = typeof data === 'object' && data !== null && !Array.isArray(data) && 'protocol' in data && 'methods' in data;
  const { protocol, methods, ...rest } = lifted ? (data as Record<string, unknown>) : { protocol: undefined, methods: undefined };
  return {
    name,
    ...o,
    finding: result.finding,
    summary: result.summary,
    solves: result.solves ?? null,
    ...(lifted ? { protocol, methods, data: rest } : { data }),
  };
};

export const runCommand = async (args: ReadonlyArray<string>, io: CliIo): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      full: { type: 'boolean', default: false },
      out: { type: 'string', default: 'report' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  // validate everything before any work starts, and report every problem
  const errors: string[] = [];
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  const seeds = parseIntegerOption('--seeds', values.seeds, 10, 1, errors);
  if (positionals.length !== 1) errors.push(`expected one experiment name or "all", got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const name = positionals[0];
  if (positionals.length === 1 && name !== 'all' && !(name in EXPERIMENTS)) errors.push(`unknown experiment "${name}" (known: ${EXPERIMENT_NAMES.join(', ')}, all)`);
  if (errors.length > 0) {
    errors.forEach((e) => io.err(`parl run: ${e}`));
    return 2;
  }
  const names = name === 'all' ? EXPERIMENT_NAMES : [name];
  const quick = !values.full;
  const results: ExperimentResult[] = [];
  const timings: Record<string, number> = {};
  for (const n of names) {
    const t0 = io.now();
    const result = EXPERIMENTS[n].run({
      seed,
      seeds,
      quick,
      onProgress: (done, total) => io.status(`${n.padEnd(12)} ${bar(done, total)}`),
    });
    io.status('');
    timings[n] = io.now() - t0;
    results.push(result);
    const err = io.writeText(join(values.out, `${n}.json`), JSON.stringify(recordsJson(n, { seed, seeds, quick }, result), null, 1));
    if (err) {
      io.err(`parl run: cannot write ${join(values.out, `${n}.json`)}: ${err.message}`);
      return 1;
    }
  }
  const svgs = new Map<string, string>();
  for (const r of results) for (const f of r.figures) svgs.set(f.id, await renderSvg(f.spec));
  const html = renderReport(results, svgs, { seed, seeds, quick, version: '0.1.0' });
  const reportPath = join(values.out, 'index.html');
  const err = io.writeText(reportPath, html);
  if (err) {
    io.err(`parl run: cannot write ${reportPath}: ${err.message}`);
    return 1;
  }
  if (values.json) {
    io.out(JSON.stringify({ report: reportPath, experiments: results.map((r) => ({ name: r.name, finding: r.finding, summary: r.summary, solves: r.solves ?? null, seconds: timings[r.name] / 1000 })) }, null, 2));
  } else {
    io.out(renderTable(
      ['experiment', 'metric', 'value'],
      results.flatMap((r) => r.summary.map((s, i) => [i === 0 ? r.name : '', s.metric, s.value])),
    ));
    for (const r of results) io.out(`\n${r.name} (${(timings[r.name] / 1000).toFixed(1)} s): ${r.finding}`);
    io.out(`\nreport: ${reportPath} (records: ${names.map((n) => join(values.out, `${n}.json`)).join(', ')})`);
  }
  return 0;
};
