/** `parl kernels`: the batched gpu.js kernels, checked against the float64 reference. */
import * as E from 'fp-ts/lib/Either.js';
import {
  AUTO_LOG_SOFTMAX_MIN_ELEMENTS,
  AUTO_PL_SCAN_MIN_SAMPLES,
  AUTO_SOFTMAX_MIN_ACTIONS,
  AUTO_SOFTMAX_MIN_ELEMENTS,
  autoBackend,
} from '../../kernels/auto.js';
import { formatParlError } from '../../errors/parlError.js';
import { BACKEND_NAMES, KERNEL_CLASS, backendAvailability, backendUnavailable, parseBackendChoice, precisionOf, type BackendName } from '../../kernels/backend.js';
import { runKernelsCheck } from '../../kernels/check.js';
import { EXIT_CHECK_FAILED, EXIT_USAGE } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { ALLOW_LARGE, formatCount, limitRefusal, type WorkEstimate } from '../limits.js';
import { makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { parseCommandArgs, parseCountOption, parseIntegerOption } from './options.js';

/**
 * Estimated cost of `parl kernels check` on `backends` gpu.js backends with `rows` rows per logit
 * batch: ~3 s of kernel compilation and ~0.1 ms per row per backend (2048 rows: 6.5 s, 20000
 * rows: 10.5 s for two backends), ~2 kB per row (logits, results and references for A = 2, 4, 16).
 */
export const kernelsCheckEstimate = (rows: number, backends: number): WorkEstimate => ({
  seconds: backends * (3 + rows * 1e-4),
  bytes: 1e8 + rows * 2048,
  basis: `${formatCount(rows)} rows per batch on ${backends} backend${backends === 1 ? '' : 's'}`,
});

export const KERNELS_HELP = `Usage: parl kernels <command> [options]

Commands:
  check [--backend NAME] [--seed N] [--json]   every batched kernel vs the float64 reference
  backends [--json]                            which backends can run here, and what auto picks

Run "parl kernels check --help" for details.`;

export const KERNELS_CHECK_HELP = `Usage: parl kernels check [--backend NAME] [--seed N] [--rows N] [--json]

Run every batched kernel (softmax, log-softmax, log-sum-exp, softmax score; batched policy
evaluation V, d, J, ∇J) on gpu.js backends against the float64 reference (the js backend) on
generated inputs: logits uniform in ±20 and ±200, near-deterministic rows, ±200 with ties
(A = 2, 4, 16); Garnet MDPs with γ up to 0.99 and λ ∈ {0, 0.1}, as B policies on one MDP and
as B MDPs. Prints per kernel: backend, kernel class that ran, max abs and rel error, the float32
tolerance it is held to (rtol, atol at the worst entry) and the worst error / allowed error.
Exit status: 0 every kernel is within its tolerance, 1 any kernel exceeds it, 2 on bad usage, a
job beyond the work limits (--rows beyond ~2·10^6), or when a named backend cannot run here (the
message says why and how to enable it).

Options:
  --backend NAME  gpu-cpu, webasm, headlessgl, webgpu, auto or all (default all: every
                  available gpu.js backend; unavailable ones are listed with the reason).
                  js is the reference itself; auto checks the backend auto picks for
                  large log-softmax batches
  --seed N        seed of the generated inputs (default 1)
  --rows N        rows per generated logit batch (default 2048)
  --json          print the report as JSON
  --quiet         no progress on stderr
  ${ALLOW_LARGE}   run a job estimated beyond the work limits
  -h, --help      show this help`;

export const KERNELS_BACKENDS_HELP = `Usage: parl kernels backends [--json]

List every backend (js, gpu-cpu, webasm, headlessgl, webgpu): whether it can run here (and if
not, why and how to enable it), its kernel class and precision, and what auto picks.`;

const e = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : String(x));

const backendsCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values } = parseCommandArgs({
    args: [...args],
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(KERNELS_BACKENDS_HELP);
    return 0;
  }
  const rows = BACKEND_NAMES.map((b) => ({ ...backendAvailability(b), kernelClass: KERNEL_CLASS[b], precision: precisionOf(b) }));
  const auto = {
    softmaxFewActions: autoBackend('softmax', { elements: 2 ** 20, A: 4 }),
    softmaxManyActions: autoBackend('softmax', { elements: 2 ** 20, A: 16 }),
    logSoftmax: autoBackend('logSoftmax', { elements: 2 ** 20, A: 4 }),
    evaluation: autoBackend('evaluation', { elements: 2 ** 20 }),
    plScan: autoBackend('plScan', { elements: AUTO_PL_SCAN_MIN_SAMPLES, S: 16 }),
  };
  if (values.json) {
    io.out(JSON.stringify({ backends: rows, auto }, null, 2));
    return 0;
  }
  io.out(renderTable(
    ['backend', 'available', 'kernel class', 'precision'],
    rows.map((r) => [r.backend, r.available ? 'yes' : 'no', r.kernelClass, r.precision]),
  ));
  for (const r of rows) if (!r.available) io.out(`${r.backend}: ${r.reason}`);
  io.out(
    `auto picks (measured, see src/kernels/auto.ts): softmax/score ${auto.softmaxFewActions} for A < ${AUTO_SOFTMAX_MIN_ACTIONS}, ` +
      `${auto.softmaxManyActions} for A ≥ ${AUTO_SOFTMAX_MIN_ACTIONS} from ${AUTO_SOFTMAX_MIN_ELEMENTS} elements; ` +
      `log-softmax/log-sum-exp ${auto.logSoftmax} from ${AUTO_LOG_SOFTMAX_MIN_ELEMENTS} elements; ` +
      `policy evaluation ${auto.evaluation}; pl-scan ${auto.plScan} from ${AUTO_PL_SCAN_MIN_SAMPLES} θ with S ≤ 16; js below the thresholds`,
  );
  return 0;
};

const checkCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      backend: { type: 'string' },
      seed: { type: 'string' },
      rows: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'allow-large': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(KERNELS_CHECK_HELP);
    return 0;
  }
  const errors: string[] = [];
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  const rows = parseCountOption('--rows', values.rows, 2048, 1, errors);
  let backends: BackendName[] = BACKEND_NAMES.filter((b) => b !== 'js');
  let named = false;
  if (values.backend !== undefined && values.backend !== 'all') {
    const choice = parseBackendChoice(values.backend);
    if (E.isLeft(choice)) {
      errors.push(`--${formatParlError(choice.left)} or all`);
    } else {
      named = true;
      backends = [choice.right === 'auto' ? autoBackend('logSoftmax', { elements: 2 ** 20, A: 4 }) : choice.right];
    }
  }
  if (errors.length > 0) {
    errors.forEach((m) => io.err(`parl kernels check: ${m}`));
    return EXIT_USAGE;
  }
  const refusal = limitRefusal(kernelsCheckEstimate(rows, backends.length), values['allow-large']);
  if (refusal !== undefined) {
    io.err(`parl kernels check: ${refusal}`);
    return EXIT_USAGE;
  }
  if (named && backends[0] === 'js') {
    io.out('parl kernels check: js is the float64 reference itself (auto picks it here); nothing to compare');
    return 0;
  }
  if (named) {
    const a = backendAvailability(backends[0]);
    if (!a.available) {
      io.err(`parl kernels check: --${formatParlError(backendUnavailable(a.backend, `is not available: ${a.reason}`))}`);
      return 2;
    }
  }
  const progress = makeProgress(io, 'parl kernels check', values.quiet);
  const report = runKernelsCheck({ backends, seed, rows, onProgress: (done, total, what) => progress.tick(done, total, what) });
  progress.end();
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    io.out(`parl kernels check: seed ${seed}, float32 kernels vs the float64 reference (js)`);
    if (report.rows.length > 0) {
      io.out(renderTable(
        ['backend', 'kernel class', 'kernel', 'values', 'max abs', 'max rel', 'rtol', 'atol', 'worst/allowed', 'pass'],
        report.rows.map((r) => [r.backend, r.kernelClass, r.kernel, String(r.values), e(r.maxAbs), e(r.maxRel), e(r.rtol), e(r.atol), r.worstRatio.toFixed(3), r.pass ? 'pass' : 'FAIL']),
      ));
      io.out('tolerances: ' + [...new Set(report.rows.map((r) => `${r.kernel.replace(/ \(A=\d+\)$/, '')}: ${r.tolerance}`))].join('; '));
    }
    for (const u of report.unavailable) io.out(`${u.backend}: not checked, ${u.reason}`);
    const failed = report.rows.filter((r) => !r.pass);
    failed.forEach((r) => io.out(`FAIL ${r.backend} ${r.kernel}: worst error ${e(r.maxAbs)} is ${r.worstRatio.toFixed(2)}× the tolerance`));
    io.out(report.rows.length === 0 ? 'no gpu.js backend could run here' : report.ok ? 'every kernel is within its float32 tolerance' : `${failed.length} kernel(s) exceed their tolerance`);
  }
  return report.ok ? 0 : EXIT_CHECK_FAILED;
};

/** `parl kernels <command>`: dispatch to `check` or `backends`. */
export const kernelsCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(KERNELS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'check') return checkCommand(rest, io);
  if (sub === 'backends') return backendsCommand(rest, io);
  io.err(`parl kernels: unknown command "${sub}"\n\n${KERNELS_HELP}`);
  return 2;
};
