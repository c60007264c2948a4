/**
 * Adapters between our flat layout (MATH.md §1) and the nested layouts of two Python
 * libraries:
 * - pymdptoolbox (`mdptoolbox.mdp.*`): `P[a][s][s']`, `R[s][a]`, `R[a][s][s']` or `R[s]`;
 * - emdp (`emdp.common.MDP`): `P[s][a][s']`, `R[s][a]`, `p0[s]`.
 *
 * Every error names the field and the index *in the source layout* (e.g. `P[a=1][s=2]` is
 * field `P`, index `[1, 2]`), and ragged arrays are reported, never read past.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { MdpWithReward } from './types.js';
import { type ValidationError } from '../errors/parlError.js';
import {
  checkTable,
  describeValue,
  makeErrorLog,
  MAX_DENSE_ENTRIES,
  MAX_ERRORS_PER_FIELD,
  readField,
  readGamma,
  validateMdp,
  type ErrorLog,
  type Validation,
} from './validate.js';

/** A numeric row as the Python side hands it over (JSON array or Float64Array). */
export type NumericRow = ReadonlyArray<number> | Float64Array;

/** An MDP in pymdptoolbox's layout. */
export interface PymdptoolboxMdp {
  /** `P[a][s][s']`, shape A×S×S. */
  readonly P: ReadonlyArray<ReadonlyArray<NumericRow>>;
  /** `R[s][a]` (S×A), `R[a][s][s']` (A×S×S) or `R[s]` (a reward per state). */
  readonly R: ReadonlyArray<NumericRow> | ReadonlyArray<ReadonlyArray<NumericRow>> | NumericRow;
  readonly gamma: number;
  /** Initial distribution; pymdptoolbox has none, so the default is uniform. */
  readonly rho?: NumericRow;
  readonly name?: string;
}

/** An MDP in emdp's layout (`emdp.common.MDP(P, R, gamma, p0, terminal_states)`). */
export interface EmdpMdp {
  /** `P[s][a][s']`, shape S×A×S. */
  readonly P: ReadonlyArray<ReadonlyArray<NumericRow>>;
  /** `R[s][a]`, shape S×A. */
  readonly R: ReadonlyArray<NumericRow>;
  readonly gamma: number;
  /** Initial distribution `p0[s]`. */
  readonly p0: NumericRow;
  readonly name?: string;
}

/** pymdptoolbox's layout as plain arrays (what `toPymdptoolbox` returns). */
export interface PymdptoolboxArrays {
  readonly P: number[][][];
  readonly R: number[][];
  readonly gamma: number;
  readonly rho: number[];
}

/** emdp's layout as plain arrays (what `toEmdp` returns). */
export interface EmdpArrays {
  readonly P: number[][][];
  readonly R: number[][];
  readonly gamma: number;
  readonly p0: number[];
}

const PYMDP_P = "pymdptoolbox layout P[a][s][s']";
const EMDP_P = "emdp layout P[s][a][s']";

// ---------------------------------------------------------------------------------------------
// Reading nested arrays

const lengthOf = (x: unknown, leaf: boolean): number | undefined => {
  try {
    if (Array.isArray(x)) return x.length;
    if (leaf && x instanceof Float64Array) return x.length;
  } catch {
    // fall through
  }
  return undefined;
};

const at = (x: unknown, i: number): unknown => (x as ArrayLike<unknown>)[i];

const label = (names: ReadonlyArray<string>, path: ReadonlyArray<number>): string =>
  path.map((p, k) => `[${names[k]}=${p}]`).join('');

/**
 * Flatten a rectangular nested array of shape `dims` (source order) into `unknown[]`,
 * reporting every node that is not an array or has the wrong length (ragged input) with its
 * source index. Leaves are copied as they are, for the numeric checks downstream.
 * Returns `undefined` when the shape is wrong.
 */
const flattenNested = (
  x: unknown,
  dims: ReadonlyArray<number>,
  field: string,
  names: ReadonlyArray<string>,
  dimNames: ReadonlyArray<string>,
  layout: string,
  log: ErrorLog,
): unknown[] | undefined => {
  const total = dims.reduce((p, d) => p * d, 1);
  if (!(total <= MAX_DENSE_ENTRIES)) {
    log.report(field, `shape ${dims.join('×')} has more than ${MAX_DENSE_ENTRIES} entries (${layout})`);
    return undefined;
  }
  const flat: unknown[] = new Array<unknown>(total);
  let bad = 0;
  let stopped = false;
  const visit = (node: unknown, level: number, path: number[], offset: number): void => {
    if (stopped) return;
    const leaf = level === dims.length - 1;
    const n = lengthOf(node, leaf);
    const where = `${field}${label(names, path)}`;
    if (n === undefined || n !== dims[level]) {
      bad++;
      if (bad > MAX_ERRORS_PER_FIELD) {
        stopped = true;
        log.report(field, `shape check stopped after ${MAX_ERRORS_PER_FIELD} ragged entries (${layout})`);
        return;
      }
      log.report(
        field,
        n === undefined
          ? `${where} is ${describeValue(node)}, expected an array of ${dimNames[level]} = ${dims[level]} entries (${layout})`
          : `${where} has ${n} entries, expected ${dimNames[level]} = ${dims[level]} (${layout})`,
        path,
      );
      return;
    }
    const stride = dims.slice(level + 1).reduce((p, d) => p * d, 1);
    for (let i = 0; i < n; i++) {
      const child = at(node, i);
      if (leaf) flat[offset + i] = child;
      else visit(child, level + 1, [...path, i], offset + i * stride);
      if (stopped) return;
    }
  };
  try {
    visit(x, 0, [], 0);
  } catch (e) {
    log.report(field, `reading the nested array threw ${describeValue(e)} (${layout})`);
    return undefined;
  }
  return bad === 0 ? flat : undefined;
};

/** The length of `x` and of `x[0]` (and of `x[0][0]`), to infer the dimensions of a nested array. */
const outerLengths = (x: unknown, depth: number): (number | undefined)[] => {
  const out: (number | undefined)[] = [];
  let node = x;
  for (let k = 0; k < depth; k++) {
    const n = lengthOf(node, k === depth - 1);
    out.push(n);
    if (n === undefined || n === 0) break;
    try {
      node = at(node, 0);
    } catch {
      break;
    }
  }
  return out;
};

/** Nesting depth of an array (1 for number[] / Float64Array, 2 for number[][], …), up to 3. */
const depthOf = (x: unknown): number => {
  let d = 0;
  let node = x;
  try {
    while (d < 3 && (Array.isArray(node) || node instanceof Float64Array)) {
      d++;
      if (node instanceof Float64Array || node.length === 0) break;
      node = node[0];
    }
  } catch {
    // depth so far
  }
  return d;
};

/** Move every error of `errs` on `from` to field `to`, indices mapped by `mapIndex`, with a layout note. */
const remap = (
  errs: ReadonlyArray<ValidationError>,
  rename: Readonly<Record<string, string>>,
  mapIndex: Readonly<Record<string, (i: ReadonlyArray<number>) => number[]>>,
  notes: Readonly<Record<string, string>>,
): ValidationError[] =>
  errs.map((e) => {
    const field = rename[e.field] ?? e.field;
    const f = mapIndex[e.field];
    const note = notes[e.field];
    const index = e.index !== undefined && f !== undefined ? f(e.index) : e.index;
    const message = note !== undefined ? `${e.message} (${note})` : e.message;
    return index === undefined ? { field, message } : { field, index, message };
  });

/** Read `P` of shape `[d0][d1][S]`, the dimensions taken from the array itself. */
const readP = (
  raw: unknown,
  names: readonly [string, string, string],
  dimNames: readonly [string, string, string],
  layout: string,
  log: ErrorLog,
): { flat: unknown[]; d0: number; d1: number } | undefined => {
  if (raw === undefined) {
    log.report('P', `missing (expected a nested array, ${layout})`);
    return undefined;
  }
  const [d0, d1] = outerLengths(raw, 2);
  if (d0 === undefined) {
    log.report('P', `expected a nested array, got ${describeValue(raw)} (${layout})`);
    return undefined;
  }
  if (d0 === 0) {
    log.report('P', `is empty: ${dimNames[0]} must be ≥ 1 (${layout})`);
    return undefined;
  }
  if (d1 === undefined || d1 === 0) {
    log.report('P', `${'P'}[${names[0]}=0] must be a non-empty array (${layout})`, [0]);
    return undefined;
  }
  const S = dimNames[0] === 'S' ? d0 : d1;
  const flat = flattenNested(raw, [d0, d1, S], 'P', names, dimNames, layout, log);
  return flat === undefined ? undefined : { flat, d0, d1 };
};

// ---------------------------------------------------------------------------------------------
// pymdptoolbox

/** Report every leaf of `v` that is not a finite number, at source index `indexOf(i)`. */
const checkFinite = (
  v: ReadonlyArray<unknown>,
  field: string,
  indexOf: (i: number) => number[],
  layout: string,
  log: ErrorLog,
): Float64Array | undefined => {
  const before = log.count(field);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'number' && Number.isFinite(x)) out[i] = x;
    else log.report(field, `${typeof x === 'number' ? describeValue(x) : `not a number: ${describeValue(x)}`} (${layout})`, indexOf(i));
  }
  return log.count(field) === before ? out : undefined;
};

/** Expected reward r[s,a] = Σ_{s'} P[a][s][s'] R[a][s][s'] (pymdptoolbox's reduction) from our flat P. */
const expectedReward = (
  P: Readonly<Float64Array>,
  R3: Float64Array,
  S: number,
  A: number,
  log: ErrorLog,
): Float64Array | undefined => {
  const before = log.count('R');
  const r = new Float64Array(S * A);
  for (let a = 0; a < A; a++) {
    for (let s = 0; s < S; s++) {
      let sum = 0;
      for (let t = 0; t < S; t++) sum += P[(s * A + a) * S + t] * R3[(a * S + s) * S + t];
      if (!Number.isFinite(sum)) log.report('R', `expected reward Σ_s' P·R overflows (pymdptoolbox layout R[a][s])`, [a, s]);
      r[s * A + a] = sum;
    }
  }
  return log.count('R') === before ? r : undefined;
};

/**
 * An MDP from pymdptoolbox's layout (MATH.md §1): `P[a][s][s']`; `R[s][a]`, `R[a][s][s']`
 * (reduced to r[s,a] = Σ_{s'} P[a][s][s'] R[a][s][s'], as pymdptoolbox does) or `R[s]`; ρ uniform
 * unless given. Errors name the field and the source-layout index.
 */
export const fromPymdptoolbox = (input: PymdptoolboxMdp): Validation<MdpWithReward> => {
  const log = makeErrorLog();
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return E.left([{ field: '$', message: `expected an object {P, R, gamma, rho?}, got ${describeValue(input)}` }]);
    }
    const obj = input as unknown as Record<string, unknown>;
    const rawP = readField(obj, 'P', log);
    const rawR = readField(obj, 'R', log);
    const gamma = readField(obj, 'gamma', log);
    const rawRho = readField(obj, 'rho', log);
    const rawName = readField(obj, 'name', log);
    const name = typeof rawName === 'string' ? rawName : 'pymdptoolbox';
    if (rawName !== undefined && typeof rawName !== 'string') log.report('name', `must be a string, got ${describeValue(rawName)}`);

    const p = log.count('P') === 0 ? readP(rawP, ['a', 's', "s'"], ['A', 'S', 'S'], PYMDP_P, log) : undefined;
    const A = p?.d0;
    const S = p?.d1;

    // P in our layout: (s*A + a)*S + s' ← (a*S + s)*S + s'
    let flatP: unknown[] | undefined;
    if (p !== undefined && S !== undefined && A !== undefined) {
      flatP = new Array<unknown>(S * A * S);
      for (let a = 0; a < A; a++)
        for (let s = 0; s < S; s++)
          for (let t = 0; t < S; t++) flatP[(s * A + a) * S + t] = p.flat[(a * S + s) * S + t];
    }
    const rho = rawRho !== undefined || S === undefined ? rawRho : new Array<number>(S).fill(1 / S);
    const mdpE =
      S !== undefined && A !== undefined && flatP !== undefined
        ? validateMdp({ S, A, gamma, P: flatP, rho })
        : undefined;
    const mdpErrors =
      mdpE !== undefined && E.isLeft(mdpE)
        ? remap(mdpE.left, {}, { P: (i) => (i.length === 3 ? [i[1], i[0], i[2]] : [i[1], i[0]]) }, { P: PYMDP_P })
        : [];
    if (mdpE === undefined && log.count('gamma') === 0) readGamma(gamma, 'gamma', log); // P unusable: γ on its own

    // R
    let reward: Float64Array | undefined;
    if (log.count('R') === 0) {
      if (rawR === undefined) log.report('R', "missing (expected R[s][a], R[a][s][s'] or R[s])");
      else if (S !== undefined && A !== undefined) {
        const depth = depthOf(rawR);
        if (depth === 1) {
          const v = flattenNested(rawR, [S], 'R', ['s'], ['S'], 'pymdptoolbox layout R[s]', log);
          const rs = v !== undefined ? checkFinite(v, 'R', (i) => [i], 'pymdptoolbox layout R[s]', log) : undefined;
          if (rs !== undefined) {
            reward = new Float64Array(S * A);
            for (let s = 0; s < S; s++) reward.fill(rs[s], s * A, s * A + A);
          }
        } else if (depth === 2) {
          const v = flattenNested(rawR, [S, A], 'R', ['s', 'a'], ['S', 'A'], 'pymdptoolbox layout R[s][a]', log);
          reward = v !== undefined ? checkTable(S, A, v, 'R', log) : undefined;
        } else if (depth === 3) {
          const layout = "pymdptoolbox layout R[a][s][s']";
          const v = flattenNested(rawR, [A, S, S], 'R', ['a', 's', "s'"], ['A', 'S', 'S'], layout, log);
          const idx = (i: number): number[] => [Math.floor(i / (S * S)), Math.floor(i / S) % S, i % S];
          const R3 = v !== undefined ? checkFinite(v, 'R', idx, layout, log) : undefined;
          if (R3 !== undefined && mdpE !== undefined && E.isRight(mdpE)) reward = expectedReward(mdpE.right.P, R3, S, A, log);
        } else {
          log.report('R', `expected R[s][a], R[a][s][s'] or R[s], got ${describeValue(rawR)}`);
        }
      } else if (depthOf(rawR) === 0) {
        log.report('R', `expected R[s][a], R[a][s][s'] or R[s], got ${describeValue(rawR)}`);
      }
    }

    const errs = [...log.errors().filter((e) => e.field === 'P'), ...mdpErrors, ...log.errors().filter((e) => e.field !== 'P')];
    if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
    if (mdpE === undefined || E.isLeft(mdpE) || reward === undefined) {
      return E.left([{ field: '$', message: 'internal: fromPymdptoolbox found no error but has no result' }]);
    }
    return E.right(Object.freeze({ name, mdp: mdpE.right, reward }));
  } catch (e) {
    return E.left([{ field: '$', message: `conversion failed unexpectedly: ${describeValue(e)}` }]);
  }
};

/** pymdptoolbox's layout of an MDP (MATH.md §1): `P[a][s][s']`, `R[s][a]`, plus γ and ρ. */
export const toPymdptoolbox = (m: MdpWithReward): PymdptoolboxArrays => {
  const { S, A, gamma, P, rho } = m.mdp;
  const Pn: number[][][] = [];
  for (let a = 0; a < A; a++) {
    const rows: number[][] = [];
    for (let s = 0; s < S; s++) rows.push(Array.from(P.subarray((s * A + a) * S, (s * A + a) * S + S)));
    Pn.push(rows);
  }
  const R: number[][] = [];
  for (let s = 0; s < S; s++) R.push(Array.from(m.reward.subarray(s * A, s * A + A)));
  return { P: Pn, R, gamma, rho: Array.from(rho) };
};

// ---------------------------------------------------------------------------------------------
// emdp

/**
 * An MDP from emdp's layout (MATH.md §1): `P[s][a][s']`, `R[s][a]`, `p0[s]`. emdp's terminal
 * states are absorbing rows of `P` and need nothing else. Errors name the source field and index.
 */
export const fromEmdp = (input: EmdpMdp): Validation<MdpWithReward> => {
  const log = makeErrorLog();
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return E.left([{ field: '$', message: `expected an object {P, R, gamma, p0}, got ${describeValue(input)}` }]);
    }
    const obj = input as unknown as Record<string, unknown>;
    const rawP = readField(obj, 'P', log);
    const rawR = readField(obj, 'R', log);
    const gamma = readField(obj, 'gamma', log);
    const rawP0 = readField(obj, 'p0', log);
    const rawName = readField(obj, 'name', log);
    const name = typeof rawName === 'string' ? rawName : 'emdp';
    if (rawName !== undefined && typeof rawName !== 'string') log.report('name', `must be a string, got ${describeValue(rawName)}`);

    const p = log.count('P') === 0 ? readP(rawP, ['s', 'a', "s'"], ['S', 'A', 'S'], EMDP_P, log) : undefined;
    const S = p?.d0;
    const A = p?.d1;
    const mdpE =
      p !== undefined && S !== undefined && A !== undefined
        ? validateMdp({ S, A, gamma, P: p.flat, rho: rawP0 })
        : undefined;
    const mdpErrors =
      mdpE !== undefined && E.isLeft(mdpE) ? remap(mdpE.left, { rho: 'p0' }, {}, { P: EMDP_P }) : [];
    if (mdpE === undefined) {
      // P unusable: γ and p0 on their own, as far as they can be checked without S
      if (log.count('gamma') === 0) readGamma(gamma, 'gamma', log);
      if (log.count('p0') === 0 && rawP0 === undefined) log.report('p0', 'missing (expected number[] or Float64Array)');
    }

    let reward: Float64Array | undefined;
    if (log.count('R') === 0) {
      if (rawR === undefined) log.report('R', 'missing (expected R[s][a])');
      else if (S !== undefined && A !== undefined) {
        const v = flattenNested(rawR, [S, A], 'R', ['s', 'a'], ['S', 'A'], 'emdp layout R[s][a]', log);
        reward = v !== undefined ? checkTable(S, A, v, 'R', log) : undefined;
      }
    }

    const errs = [...log.errors().filter((e) => e.field === 'P'), ...mdpErrors, ...log.errors().filter((e) => e.field !== 'P')];
    if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
    if (mdpE === undefined || E.isLeft(mdpE) || reward === undefined) {
      return E.left([{ field: '$', message: 'internal: fromEmdp found no error but has no result' }]);
    }
    return E.right(Object.freeze({ name, mdp: mdpE.right, reward }));
  } catch (e) {
    return E.left([{ field: '$', message: `conversion failed unexpectedly: ${describeValue(e)}` }]);
  }
};

/** emdp's layout of an MDP (MATH.md §1): `P[s][a][s']`, `R[s][a]`, `p0`, plus γ. */
export const toEmdp = (m: MdpWithReward): EmdpArrays => {
  const { S, A, gamma, P, rho } = m.mdp;
  const Pn: number[][][] = [];
  const R: number[][] = [];
  for (let s = 0; s < S; s++) {
    const rows: number[][] = [];
    for (let a = 0; a < A; a++) rows.push(Array.from(P.subarray((s * A + a) * S, (s * A + a) * S + S)));
    Pn.push(rows);
    R.push(Array.from(m.reward.subarray(s * A, s * A + A)));
  }
  return { P: Pn, R, gamma, p0: Array.from(rho) };
};
