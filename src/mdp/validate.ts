/**
 * Validation of tabular MDPs and of the tables and vectors that go with them (MATH.md §1).
 *
 * Every function here is total: it never throws and never hangs, whatever it is given
 * (null, strings, objects whose getters throw, revoked proxies, `S = 1e12`, …). It reads each
 * input value once, collects every problem with its field and index (at most
 * `MAX_ERRORS_PER_FIELD` per field, then one summary error), and on success returns fresh
 * `Float64Array` copies that share nothing with the input. Nothing is renormalised or
 * clamped: a row that does not sum to 1 is an error, not something to fix.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { ROW_SUM_TOLERANCE, type Mdp, type MdpWithReward } from './types.js';
import { formatValidationError, type ValidationError } from '../errors/parlError.js';

/** The result of a validation (MATH.md §1): every problem found, or the validated value. */
export type Validation<T> = E.Either<NonEmptyArray<ValidationError>, T>;

/** Largest dense `P` (S·A·S entries, 8 bytes each) that builders and adapters allocate: 2^27 ≈ 1.3e8. */
export const MAX_DENSE_ENTRIES = 2 ** 27;

/** Errors reported per field before the rest are summarised as "… and N more" (MATH.md §1). */
export const MAX_ERRORS_PER_FIELD = 20;

// ---------------------------------------------------------------------------------------------
// Error collection

/** Accumulates errors per field, capping each field at `MAX_ERRORS_PER_FIELD`. */
export interface ErrorLog {
  readonly report: (field: string, message: string, index?: ReadonlyArray<number>) => void;
  /** Number of errors reported so far for `field` (or in total without an argument). */
  readonly count: (field?: string) => number;
  /** The errors in field order, each capped field followed by its summary. */
  readonly errors: () => ValidationError[];
}

/** A fresh error log with the per-field cap of MATH.md §1 validation. */
export const makeErrorLog = (cap: number = MAX_ERRORS_PER_FIELD): ErrorLog => {
  const kept = new Map<string, ValidationError[]>();
  const counts = new Map<string, number>();
  let total = 0;
  const report = (field: string, message: string, index?: ReadonlyArray<number>): void => {
    total++;
    const n = (counts.get(field) ?? 0) + 1;
    counts.set(field, n);
    let list = kept.get(field);
    if (list === undefined) {
      list = [];
      kept.set(field, list);
    }
    if (n <= cap) list.push(index === undefined ? { field, message } : { field, index: [...index], message });
  };
  const count = (field?: string): number => (field === undefined ? total : counts.get(field) ?? 0);
  const errors = (): ValidationError[] => {
    const out: ValidationError[] = [];
    for (const [field, list] of kept) {
      out.push(...list);
      const n = counts.get(field) ?? 0;
      if (n > cap) out.push({ field, message: `… and ${n - cap} more errors in ${field}` });
    }
    return out;
  };
  return { report, count, errors };
};

/** `Left(errors)` if the log holds any, else `Right(value())` (MATH.md §1). */
export const finish = <T>(log: ErrorLog, value: () => T): Validation<T> => {
  const errs = log.errors();
  return errs.length > 0 ? E.left(errs as NonEmptyArray<ValidationError>) : E.right(value());
};

// ---------------------------------------------------------------------------------------------
// Safe reading of untrusted values

/** A short description of any value for a validation message (MATH.md §1); never throws. */
export const describeValue = (v: unknown): string => {
  try {
    switch (typeof v) {
      case 'number':
        return Object.is(v, -0) ? '-0' : String(v);
      case 'string':
        return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
      case 'bigint':
        return `${v.toString()}n (a bigint)`;
      case 'boolean':
        return String(v);
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return 'a symbol';
      case 'function':
        return 'a function';
      default:
        if (v === null) return 'null';
        if (Array.isArray(v)) return `an array of length ${v.length}`;
        if (ArrayBuffer.isView(v)) return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
        return 'an object';
    }
  } catch {
    return 'an unreadable value';
  }
};

/** The message of a thrown value; never throws. */
const thrownMessage = (e: unknown): string => {
  try {
    if (e instanceof Error) return `${e.name}: ${String(e.message)}`;
    return describeValue(e);
  } catch {
    return 'an unreadable exception';
  }
};

/** `true` for a non-null, non-array object whose fields can be read. */
const isRecord = (x: unknown): x is Record<string, unknown> => {
  try {
    return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
  } catch {
    return false;
  }
};

/** Read `obj[key]` once; a throwing getter or proxy becomes an error on `field` (MATH.md §1 validation). */
export const readField = (obj: Record<string, unknown>, key: string, log: ErrorLog, field: string = key): unknown => {
  try {
    return obj[key];
  } catch (e) {
    log.report(field, `reading the field threw ${thrownMessage(e)}`);
    return undefined;
  }
};

/** A number[] or Float64Array with its length, or `undefined` (and an error) for anything else. */
const asArrayLike = (
  x: unknown,
  field: string,
  log: ErrorLog,
): { readonly arr: ArrayLike<unknown>; readonly length: number } | undefined => {
  try {
    if (x === undefined) {
      log.report(field, 'missing (expected number[] or Float64Array)');
      return undefined;
    }
    if (x instanceof Float64Array) return { arr: x, length: x.length };
    if (Array.isArray(x)) {
      const length: unknown = x.length;
      if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length > 0xffffffff) {
        log.report(field, `array reports an impossible length ${describeValue(length)}`);
        return undefined;
      }
      return { arr: x as unknown[], length };
    }
    log.report(field, `expected number[] or Float64Array, got ${describeValue(x)}`);
    return undefined;
  } catch (e) {
    log.report(field, `could not read the array: ${thrownMessage(e)}`);
    return undefined;
  }
};

/** Options for `readFiniteArray`. */
interface ReadOptions {
  /** Multi-index of flat position `i` for messages. */
  readonly indexOf: (i: number) => ReadonlyArray<number>;
  /** Report negative entries (probabilities). */
  readonly nonNegative?: boolean;
  /** What the expected length is, for the message (e.g. `"S*A*S"`). */
  readonly lengthName?: string;
}

/**
 * Copy a number[] / Float64Array of exactly `expected` entries into a fresh Float64Array,
 * reporting non-numbers, NaN, ±∞ (stored as NaN in the copy) and, if asked, negative entries.
 * With a wrong length the entries are not checked; `expected === undefined` means the
 * length cannot be known (e.g. S is invalid) and only the type is checked.
 */
const readFiniteArray = (
  x: unknown,
  expected: number | undefined,
  field: string,
  log: ErrorLog,
  opts: ReadOptions,
): Float64Array | undefined => {
  const got = asArrayLike(x, field, log);
  if (got === undefined || expected === undefined) return undefined;
  if (got.length !== expected) {
    const what = opts.lengthName !== undefined ? `${opts.lengthName} = ${expected}` : `${expected}`;
    log.report(field, `wrong length: expected ${what} entries, got ${got.length}`);
    return undefined;
  }
  const out = new Float64Array(expected);
  try {
    const { arr } = got;
    for (let i = 0; i < expected; i++) {
      const v: unknown = arr[i];
      if (typeof v !== 'number') {
        log.report(field, `not a number: ${describeValue(v)}`, opts.indexOf(i));
        out[i] = NaN;
      } else if (Number.isNaN(v)) {
        log.report(field, 'NaN', opts.indexOf(i));
        out[i] = NaN;
      } else if (v === Infinity || v === -Infinity) {
        log.report(field, v > 0 ? '+Infinity' : '-Infinity', opts.indexOf(i));
        out[i] = NaN;
      } else {
        if (opts.nonNegative === true && v < 0) log.report(field, `negative probability ${v}`, opts.indexOf(i));
        out[i] = v;
      }
    }
  } catch (e) {
    log.report(field, `reading the entries threw ${thrownMessage(e)}`);
    return undefined;
  }
  return out;
};

/** Σ xs[from..to) with Neumaier compensation (accurate row sums for the 1e-9 check). */
const compensatedSum = (xs: Float64Array, from: number, to: number): number => {
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const x = xs[i];
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + c;
};

/** Report `field` (at `index`) if `xs[from..to)` is finite and its sum is off 1 by more than the tolerance. */
const checkSumIsOne = (
  xs: Float64Array,
  from: number,
  to: number,
  field: string,
  what: string,
  log: ErrorLog,
  index?: ReadonlyArray<number>,
): void => {
  for (let i = from; i < to; i++) if (!Number.isFinite(xs[i])) return; // already reported entry by entry
  const sum = compensatedSum(xs, from, to);
  if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) {
    log.report(field, `${what} sums to ${sum} (off 1 by ${sum - 1}; tolerance ${ROW_SUM_TOLERANCE})`, index);
  }
};

/** A positive safe integer (S, A; MATH.md §1) read from `raw`, or `undefined` with an error on `field`. */
export const readPositiveInteger = (raw: unknown, field: string, log: ErrorLog): number | undefined => {
  if (raw === undefined) {
    log.report(field, 'missing (expected an integer ≥ 1)');
    return undefined;
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) {
    log.report(field, `must be an integer ≥ 1, got ${describeValue(raw)}`);
    return undefined;
  }
  if (!Number.isSafeInteger(raw)) {
    log.report(field, `must be an integer ≥ 1 below 2^53, got ${describeValue(raw)}`);
    return undefined;
  }
  return raw;
};

/** A discount factor γ ∈ [0, 1) (MATH.md §1), or `undefined` with an error on `field`. */
export const readGamma = (raw: unknown, field: string, log: ErrorLog): number | undefined => {
  if (raw === undefined) {
    log.report(field, 'missing (expected a number in [0, 1))');
    return undefined;
  }
  if (typeof raw !== 'number') {
    log.report(field, `must be a number in [0, 1), got ${describeValue(raw)}`);
    return undefined;
  }
  if (!Number.isFinite(raw)) {
    log.report(field, `must be finite and in [0, 1), got ${describeValue(raw)}`);
    return undefined;
  }
  if (!(raw >= 0 && raw < 1)) {
    log.report(field, `must be in [0, 1), got ${describeValue(raw)}`);
    return undefined;
  }
  return raw === 0 ? 0 : raw; // −0 → +0
};

// ---------------------------------------------------------------------------------------------
// Public validators

/** Flat index → [s, a, s'] for `P` (MATH.md §1 layout `(s*A + a)*S + s'`). */
const pIndex = (S: number, A: number) => (i: number): number[] => [Math.floor(i / (A * S)), Math.floor(i / S) % A, i % S];
/** Flat index → [s, a] for an S×A table (MATH.md §1 layout `s*A + a`). */
const tableIndex = (A: number) => (i: number): number[] => [Math.floor(i / A), i % A];
const vectorIndex = (i: number): number[] => [i];

/** Check `P` (length, entries, row sums) given valid S and A; returns the copy or undefined. */
const checkP = (raw: unknown, S: number | undefined, A: number | undefined, log: ErrorLog): Float64Array | undefined => {
  if (S === undefined || A === undefined) {
    asArrayLike(raw, 'P', log); // type only: the length is unknown
    return undefined;
  }
  const n = S * A * S;
  if (!Number.isSafeInteger(n)) {
    if (asArrayLike(raw, 'P', log) !== undefined) {
      log.report('P', `wrong length: S*A*S = ${n} exceeds any array length`);
    }
    return undefined;
  }
  const before = log.count('P');
  const P = readFiniteArray(raw, n, 'P', log, { indexOf: pIndex(S, A), nonNegative: true, lengthName: 'S*A*S' });
  if (P === undefined) return undefined;
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const from = (s * A + a) * S;
      checkSumIsOne(P, from, from + S, 'P', 'row', log, [s, a]);
    }
  }
  return log.count('P') === before ? P : undefined;
};

/** Check `rho` (length, entries, sum) given a valid S; returns the copy or undefined. */
const checkRho = (raw: unknown, S: number | undefined, log: ErrorLog): Float64Array | undefined => {
  if (S === undefined) {
    asArrayLike(raw, 'rho', log);
    return undefined;
  }
  const before = log.count('rho');
  const rho = readFiniteArray(raw, S, 'rho', log, { indexOf: vectorIndex, nonNegative: true, lengthName: 'S' });
  if (rho === undefined) return undefined;
  checkSumIsOne(rho, 0, S, 'rho', 'rho', log);
  return log.count('rho') === before ? rho : undefined;
};

/**
 * Validate a tabular MDP `{S, A, gamma, P, rho}` (MATH.md §1), reporting every problem with
 * its field and index; on success returns a branded `Mdp` holding fresh Float64Array copies.
 */
export const validateMdp = (input: unknown): Validation<Mdp> => {
  const log = makeErrorLog();
  try {
    if (!isRecord(input)) {
      log.report('$', `expected an object {S, A, gamma, P, rho}, got ${describeValue(input)}`);
      return finish(log, () => undefined as never);
    }
    // read each field exactly once (getters may change their answer between reads)
    const rawS = readField(input, 'S', log);
    const rawA = readField(input, 'A', log);
    const rawGamma = readField(input, 'gamma', log);
    const rawP = readField(input, 'P', log);
    const rawRho = readField(input, 'rho', log);
    const S = log.count('S') === 0 ? readPositiveInteger(rawS, 'S', log) : undefined;
    const A = log.count('A') === 0 ? readPositiveInteger(rawA, 'A', log) : undefined;
    const gamma = log.count('gamma') === 0 ? readGamma(rawGamma, 'gamma', log) : undefined;
    const P = log.count('P') === 0 ? checkP(rawP, S, A, log) : undefined;
    const rho = log.count('rho') === 0 ? checkRho(rawRho, S, log) : undefined;
    return finish(log, () => {
      if (S === undefined || A === undefined || gamma === undefined || P === undefined || rho === undefined) {
        throw new Error('internal: validateMdp found no error but a field is missing');
      }
      return Object.freeze({ S, A, gamma, P, rho }) as Mdp;
    });
  } catch (e) {
    // last resort: nothing above should throw, but the contract is "never throws"
    return E.left([{ field: '$', message: `validation failed unexpectedly: ${thrownMessage(e)}` }]);
  }
};

/** Check an S×A table (e.g. rewards, logits) against known S and A; errors indexed [s, a]. */
export const checkTable = (S: number, A: number, input: unknown, field: string, log: ErrorLog): Float64Array | undefined => {
  const before = log.count(field);
  const n = S * A;
  if (!Number.isSafeInteger(n) || n < 1) {
    log.report(field, `cannot check a table for S = ${describeValue(S)}, A = ${describeValue(A)}`);
    return undefined;
  }
  const t = readFiniteArray(input, n, field, log, { indexOf: tableIndex(A), lengthName: 'S*A' });
  return t !== undefined && log.count(field) === before ? t : undefined;
};

/**
 * Validate an S×A table for `mdp` (rewards, logits; MATH.md §1 layout `s*A + a`): finite
 * entries, errors on `field` indexed [s, a]; returns a fresh Float64Array.
 */
export const validateTable = (mdp: Mdp, input: unknown, field: string): Validation<Float64Array> => {
  const log = makeErrorLog();
  try {
    const t = checkTable(mdp.S, mdp.A, input, field, log);
    return finish(log, () => t as Float64Array);
  } catch (e) {
    return E.left([{ field, message: `validation failed unexpectedly: ${thrownMessage(e)}` }]);
  }
};

/** Validate a finite vector of `length` entries (MATH.md §1); errors on `field` indexed [i]. */
export const validateFiniteVector = (input: unknown, length: number, field: string): Validation<Float64Array> => {
  const log = makeErrorLog();
  try {
    if (!Number.isSafeInteger(length) || length < 0) {
      return E.left([{ field, message: `expected length must be an integer ≥ 0, got ${describeValue(length)}` }]);
    }
    const before = log.count(field);
    const v = readFiniteArray(input, length, field, log, { indexOf: vectorIndex });
    return finish(log, () => {
      if (v === undefined || log.count(field) !== before) throw new Error('internal: validateFiniteVector lost an error');
      return v;
    });
  } catch (e) {
    return E.left([{ field, message: `validation failed unexpectedly: ${thrownMessage(e)}` }]);
  }
};

/**
 * Turn a validation result into its value, throwing an Error that lists every problem
 * (for builders' `…OrThrow` conveniences, tests and benchmarks; MATH.md §1).
 */
export const getOrThrow = <T>(v: Validation<T>, what: string = 'value'): T => {
  if (E.isRight(v)) return v.right;
  throw new RangeError(`invalid ${what}:\n  ${v.left.map(formatValidationError).join('\n  ')}`);
};

/** S and A of an unvalidated input when both are valid, for checking tables alongside a bad MDP. */
const peekDims = (input: unknown): { S: number; A: number } | undefined => {
  const log = makeErrorLog();
  if (!isRecord(input)) return undefined;
  const S = readPositiveInteger(readField(input, 'S', log), 'S', log);
  const A = readPositiveInteger(readField(input, 'A', log), 'A', log);
  return S !== undefined && A !== undefined ? { S, A } : undefined;
};

/**
 * Validate an MDP together with its environment reward table (MATH.md §1): every error of
 * both, the reward's under `rewardField` indexed [s, a].
 */
export const validateMdpWithReward = (
  name: string,
  mdpInput: unknown,
  reward: unknown,
  rewardField: string = 'reward',
): Validation<MdpWithReward> => {
  try {
    const m = validateMdp(mdpInput);
    if (E.isRight(m)) {
      const r = validateTable(m.right, reward, rewardField);
      return E.isRight(r) ? E.right(Object.freeze({ name, mdp: m.right, reward: r.right })) : r;
    }
    const dims = peekDims(mdpInput);
    const log = makeErrorLog();
    if (dims !== undefined) checkTable(dims.S, dims.A, reward, rewardField, log);
    return E.left([...m.left, ...log.errors()] as NonEmptyArray<ValidationError>);
  } catch (e) {
    return E.left([{ field: '$', message: `validation failed unexpectedly: ${thrownMessage(e)}` }]);
  }
};
