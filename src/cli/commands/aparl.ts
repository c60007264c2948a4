/** `parl aparl`: run A-PARL on a built-in problem with any configuration, printing its records. */
import * as E from 'fp-ts/lib/Either.js';
import { parseArgs } from 'node:util';
import { runAparl } from '../../algorithm/aparl.js';
import { DEFAULT_APARL_CONFIG, validateAparlConfig } from '../../algorithm/config.js';
import { designProblem, ENVIRONMENTS, rlhfProblem, type Environment } from '../../experiments/problems.js';
import { formatParlError, formatValidationError } from '../../errors/parlError.js';
import { countUnreliable, solveReportJson, tallySolves, worstResidual } from '../../numerics/solveReport.js';
import type { CliIo } from '../io.js';
import { renderTable } from '../table.js';

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
  -h, --help  show this help`;

const num = (raw: string | undefined): number | undefined => (raw === undefined ? undefined : raw.trim() === '' ? NaN : Number(raw));

export const aparlCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args: [...args],
    options: {
      problem: { type: 'string', default: 'design' },
      env: { type: 'string', default: 'garnet' },
      mode: str, gradient: str, T: str, K: str, beta: str, alpha: str, lambda: str, N: str, sigma: str, seed: str,
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(APARL_HELP);
    return 0;
  }
  const errors: string[] = [];
  if (!(PROBLEMS as ReadonlyArray<string>).includes(values.problem)) errors.push(`--problem: unknown problem "${values.problem}" (known: ${PROBLEMS.join(', ')})`);
  if (!(ENVIRONMENTS as ReadonlyArray<string>).includes(values.env)) errors.push(`--env: unknown environment "${values.env}" (known: ${ENVIRONMENTS.join(', ')})`);
  const raw: Record<string, unknown> = { trackTrueGradient: true };
  if (values.mode !== undefined) raw.mode = values.mode;
  if (values.gradient !== undefined) raw.gradient = values.gradient;
  for (const k of ['T', 'K', 'beta', 'alpha', 'lambda', 'N', 'sigma', 'seed'] as const) {
    const v = num(values[k]);
    if (v !== undefined) raw[k] = v;
  }
  const cfg = validateAparlConfig(raw);
  if (E.isLeft(cfg)) for (const e of cfg.left) errors.push(`--${formatValidationError(e)}`);
  if (errors.length > 0 || E.isLeft(cfg)) {
    errors.forEach((e) => io.err(`parl aparl: ${e}`));
    return 2;
  }
  const config = { ...cfg.right, trackTrueGradient: cfg.right.lambda > 0 };
  const env = values.env as Environment;
  const problem = values.problem === 'rlhf' ? rlhfProblem(env, config.seed) : designProblem(env, config.seed);
  const run = runAparl(problem, config, {
    now: io.now,
    onStep: (r) => io.status(`A-PARL ${problem.name}: step ${r.t + 1}/${config.T}`),
  });
  io.status('');
  if (E.isLeft(run)) {
    io.err(`parl aparl: ${formatParlError(run.left)}`);
    return 1;
  }
  const recs = run.right.records;
  if (values.json) {
    const records = recs.map((r) => ({ ...r, solves: r.solves.map(solveReportJson) }));
    io.out(JSON.stringify({ problem: problem.name, config, records, solves: tallySolves(recs.flatMap((r) => r.solves)), nu: Array.from(run.right.nu) }, null, 1));
  } else {
    io.out(`A-PARL on ${problem.name}: mode ${config.mode}, gradient ${config.gradient}, T=${config.T}, K=${config.K}, β=${config.beta}, α=${config.alpha}, λ=${config.lambda}${config.mode === 'sampled' ? `, N=${config.N}` : ''}, seed ${config.seed}`);
    io.out(renderTable(
      ['t', 'G', '‖ĝ‖', '‖∇G‖ at θ*', 'true return', 'J* − J', 'queries', 'ms', 'worst residual', 'unreliable solves'],
      recs.map((r) => [String(r.t), r.G.toFixed(5), r.stepGradNorm.toExponential(3), r.trueGradNorm.toExponential(3), r.trueReturn.toFixed(4), r.lowerGap.toExponential(2), String(r.queries), r.wallMs.toFixed(1), worstResidual(r.solves).toExponential(1), String(countUnreliable(r.solves))]),
    ));
    const tally = tallySolves(recs.flatMap((r) => r.solves));
    io.out(`${tally.total} numerical solves, ${tally.unreliable} unreliable${tally.firstUnreliable !== undefined ? ` (first: ${tally.firstUnreliable})` : ''}`);
  }
  return 0;
};
