/** `parl aparl`: run A-PARL on a built-in problem with any configuration, printing its records. */
import * as E from 'fp-ts/lib/Either.js';
import { runAparl, type AparlRecord } from '../../algorithm/aparl.js';
import { DEFAULT_APARL_CONFIG, validateAparlConfig, type AparlConfig } from '../../algorithm/config.js';
import { designProblem, ENVIRONMENTS, rlhfProblem, type Environment } from '../../experiments/problems.js';
import { formatParlError, formatValidationError } from '../../errors/parlError.js';
import { countUnreliable, solveReportJson, tallySolves, worstResidual } from '../../numerics/solveReport.js';
import { EXIT_UNRELIABLE, EXIT_USAGE, exitCodeOf } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { ALLOW_LARGE, formatCount, formatSeconds, limitRefusal, type WorkEstimate } from '../limits.js';
import { makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { parseCommandArgs, parseDecimal } from './options.js';

const PROBLEMS = ['rlhf', 'design'] as const;

export const APARL_HELP = `Usage: parl aparl [--problem rlhf|design] [--env gridworld|garnet] [options] [--json]

Run A-PARL (MATH.md §8) on a built-in bilevel problem and print one record per outer step:
G, ‖ĝ‖, ‖∇G‖ at θ*(ν), the true return, the lower-level gap J* − J, queries used, wall time.
Every invalid option is reported before any work starts.

Problems: rlhf (simulated Bradley–Terry teacher, preference utility), design (additive true-reward utility)
Environments: ${ENVIRONMENTS.join(', ')}

Options (defaults in brackets):
  --mode exact|sampled|oracle   [${DEFAULT_APARL_CONFIG.mode}] oracle needs λ > 0
  --gradient parl|myopic|unrolled|first-order|zeroth-order  [${DEFAULT_APARL_CONFIG.gradient}]
              the upper gradient: PARL's (implicit ν-score at θ^K), myopic, or a hypergradient
              route (unrolled through the K inner steps; first-order value-gap penalty with
              weight --sigma; zeroth-order with --N directions); the routes need exact or oracle mode
  --T N       outer iterations  [${DEFAULT_APARL_CONFIG.T}]
  --K N       inner policy-gradient steps per outer step (≥ 1) [${DEFAULT_APARL_CONFIG.K}]
  --beta X    inner step size (≥ 0)  [${DEFAULT_APARL_CONFIG.beta}]
  --alpha X   outer step size (≥ 0)  [${DEFAULT_APARL_CONFIG.alpha}]
  --lambda X  entropy weight (≥ 0)   [${DEFAULT_APARL_CONFIG.lambda}]
  --N N       samples per outer step in sampled mode; zeroth-order directions [${DEFAULT_APARL_CONFIG.N}]
  --sigma X   penalty weight of the first-order gradient (> 0) [${DEFAULT_APARL_CONFIG.sigma}]
  --seed N    seed of the problem and of every draw [${DEFAULT_APARL_CONFIG.seed}]
  --json      print the records as JSON
  --jsonl     print one JSON line per outer step as it finishes, then a summary line
  --quiet     no progress on stderr
  ${ALLOW_LARGE} run a job estimated beyond the work limits (see parl --help)
  -h, --help  show this help

λ = 0 has no softmax optimum θ*(ν): ‖∇G‖ at θ* is not defined (n/a) and the ν-score term
vanishes at the optimum (proofs/nu-score-vanishes.md); the command says so before it starts.
Exit status: 0 ok, 2 bad usage or a job beyond the limits, 3 if a solve behind the records was
unreliable (the count and the first such solve on stderr).`;

/** Milliseconds of one outer step at K = 5, N = 64 (median of steps 2–6, 2-core x86 VM, Node 20), by problem, environment and mode. */
const STEP_MS: Readonly<Record<string, number>> = {
  'design garnet exact': 9, 'design garnet sampled': 37, 'design garnet oracle': 2.5,
  'rlhf garnet exact': 30, 'rlhf garnet sampled': 54, 'rlhf garnet oracle': 35,
  'design gridworld exact': 34, 'design gridworld sampled': 198, 'design gridworld oracle': 8,
  'rlhf gridworld exact': 46, 'rlhf gridworld sampled': 96, 'rlhf gridworld oracle': 62,
};

/**
 * Estimated cost of an A-PARL run: T outer steps of the measured step time scaled by (K + 3)/8
 * for the inner steps, by (1 + N/64)/2 for the samples or directions (sampled mode, zeroth-order:
 * 8× at N = 64), and about 2 kB plus 16·S·A bytes kept per record.
 */
export const aparlEstimate = (problem: string, env: string, config: AparlConfig, S: number, A: number): WorkEstimate => {
  const base = STEP_MS[`${problem} ${env} ${config.mode}`] ?? 50;
  const nFactor = config.mode === 'sampled' || config.gradient === 'zeroth-order' ? (1 + config.N / 64) / 2 : 1;
  const route = config.gradient === 'zeroth-order' ? 8 : 1;
  const stepMs = base * ((config.K + 3) / 8) * nFactor * route;
  return {
    seconds: (config.T * stepMs) / 1000,
    bytes: config.T * (2048 + 16 * S * A),
    basis: `T = ${formatCount(config.T)} outer steps × ~${formatSeconds(stepMs / 1000)} (K = ${formatCount(config.K)}${nFactor !== 1 ? `, N = ${formatCount(config.N)}` : ''})`,
  };
};

/** What `--lambda 0` means, said before the run starts. */
export const LAMBDA_ZERO_NOTE =
  'λ = 0: the lower level has no softmax optimum θ*(ν) (the optimal policy is deterministic, MATH.md §5), so ‖∇G‖ at θ* is ' +
  'not defined (n/a below), and the ν-score term of ∇G vanishes at the optimum (it falls like e^{−Δ/λ}/λ as λ → 0, ' +
  'proofs/nu-score-vanishes.md); A-PARL steps with ψ at θ^K, whose Hessian is near singular there. With an additive ' +
  'utility (problem design) the myopic term is zero as well, so ν may not move. Use λ > 0 for PARL\'s gradient.';

const fmtNorm = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : 'n/a');

/** The JSON form of one record (`--json`, `--jsonl`). */
const recordJson = (r: AparlRecord): Record<string, unknown> => ({ ...r, solves: r.solves.map(solveReportJson) });


const num = (raw: string | undefined): number | undefined => (raw === undefined ? undefined : parseDecimal(raw));

export const aparlCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const str = { type: 'string' } as const;
  const flag = { type: 'boolean', default: false } as const;
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      problem: { type: 'string', default: 'design' },
      env: { type: 'string', default: 'garnet' },
      mode: str, gradient: str, T: str, K: str, beta: str, alpha: str, lambda: str, N: str, sigma: str, seed: str,
      json: flag, jsonl: flag, quiet: flag, 'allow-large': flag,
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(APARL_HELP);
    return 0;
  }
  const errors: string[] = [];
  if (!(PROBLEMS as ReadonlyArray<string>).includes(values.problem)) errors.push(`--problem: unknown problem "${values.problem}" (known: ${PROBLEMS.join(', ')})`);
  if (!(ENVIRONMENTS as ReadonlyArray<string>).includes(values.env)) errors.push(`--env: unknown environment "${values.env}" (known: ${ENVIRONMENTS.join(', ')})`);
  if (values.json && values.jsonl) errors.push('give either --json or --jsonl, not both');
  const raw: Record<string, unknown> = { trackTrueGradient: true };
  if (values.mode !== undefined) raw.mode = values.mode;
  if (values.gradient !== undefined) raw.gradient = values.gradient;
  for (const k of ['T', 'K', 'beta', 'alpha', 'lambda', 'N', 'sigma', 'seed'] as const) {
    const v = num(values[k]);
    // a value that is not a finite number is reported with the text the user typed
    if (v !== undefined && !Number.isFinite(v)) errors.push(`--${k}: expected a finite decimal number, got "${values[k]}"`);
    else if (v !== undefined) raw[k] = v;
  }
  const cfg = validateAparlConfig(raw);
  if (E.isLeft(cfg)) for (const e of cfg.left) errors.push(`--${formatValidationError(e)}`);
  if (errors.length > 0 || E.isLeft(cfg)) {
    errors.forEach((e) => io.err(`parl aparl: ${e}`));
    return EXIT_USAGE;
  }
  const config = { ...cfg.right, trackTrueGradient: cfg.right.lambda > 0 };
  const env = values.env as Environment;
  const problem = values.problem === 'rlhf' ? rlhfProblem(env, config.seed) : designProblem(env, config.seed);
  const refusal = limitRefusal(aparlEstimate(values.problem, env, config, problem.mdp.S, problem.mdp.A), values['allow-large']);
  if (refusal !== undefined) {
    io.err(`parl aparl: ${refusal}`);
    return EXIT_USAGE;
  }
  if (config.lambda === 0 && config.mode !== 'oracle') io.err(`parl aparl: ${LAMBDA_ZERO_NOTE}`);
  if (values.jsonl) io.out(JSON.stringify({ type: 'config', problem: problem.name, config }));
  const progress = makeProgress(io, `parl aparl ${problem.name}`, values.quiet);
  const run = runAparl(problem, config, {
    now: io.now,
    onStep: (r) => {
      if (values.jsonl) io.out(JSON.stringify({ type: 'record', ...recordJson(r) }));
      progress.tick(r.t + 1, config.T, 'outer steps');
    },
  });
  progress.end();
  if (E.isLeft(run)) {
    io.err(`parl aparl: ${formatParlError(run.left)}`);
    return exitCodeOf(run.left);
  }
  const recs = run.right.records;
  const tally = tallySolves(recs.flatMap((r) => r.solves));
  if (values.jsonl) {
    io.out(JSON.stringify({ type: 'summary', problem: problem.name, solves: tally, nu: Array.from(run.right.nu) }));
  } else if (values.json) {
    io.out(JSON.stringify({ problem: problem.name, config, records: recs.map(recordJson), solves: tally, nu: Array.from(run.right.nu) }, null, 1));
  } else {
    io.out(`A-PARL on ${problem.name}: mode ${config.mode}, gradient ${config.gradient}, T=${config.T}, K=${config.K}, β=${config.beta}, α=${config.alpha}, λ=${config.lambda}${config.mode === 'sampled' ? `, N=${config.N}` : ''}, seed ${config.seed}`);
    io.out(renderTable(
      ['t', 'G', '‖ĝ‖', '‖∇G‖ at θ*', 'true return', 'J* − J', 'queries', 'ms', 'worst residual', 'unreliable solves'],
      recs.map((r) => [String(r.t), r.G.toFixed(5), r.stepGradNorm.toExponential(3), fmtNorm(r.trueGradNorm), r.trueReturn.toFixed(4), r.lowerGap.toExponential(2), String(r.queries), r.wallMs.toFixed(1), worstResidual(r.solves).toExponential(1), String(countUnreliable(r.solves))]),
    ));
    io.out(`${tally.total} numerical solves, ${tally.unreliable} unreliable${tally.firstUnreliable !== undefined ? ` (first: ${tally.firstUnreliable})` : ''}`);
  }
  if (tally.unreliable > 0) {
    io.err(`parl aparl: ${tally.unreliable} of ${tally.total} numerical solves behind these records were unreliable (first: ${tally.firstUnreliable ?? 'unnamed'}); exit status ${EXIT_UNRELIABLE}`);
    return EXIT_UNRELIABLE;
  }
  return 0;
};
