/** `parl bandit`: PARL's performative optimum against the myopic fixed point on a two-armed bandit. */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError, formatValidationError } from '../../errors/parlError.js';
import { BANDIT_AGREEMENT, BANDIT_DEFAULTS, runBandit, validateBanditParams, type BanditPoint } from '../../experiments/bandit.js';
import type { CliIo } from '../io.js';
import { parseCommandArgs, parseDecimal } from './options.js';
import { renderTable } from '../table.js';

export const BANDIT_HELP = `Usage: parl bandit [--lambda L] [--beta B] [--gap D] [--json]

One state, two actions, preference pairs of single actions labelled by a Bradley–Terry teacher
(proofs/bandit-performative.md). PARL maximises G(ν) = E_{pairs ∼ π*(ν)}[U_ν], which also rewards ν
for choosing the data on which its own predictions look good (a performative optimum); the myopic
method converges to the MLE on the data its own policy generates, Δ = β·Δu. Prints both stationary
points — ν-gap Δ = ν₀ − ν₁, π*(better action), G — from running each method with parl-ts's exact
gradients (Newton along the gap direction from ν = 0) and from the closed form. Exits 1 if a run
does not converge or the two disagree by more than ${BANDIT_AGREEMENT}, 2 on bad usage.

Options (defaults in brackets):
  --lambda L  entropy weight λ > 0 [${BANDIT_DEFAULTS.lambda}]
  --beta B    teacher rationality β > 0 [${BANDIT_DEFAULTS.beta}]
  --gap D     true reward gap Δu = u₀ − u₁, any finite number [${BANDIT_DEFAULTS.trueGap}]
              (a negative value as --gap -1 or --gap=-1)
  --json      print the result as JSON
  -h, --help  show this help`;

/** A number option (its default when absent); a value that is not a number is an error naming the option and the text. */
const num = (name: string, raw: string | undefined, fallback: number, errors: string[]): number => {
  if (raw === undefined) return fallback;
  const x = parseDecimal(raw);
  if (raw.trim() === '' || Number.isNaN(x)) {
    errors.push(`--${name}: not a number: "${raw}"`);
    return fallback;
  }
  return x;
};

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(6) : String(x));

export const banditCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const str = { type: 'string' } as const;
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      lambda: str, beta: str, gap: str,
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(BANDIT_HELP);
    return 0;
  }
  const errors: string[] = [];
  const raw = {
    lambda: num('lambda', values.lambda, BANDIT_DEFAULTS.lambda, errors),
    beta: num('beta', values.beta, BANDIT_DEFAULTS.beta, errors),
    trueGap: num('gap', values.gap, BANDIT_DEFAULTS.trueGap, errors),
  };
  const params = validateBanditParams(raw);
  if (E.isLeft(params)) for (const e of params.left) errors.push(`--${formatValidationError(e)}`);
  if (errors.length > 0 || E.isLeft(params)) {
    for (const e of errors) io.err(`parl bandit: ${e}`);
    return 2;
  }
  const result = runBandit(params.right);
  if (E.isLeft(result)) {
    io.err(`parl bandit: ${formatParlError(result.left)}`);
    return 1;
  }
  const r = result.right;
  const notConverged = (['parl', 'myopic'] as const).filter((m) => !r[m].converged || !r.closedForm[m].converged);
  if (values.json) io.out(JSON.stringify(r, null, 1));
  else {
    const { lambda, beta, trueGap } = r.params;
    io.out(`Two-armed bandit: λ = ${lambda}, β = ${beta}, Δu = ${trueGap} (teacher prefers the better action with probability ${(1 / (1 + Math.exp(-beta * Math.abs(trueGap)))).toFixed(4)})`);
    const row = (name: string, how: string, p: BanditPoint): string[] => [name, how, fmt(p.gap), fmt(p.piBest), fmt(p.G), String(p.iterations), p.converged ? 'yes' : 'NO'];
    io.out(renderTable(
      ['method', 'computed by', 'gap ν₀ − ν₁', 'π(best)', 'G', 'iterations', 'converged'],
      [
        row('PARL', 'library run', r.parl),
        row('PARL', 'closed form', r.closedForm.parl),
        row('myopic (MLE)', 'library run', r.myopic),
        row('myopic (MLE)', 'closed form', r.closedForm.myopic),
      ],
    ));
    io.out(`library runs vs closed form: largest difference ${r.disagreement.toExponential(2)} (must be ≤ ${BANDIT_AGREEMENT.toExponential(0)})`);
  }
  if (notConverged.length > 0) {
    // the library's gradients carry the informative-pair rate 2π*(0)π*(1) = 2σ(Δ/λ)σ(−Δ/λ), which
    // underflows to 0 once |Δ|/λ passes ≈ 745: the runs cannot reach a point that far out
    const far = Math.abs(r.closedForm.myopic.gap) / r.params.lambda > 700;
    io.err(`parl bandit: not converged: ${notConverged.join(', ')}${far ? ' (the MLE is at |Δ|/λ > 700, where π*(0)π*(1), a factor of every gradient of the library, underflows)' : ''}`);
    return 1;
  }
  if (!(r.disagreement <= BANDIT_AGREEMENT)) {
    io.err(`parl bandit: library runs and closed form differ by ${r.disagreement.toExponential(2)} > ${BANDIT_AGREEMENT}`);
    return 1;
  }
  return 0;
};
