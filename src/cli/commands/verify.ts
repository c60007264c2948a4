/** `parl verify`: the identities implemented so far, on generated MDPs, as a table or JSON. */
import { parseArgs } from 'node:util';
import { runVerify } from '../../verify/runVerify.js';
import type { CliIo } from '../io.js';
import { renderTable } from '../table.js';
import { parseIntegerOption } from './options.js';

export const VERIFY_HELP = `Usage: parl verify [--seed N] [--cases K] [--json | --markdown]

Check the identities of MATH.md implemented so far (policy normalisation, gauge invariance,
Bellman equations, visitation normalisation, Σπ·Adv = 0, the policy gradient theorem against
4th-order finite differences) on K generated Garnet MDPs (S ≤ 12, A ≤ 5, γ ∈ [0, 0.99],
λ ∈ {0} ∪ [0.01, 1], logits up to ±30 and near-deterministic policies), plus published values
(Sutton & Barto Example 3.5). Prints one row per identity: cases, worst error relative to its
tolerance, the tolerance, pass. Exits 1 if any identity fails.

Options:
  --seed N    seed of the case generator (default 1); same seed, same cases, same output
  --cases K   number of generated cases (default 200)
  --json      print the report as JSON instead of a table
  --markdown  print the table as Markdown (the README's verification-status table)
  -h, --help  show this help`;

export const verifyCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      seed: { type: 'string' },
      cases: { type: 'string' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(VERIFY_HELP);
    return 0;
  }
  const errors: string[] = [];
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  const cases = parseIntegerOption('--cases', values.cases, 200, 1, errors);
  if (errors.length > 0) {
    errors.forEach((e) => io.err(`parl verify: ${e}`));
    return 2;
  }
  const report = runVerify({
    seed,
    cases,
    onProgress: io.progress && !values.json
      ? (done, total) => { if (done % 20 === 0 || done === total) io.err(`  verified ${done}/${total} cases`); }
      : undefined,
  });
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else if (values.markdown) {
    io.out(`| identity | source | cases | worst error | tolerance | pass |\n| --- | --- | ---: | ---: | ---: | --- |`);
    for (const r of report.rows) {
      io.out(`| ${r.identity.replace(/\|/g, '\\|')} | ${r.source.replace(/\|/g, '\\|')} | ${r.cases} | ${r.worstError.toExponential(2)} | ${r.tolerance.toExponential(2)} | ${r.pass ? 'pass' : '**FAIL**'} |`);
    }
  } else {
    io.out(`parl verify: seed ${seed}, ${cases} generated cases`);
    io.out(renderTable(
      ['identity', 'cases', 'worst error', 'tolerance', 'pass'],
      report.rows.map((r) => [r.identity, String(r.cases), r.worstError.toExponential(2), r.tolerance.toExponential(2), r.pass ? 'pass' : 'FAIL']),
    ));
    const failed = report.rows.filter((r) => !r.pass);
    failed.forEach((r) => io.out(`FAIL ${r.identity}: worst case ${r.worstCase}`));
    io.out(report.ok ? 'all identities hold' : `${failed.length} identit${failed.length === 1 ? 'y' : 'ies'} failed`);
  }
  return report.ok ? 0 : 1;
};
