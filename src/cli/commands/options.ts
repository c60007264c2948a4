/** Option parsing shared by the commands: negative numbers as values, integer options. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An argument that is a negative number (or −∞/NaN spelled as a number) rather than an option. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d|Infinity$|inf$|NaN$)/i;

/**
 * Rewrite `--name -1` as `--name=-1` when `name` is a string option, so that a negative number is
 * read as the option's value; node's strict `parseArgs` calls `--name -1` ambiguous. Arguments
 * after `--` are left alone.
 */
export const joinNegativeValues = (
  args: ReadonlyArray<string>,
  options: NonNullable<ParseArgsConfig['options']>,
): string[] => {
  const out: string[] = [];
  const stringOption = (arg: string): boolean => {
    if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string';
    if (/^-[^-]$/.test(arg)) return Object.values(options).some((o) => o.short === arg.slice(1) && o.type === 'string');
    return false;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (!arg.includes('=') && next !== undefined && NEGATIVE_NUMBER.test(next) && stringOption(arg)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
};

/** node's strict `parseArgs` on a command's arguments, with negative numbers read as values (`joinNegativeValues`). */
export const parseCommandArgs = <T extends ParseArgsConfig & { readonly options: NonNullable<ParseArgsConfig['options']> }>(
  config: T,
): ReturnType<typeof parseArgs<T>> => {
  const args = joinNegativeValues(config.args ?? [], config.options);
  const parsed = parseArgs<T>({ ...config, args, strict: true } as T);
  // an option given twice would silently take its last value: refuse it as a usage error
  const { tokens } = parseArgs({ ...config, args, strict: true, tokens: true });
  const seen = new Set<string>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || config.options[t.name]?.multiple === true) continue;
    if (seen.has(t.name)) throw Object.assign(new TypeError(`option --${t.name} is given more than once`), { code: 'ERR_PARSE_ARGS_REPEATED_OPTION' });
    seen.add(t.name);
  }
  return parsed;
};

/**
 * A decimal number as typed on the command line (`12`, `-0.5`, `1e6`, `.3`), or NaN: `Number()` alone
 * would also read `0x10` as 16, `0b11` as 3 and `' '` as 0.
 */
export const parseDecimal = (raw: string): number => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : NaN);

/** Parse an integer option ≥ `min`; on a bad value push an error naming the option and return the default. */
export const parseIntegerOption = (
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  errors: string[],
): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    errors.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return fallback;
  }
  return n;
};

/**
 * Parse a count option (an integer ≥ `min`, also written as `1e6`); on a bad value push an error
 * naming the option and return the default. Huge values parse: the work limit refuses them with an
 * estimate instead.
 */
export const parseCountOption = (
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  errors: string[],
): number => {
  if (raw === undefined) return fallback;
  const n = parseDecimal(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    errors.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return fallback;
  }
  return n;
};
