/** `parl vectors make`: write conformance vectors from parl-ts's own float64 code (VECTORS.md). */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { type ValidationError } from '../../errors/parlError.js';
import { makeVectors, MAX_VECTOR_COUNT, validateMakeOptions, VECTOR_KINDS } from '../../vectors/make.js';
import type { CliIo } from '../io.js';
import { parseIntegerOption } from './options.js';

export const VECTORS_MAKE_HELP = `Usage: parl vectors make --seed N --count K [--kinds LIST] --out DIR

Write K conformance vectors (schema: VECTORS.md) computed by parl-ts's own float64 code, one
JSON file per case, DIR/<id>.json. Every field that exists for the case is written (no thetaStar
or psi at λ = 0, piStar at λ = 0 only when the optimal action is unique, G and its gradients only
with a utility and λ > 0); the description of each case names its generator arguments, seed,
absent fields and tolerance. The tolerance rule (stated in every description):
  rel = clamp(1e4·τ·κ_γ·κ_λ·κ_θ, 1e-9, 1e-4), abs = min(rel/100, ⌊0.1·m⌋₂), with τ = 1e-12 (the
  solver accuracy of MATH.md §5), κ_γ = 1/(1−γ), κ_λ = max(1, 0.1/λ) (1 at λ = 0), κ_θ = 10 for a
  near-deterministic θ (else 1), m = the smallest max|e| over the fields with max|e| > 1e-12 (so
  every such field fails when zeroed or negated) and ⌊·⌋₂ rounding down to two significant digits.
  A draw with abs < (rel/100)/100 (below what float64 can meet) is drawn again.
These are regression vectors (parl-ts checked against itself), not independent references.
Same arguments, same bytes; case i does not depend on K.

Kinds (cases cycle through a 12-slot pattern, 7 garnet : 2 chain : 2 preference : 1 gridworld):
  garnet      S ∈ 2..8, A ∈ 2..4 (S·A ≤ 24), branching 1..S, γ ∈ {0, 0.5, 0.8, 0.9, 0.95, 0.99},
              λ ∈ {0, 0.01, 0.03, 0.1, 0.3, 1}, tabular or linear reward, θ normal or
              near-deterministic, additive utility or none
  gridworld   Sutton & Barto Example 3.5 (S·A = 100; ~250 kB a file), 3 reward features
  chain       the two-state chain, tabular or linear reward
  preference  Garnet with S ≤ 3, A = 2, λ > 0, preference utility (H ≤ 2, β ∈ {0.5, 1, 2, 5})

Options:
  --seed N      seed of the generator (integer ≥ 0)
  --count K     number of cases (1..${MAX_VECTOR_COUNT})
  --kinds LIST  comma-separated kinds (default: ${VECTOR_KINDS.join(',')})
  --out DIR     output directory (created if needed; existing files of the same name are replaced)
  -h, --help    show this help

Check them with: parl vectors check DIR/*.json`;

const STRING_OPTIONS = ['seed', 'count', 'kinds', 'out'] as const;
type StringOption = (typeof STRING_OPTIONS)[number];
const isStringOption = (name: string): name is StringOption => (STRING_OPTIONS as ReadonlyArray<string>).includes(name);

/** The value after an option: not another option (a negative number is a value, so it can be reported). */
const isValue = (arg: string | undefined): arg is string => arg !== undefined && (!arg.startsWith('-') || /^-\d/.test(arg));

/**
 * Read the command line, collecting every problem (unknown options, missing or repeated values,
 * stray arguments) instead of stopping at the first, as node's strict `parseArgs` does.
 */
const readArgs = (args: ReadonlyArray<string>, errors: string[]): { help: boolean; values: Partial<Record<StringOption, string>> } => {
  const values: Partial<Record<StringOption, string>> = {};
  let help = false;
  const stray: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      stray.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, eq >= 0 ? eq : undefined);
    if (!arg.startsWith('--') || !isStringOption(name)) {
      errors.push(`unknown option ${eq >= 0 ? arg.slice(0, eq) : arg}`);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (isValue(args[i + 1])) value = args[++i];
    if (value === undefined || value.trim() === '') {
      errors.push(`--${name} needs a value`);
      continue;
    }
    if (values[name] !== undefined) errors.push(`--${name} given more than once`);
    values[name] = value;
  }
  if (stray.length > 0) errors.push(`unexpected argument(s): ${stray.join(' ')}`);
  return { help, values };
};

/** `--count must be …`, `--kinds[1]: unknown kind …`. */
const optionError = (e: ValidationError): string =>
  e.index !== undefined && e.index.length > 0 ? `--${e.field}[${e.index.join(',')}]: ${e.message}` : `--${e.field} ${e.message}`;

const kB = (chars: number): string => `${(chars / 1024).toFixed(1)} kB`;

/**
 * `parl vectors make` (the arguments after `make`). Every argument error is listed before any
 * work (exit 2); a file that cannot be written is exit 1; otherwise prints one line per file
 * written and a total, exit 0.
 */
export const vectorsMakeCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const errors: string[] = [];
  const { help, values } = readArgs(args, errors);
  if (help) {
    io.out(VECTORS_MAKE_HELP);
    return 0;
  }
  const str = (name: StringOption, required: boolean): string | undefined => {
    const v = values[name];
    if (v === undefined && required && !errors.includes(`--${name} needs a value`)) errors.push(`--${name} is required`);
    return v;
  };
  const seedRaw = str('seed', true);
  const countRaw = str('count', true);
  const kindsRaw = str('kinds', false);
  const out = str('out', true);
  // parse errors of --seed and --count are reported once, here; the generator's checks follow
  const parseErrors: string[] = [];
  const seed = parseIntegerOption('--seed', seedRaw, 0, 0, parseErrors);
  const count = parseIntegerOption('--count', countRaw, 1, 1, parseErrors);
  errors.push(...parseErrors);
  const unusable = new Set<string>([
    ...(seedRaw === undefined || parseErrors.some((e) => e.startsWith('--seed')) ? ['seed'] : []),
    ...(countRaw === undefined || parseErrors.some((e) => e.startsWith('--count')) ? ['count'] : []),
  ]);
  const kinds = kindsRaw?.split(',').map((k) => k.trim());
  const checked = validateMakeOptions({ seed, count, kinds });
  if (E.isLeft(checked)) {
    errors.push(...checked.left.filter((e) => !unusable.has(e.field)).map(optionError));
  }
  if (errors.length > 0 || out === undefined) {
    errors.forEach((e) => io.err(`parl vectors make: ${e}`));
    io.err('parl vectors make: see --help');
    return 2;
  }
  const made = makeVectors({ seed, count, kinds });
  if (E.isLeft(made)) {
    // unreachable: the same arguments passed validateMakeOptions above
    made.left.forEach((e) => io.err(`parl vectors make: ${optionError(e)}`));
    return 2;
  }
  let total = 0;
  for (const v of made.right) {
    const path = join(out, v.fileName);
    const err = io.writeText(path, v.text);
    if (err) {
      io.err(`parl vectors make: cannot write ${path}: ${err.message}`);
      return 1;
    }
    total += v.text.length;
    const fields = Object.keys(v.json.expected).length;
    io.out(`wrote ${path} (${v.kind}, S=${v.json.mdp.S} A=${v.json.mdp.A}, ${fields} fields, ${kB(v.text.length)})`);
  }
  io.out(`wrote ${made.right.length} vector${made.right.length === 1 ? '' : 's'} (${kB(total)}) to ${out}; check with: parl vectors check ${join(out, '*.json')}`);
  return 0;
};
