/**
 * The conformance-vector schema of VECTORS.md: parsing and validation.
 *
 * `parseVector` never throws: malformed JSON, missing fields, wrong lengths, NaN and
 * inconsistent shapes come back as a `Left` listing every problem with its field and index.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { Mdp } from '../mdp/types.js';
import { type ValidationError } from '../errors/parlError.js';
import { validateMdp } from '../mdp/validate.js';
import { rewardDimension, type RewardModel } from '../reward/rewardModel.js';

/** The quantities a vector may hold under `expected` (VECTORS.md), in check order. */
export const VECTOR_FIELDS = [
  'pi', 'V', 'Q', 'adv', 'd', 'J', 'gradJ', 'hessJ',
  'thetaStar', 'piStar', 'VStar', 'psi',
  'G', 'gradG', 'gradGMyopic',
] as const;
export type VectorField = (typeof VECTOR_FIELDS)[number];

export const isVectorField = (f: string): f is VectorField => (VECTOR_FIELDS as ReadonlyArray<string>).includes(f);

/** A utility of the upper level (MATH.md §7), as a vector file states it. */
export type VectorUtility =
  | { readonly kind: 'additive'; readonly u: Float64Array }
  | { readonly kind: 'preference'; readonly H: number; readonly beta: number; readonly rTrue: Float64Array };

/** One validated conformance case. */
export interface ConformanceVector {
  readonly id: string;
  readonly description: string;
  readonly mdp: Mdp;
  readonly reward: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly theta: Float64Array;
  readonly utility: VectorUtility | null;
  readonly expected: Readonly<Partial<Record<VectorField, Float64Array>>>;
  readonly tolerance: { readonly rel: number; readonly abs: number };
}

/** The fields a vector holds as plain numbers (VECTORS.md): every other field is an array. */
export const isScalarField = (f: VectorField): boolean => f === 'J' || f === 'G';

/** Expected length of each field for a case with `S` states, `A` actions and `d` reward parameters. */
export const fieldLength = (f: VectorField, S: number, A: number, d: number): number => {
  switch (f) {
    case 'pi': case 'Q': case 'adv': case 'gradJ': case 'thetaStar': case 'piStar': return S * A;
    case 'V': case 'd': case 'VStar': return S;
    case 'J': case 'G': return 1;
    case 'hessJ': return S * A * S * A;
    case 'psi': return S * A * d;
    case 'gradG': case 'gradGMyopic': return d;
  }
};

type Errs = ValidationError[];
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const MAX_ENTRY_ERRORS = 10;

/** A finite numeric array of the given length, or errors naming field and index. */
const finiteArray = (x: unknown, n: number | undefined, field: string, errs: Errs): Float64Array | undefined => {
  if (!Array.isArray(x)) {
    errs.push({ field, message: x === undefined ? 'missing' : `expected an array of numbers, got ${typeof x}` });
    return undefined;
  }
  if (n !== undefined && x.length !== n) {
    errs.push({ field, message: `wrong length: expected ${n}, got ${x.length}` });
    return undefined;
  }
  const out = new Float64Array(x.length);
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v: unknown = x[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (bad < MAX_ENTRY_ERRORS) errs.push({ field, index: [i], message: `not a finite number: ${JSON.stringify(v) ?? String(v)}` });
      bad++;
    } else out[i] = v;
  }
  if (bad > MAX_ENTRY_ERRORS) errs.push({ field, message: `… and ${bad - MAX_ENTRY_ERRORS} more non-finite entries` });
  return bad === 0 ? out : undefined;
};

const finiteNumber = (x: unknown, field: string, errs: Errs, min = -Infinity): number | undefined => {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    errs.push({ field, message: x === undefined ? 'missing' : `expected a finite number, got ${JSON.stringify(x) ?? String(x)}` });
    return undefined;
  }
  if (x < min) {
    errs.push({ field, message: `must be ≥ ${min}, got ${x}` });
    return undefined;
  }
  return x;
};

const positiveInt = (x: unknown, field: string, errs: Errs): number | undefined => {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) {
    errs.push({ field, message: `expected an integer ≥ 1, got ${JSON.stringify(x) ?? String(x)}` });
    return undefined;
  }
  return x;
};

const parseReward = (x: unknown, S: number, A: number, errs: Errs): RewardModel | undefined => {
  if (!isObject(x)) {
    errs.push({ field: 'reward', message: x === undefined ? 'missing' : 'expected an object' });
    return undefined;
  }
  if (x.kind === 'tabular') return { kind: 'tabular', S, A };
  if (x.kind === 'linear') {
    const k = positiveInt(x.k, 'reward.k', errs);
    if (k === undefined) return undefined;
    const features = finiteArray(x.features, S * A * k, 'reward.features', errs);
    return features && { kind: 'linear', S, A, k, features };
  }
  errs.push({ field: 'reward.kind', message: `expected "tabular" or "linear", got ${JSON.stringify(x.kind) ?? 'nothing'}` });
  return undefined;
};

const parseUtility = (x: unknown, S: number, A: number, errs: Errs): VectorUtility | null | undefined => {
  if (x === null || x === undefined) return null;
  if (!isObject(x)) {
    errs.push({ field: 'utility', message: 'expected an object or null' });
    return undefined;
  }
  if (x.kind === 'additive') {
    const u = finiteArray(x.u, S * A, 'utility.u', errs);
    return u && { kind: 'additive', u };
  }
  if (x.kind === 'preference') {
    const H = positiveInt(x.H, 'utility.H', errs);
    // β = ∞ (a deterministic teacher) cannot be a JSON number; accept the string "Infinity"
    const beta = x.beta === 'Infinity' ? Infinity : finiteNumber(x.beta, 'utility.beta', errs, 0);
    const rTrue = finiteArray(x.rTrue, S * A, 'utility.rTrue', errs);
    return H !== undefined && beta !== undefined && rTrue ? { kind: 'preference', H, beta, rTrue } : undefined;
  }
  errs.push({ field: 'utility.kind', message: `expected "additive" or "preference", got ${JSON.stringify(x.kind) ?? 'nothing'}` });
  return undefined;
};

const prefixed = (prefix: string, es: ReadonlyArray<ValidationError>): ValidationError[] =>
  es.map((e) => ({ ...e, field: `${prefix}.${e.field}` }));

/** Validate an already parsed JSON value as a conformance vector (VECTORS.md schema). */
export const validateVector = (json: unknown): E.Either<NonEmptyArray<ValidationError>, ConformanceVector> => {
  const errs: Errs = [];
  if (!isObject(json)) return E.left([{ field: '$', message: 'expected a JSON object at the top level' }]);
  const id = typeof json.id === 'string' ? json.id : (errs.push({ field: 'id', message: 'expected a string' }), '');
  const description = typeof json.description === 'string' ? json.description : '';
  const mdpE = validateMdp(json.mdp);
  if (E.isLeft(mdpE)) errs.push(...prefixed('mdp', mdpE.left));
  const mdp = E.isRight(mdpE) ? mdpE.right : undefined;
  const lambda = finiteNumber(json.lambda, 'lambda', errs, 0);
  const tol = isObject(json.tolerance) ? json.tolerance : (errs.push({ field: 'tolerance', message: 'expected {rel, abs}' }), {});
  const rel = finiteNumber((tol as Record<string, unknown>).rel, 'tolerance.rel', errs, 0);
  const abs = finiteNumber((tol as Record<string, unknown>).abs, 'tolerance.abs', errs, 0);
  if (mdp === undefined) {
    // without S and A nothing else can be length-checked; report what we have
    return E.left(errs as NonEmptyArray<ValidationError>);
  }
  const { S, A } = mdp;
  const reward = parseReward(json.reward, S, A, errs);
  const d = reward ? rewardDimension(reward) : undefined;
  const nu = d !== undefined ? finiteArray(json.nu, d, 'nu', errs) : undefined;
  const theta = finiteArray(json.theta, S * A, 'theta', errs);
  const utility = parseUtility(json.utility, S, A, errs);
  const expected: Partial<Record<VectorField, Float64Array>> = {};
  if (!isObject(json.expected)) errs.push({ field: 'expected', message: 'expected an object of fields' });
  else {
    for (const [key, value] of Object.entries(json.expected)) {
      if (!isVectorField(key)) {
        errs.push({ field: `expected.${key}`, message: `unknown field (known: ${VECTOR_FIELDS.join(', ')})` });
        continue;
      }
      if (d === undefined && (key === 'psi' || key === 'gradG' || key === 'gradGMyopic')) continue;
      const n = fieldLength(key, S, A, d ?? 0);
      // VECTORS.md: only J and G are numbers; every other field is an array, also of length 1
      const arr = !isScalarField(key) ? finiteArray(value, n, `expected.${key}`, errs)
        : typeof value === 'number' ? finiteArray([value], 1, `expected.${key}`, errs)
        : (errs.push({ field: `expected.${key}`, message: 'expected a finite number' }), undefined);
      if (arr) expected[key] = arr;
    }
  }
  if (errs.length > 0 || !reward || !nu || !theta || utility === undefined || lambda === undefined || rel === undefined || abs === undefined) {
    return E.left((errs.length > 0 ? errs : [{ field: '$', message: 'invalid vector' }]) as NonEmptyArray<ValidationError>);
  }
  return E.right({ id, description, mdp, reward, nu, lambda, theta, utility, expected, tolerance: { rel, abs } });
};

/** Parse the text of a vector file; malformed JSON is a `Left`, never a throw. */
export const parseVector = (text: string): E.Either<NonEmptyArray<ValidationError>, ConformanceVector> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left([{ field: '$', message: `malformed JSON: ${(e as Error).message}` }]);
  }
  return validateVector(json);
};
