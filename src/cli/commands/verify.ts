/** `parl verify`: the identities implemented so far, on generated MDPs, as a table or JSON. */
import { runVerify } from '../../verify/runVerify.js';
import { EXIT_CHECK_FAILED, EXIT_USAGE } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { ALLOW_LARGE, formatCount, limitRefusal, type WorkEstimate } from '../limits.js';
import { makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { parseCommandArgs, parseCountOption, parseIntegerOption } from './options.js';

/** Seconds per generated case (200 cases: ~5.6 s on a 2-core x86 VM, Node 20, with the fixed checks). */
const SECONDS_PER_CASE = 0.03;

/** Estimated cost of `parl verify` with K generated cases (the reports keep ~1 kB per identity and case). */
export const verifyEstimate = (cases: number): WorkEstimate => ({
  seconds: 1 + cases * SECONDS_PER_CASE,
  bytes: cases * 25 * 1024,
  basis: `${formatCount(cases)} generated cases × ~${SECONDS_PER_CASE * 1000} ms`,
});

export const VERIFY_HELP = `Usage: parl verify [--seed N] [--cases K] [--json | --markdown] [--quiet] [--allow-large]

Check the identities of MATH.md on K generated Garnet MDPs (S ≤ 12, A ≤ 5, γ ∈ [0, 0.99],
λ ∈ {0} ∪ [0.01, 1], logits up to ±30 and near-deterministic policies): policy normalisation and
gauge invariance; the Bellman equations of V and Q, visitation normalisation, Σ_a π·Adv = 0; the
policy gradient theorem and the Hessian ∇²J against 4th-order finite differences, ∇²J symmetric
with the gauge directions in its null space; at the soft optimum θ*: the soft Bellman residual,
∇J(θ*) = 0, V^{π*} = V* and the block form of ∇²J; the ν-score ψ by the implicit route against the
closed form and in vector-Jacobian form; ∇G (additive utility) against finite differences of G(ν)
and its ν-score term. Plus published values: Sutton & Barto Example 3.5 (Figs. 3.2 and 3.5,
V*(A)), pymdptoolbox's forest() and the soft optimum bracketing the plain one. Prints one row per
identity: cases, worst error, the tolerance (derived in src/verify/), pass.

Exit status: 0 every identity holds, 1 any identity fails, 2 bad usage or a job beyond the work
limits (~${SECONDS_PER_CASE * 1000} ms a case: up to ~20000 cases without ${ALLOW_LARGE}).

Options:
  --seed N    seed of the case generator (default 1); same seed, same cases, same output
  --cases K   number of generated cases (default 200)
  --json      print the report as JSON instead of a table
  --markdown  print the table as Markdown (the README's verification-status table)
  --quiet     no progress on stderr
  ${ALLOW_LARGE} run a job estimated beyond the work limits
  -h, --help  show this help`;

export const verifyCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      seed: { type: 'string' },
      cases: { type: 'string' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'allow-large': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(VERIFY_HELP);
    return 0;
  }
  const errors: string[] = [];
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  const cases = parseCountOption('--cases', values.cases, 200, 1, errors);
  if (values.json && values.markdown) errors.push('give either --json or --markdown, not both');
  if (errors.length > 0) {
    errors.forEach((e) => io.err(`parl verify: ${e}`));
    return EXIT_USAGE;
  }
  const refusal = limitRefusal(verifyEstimate(cases), values['allow-large']);
  if (refusal !== undefined) {
    io.err(`parl verify: ${refusal}`);
    return EXIT_USAGE;
  }
  const progress = makeProgress(io, 'parl verify', values.quiet);
  const report = runVerify({ seed, cases, onProgress: (done, total) => progress.tick(done, total, 'cases') });
  progress.end();
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
  return report.ok ? 0 : EXIT_CHECK_FAILED;
};
