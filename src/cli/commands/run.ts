/** `parl run`: the experiments of A-PARL, with JSON records and a self-contained HTML report. */
import { join } from 'node:path';
import { EXPERIMENT_NAMES, EXPERIMENTS, type ExperimentResult } from '../../experiments/index.js';
import { renderSvg } from '../../report/figures.js';
import { renderReport } from '../../report/html.js';
import { EXIT_USAGE } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { ALLOW_LARGE, formatCount, formatSeconds, limitRefusal, type WorkEstimate } from '../limits.js';
import { formatDuration, makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { packageVersion } from '../version.js';
import { parseCommandArgs, parseCountOption, parseIntegerOption } from './options.js';

/**
 * Cost of each experiment: seconds of the quick version at 10 seeds (one run on a 2-core x86 VM,
 * Node 20, under load), the part of it that grows with the number of seeds (evaluation plus
 * selection seeds: `selection`), and the factor of the full version over the quick one.
 */
const EXPERIMENT_COST: Readonly<Record<string, { readonly quick: number; readonly perSeed: boolean; readonly selection: readonly [number, number]; readonly full: number }>> = {
  convergence: { quick: 0.8, perSeed: false, selection: [0, 0], full: 20 },
  rlhf: { quick: 30, perSeed: true, selection: [2, 3], full: 18 },
  design: { quick: 1.8, perSeed: true, selection: [1, 3], full: 20 },
  lambda: { quick: 0.1, perSeed: false, selection: [0, 0], full: 6 },
  pl: { quick: 0.2, perSeed: false, selection: [0, 0], full: 50 },
  hypergradients: { quick: 0.4, perSeed: false, selection: [0, 0], full: 11 },
  queries: { quick: 17, perSeed: true, selection: [3, 5], full: 40 },
};

/** Estimated seconds of one experiment with `seeds` seeds, quick or full. */
export const experimentSeconds = (name: string, seeds: number, quick: boolean): number => {
  const c = EXPERIMENT_COST[name] ?? { quick: 20, perSeed: true, selection: [0, 0] as const, full: 20 };
  const seedFactor = c.perSeed ? (seeds + c.selection[quick ? 0 : 1]) / (10 + c.selection[0]) : 1;
  return c.quick * seedFactor * (quick ? 1 : c.full);
};

/** Estimated cost of `parl run` over `names` (the records of an experiment grow with its seeds: ~1 MB per seed as an upper bound). */
export const runEstimate = (names: ReadonlyArray<string>, seeds: number, quick: boolean): WorkEstimate => {
  const parts = names.map((n) => ({ n, s: experimentSeconds(n, seeds, quick) }));
  const seconds = parts.reduce((a, p) => a + p.s, 0);
  const biggest = parts.reduce((a, p) => (p.s > a.s ? p : a), parts[0]);
  return {
    seconds,
    bytes: 2e8 + names.length * seeds * 1e6,
    basis: `${names.length === 1 ? names[0] : `${names.length} experiments`}${quick ? '' : ' --full'} with ${formatCount(seeds)} seeds` +
      (names.length > 1 ? ` (${biggest.n} ~${formatSeconds(biggest.s)})` : ''),
  };
};

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
  --jsonl     print one JSON line per experiment as it finishes, then one for the report
  --quiet     no progress on stderr
  ${ALLOW_LARGE} run a job estimated beyond the work limits (see parl --help)
  -h, --help  show this help

Estimated times (quick, --seeds 10): ${EXPERIMENT_NAMES.map((n) => `${n} ${formatDuration(experimentSeconds(n, 10, true))}`).join(', ')};
--full multiplies them by ${EXPERIMENT_NAMES.map((n) => `${(EXPERIMENT_COST[n]?.full ?? 20).toFixed(0)}`).join(', ')} in that order.
Exit status: 0 ok (whatever the verdicts: they are findings, and every experiment tallies its
unreliable solves in its records and report), 1 a file could not be written, 2 bad usage or a
job beyond the work limits (estimated before anything runs).`;

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
  const { values, positionals } = parseCommandArgs({
    args: [...args],
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      full: { type: 'boolean', default: false },
      out: { type: 'string', default: 'report' },
      json: { type: 'boolean', default: false },
      jsonl: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'allow-large': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  // validate everything before any work starts, and report every problem
  const errors: string[] = [];
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  const seeds = parseCountOption('--seeds', values.seeds, 10, 1, errors);
  if (values.json && values.jsonl) errors.push('give either --json or --jsonl, not both');
  if (positionals.length !== 1) errors.push(`expected one experiment name or "all", got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const name = positionals[0];
  if (positionals.length === 1 && name !== 'all' && !(name in EXPERIMENTS)) errors.push(`unknown experiment "${name}" (known: ${EXPERIMENT_NAMES.join(', ')}, all)`);
  if (errors.length > 0) {
    errors.forEach((e) => io.err(`parl run: ${e}`));
    return EXIT_USAGE;
  }
  const names = name === 'all' ? EXPERIMENT_NAMES : [name];
  const quick = !values.full;
  const refusal = limitRefusal(runEstimate(names, seeds, quick), values['allow-large']);
  if (refusal !== undefined) {
    io.err(`parl run: ${refusal}`);
    return EXIT_USAGE;
  }
  const results: ExperimentResult[] = [];
  const timings: Record<string, number> = {};
  for (const n of names) {
    const t0 = io.now();
    const progress = makeProgress(io, `parl run ${n}`, values.quiet);
    const result = EXPERIMENTS[n].run({ seed, seeds, quick, onProgress: (done, total) => progress.tick(done, total) });
    progress.end();
    timings[n] = io.now() - t0;
    results.push(result);
    if (values.jsonl) {
      io.out(JSON.stringify({ type: 'experiment', name: result.name, finding: result.finding, summary: result.summary, solves: result.solves ?? null, seconds: timings[n] / 1000, records: join(values.out, `${n}.json`) }));
    }
    const err = io.writeText(join(values.out, `${n}.json`), JSON.stringify(recordsJson(n, { seed, seeds, quick }, result), null, 1));
    if (err) {
      io.err(`parl run: cannot write ${join(values.out, `${n}.json`)}: ${err.message}`);
      return 1;
    }
  }
  const svgs = new Map<string, string>();
  for (const r of results) for (const f of r.figures) svgs.set(f.id, await renderSvg(f.spec));
  const html = renderReport(results, svgs, { seed, seeds, quick, version: packageVersion(io) });
  const reportPath = join(values.out, 'index.html');
  const err = io.writeText(reportPath, html);
  if (err) {
    io.err(`parl run: cannot write ${reportPath}: ${err.message}`);
    return 1;
  }
  if (values.jsonl) {
    io.out(JSON.stringify({ type: 'report', report: reportPath, seconds: Object.values(timings).reduce((a, t) => a + t, 0) / 1000 }));
  } else if (values.json) {
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
