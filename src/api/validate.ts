/**
 * The checks every public entry point runs before it calls the reference implementation
 * (MATH.md §1 shapes and ranges, §3 λ ≥ 0, §5 reward models), and the guard it runs after:
 * a result with NaN or ±∞ anywhere inside is refused, never returned in a `Right`.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { SolveReport } from '../numerics/solveReport.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { invalidInput, invalidInputs, type ParlError, type ValidationError } from '../errors/parlError.js';
import type { Mdp } from '../mdp/types.js';
import { describeValue, validateFiniteVector, validateMdp, validateTable, type Validation } from '../mdp/validate.js';
import type { RewardModel } from '../reward/rewardModel.js';

/** What every public function returns: the value, or the library's one error type. */
export type Result<T> = E.Either<ParlError, T>;

/** A `Validation` (every problem) as a `Result` (`InvalidInput` listing them), fields prefixed with `prefix.`. */
export const fromValidation = <T>(v: Validation<T>, prefix?: string): Result<T> => {
  if (E.isRight(v)) return v;
  if (prefix === undefined) return E.left(invalidInputs(v.left));
  const renamed = v.left.map((e): ValidationError => ({ ...e, field: e.field === '$' ? prefix : `${prefix}.${e.field}` }));
  return E.left(invalidInputs(renamed as NonEmptyArray<ValidationError>));
};

/** The message of a thrown value (never throws). */
const thrown = (e: unknown): string => {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e);
  } catch {
    return 'an unreadable exception';
  }
};

/**
 * Run an entry point so that nothing escapes as an exception: the checks below make a throw
 * unreachable for every input the fuzz suite tries, and this turns any other one into a `Left`
 * on field `$` saying what failed.
 */
export const total = <T>(what: string, f: () => Result<T>): Result<T> => {
  try {
    return f();
  } catch (e) {
    return E.left(invalidInput('$', `${what} failed unexpectedly on these arguments (${thrown(e)}); please report it`));
  }
};

/** MDPs this layer validated or built (frozen objects; their arrays must not be modified afterwards). */
const trusted = new WeakSet<object>();

/** Mark an MDP as validated, so that passing it back costs nothing (returns it). */
export const trustMdp = (mdp: Mdp): Mdp => {
  trusted.add(mdp);
  return mdp;
};

/**
 * A validated MDP from any value (MATH.md §1: sizes ≥ 1, γ ∈ [0, 1), rows of P and ρ sum to 1
 * within `ROW_SUM_TOLERANCE`); errors on `mdp.<field>`. An MDP that `validateMdp` or a builder of
 * the public API returned is taken as is (validation is O(S²A), more than a sparse evaluation).
 */
export const checkMdp = (input: unknown): Result<Mdp> =>
  typeof input === 'object' && input !== null && trusted.has(input) ? E.right(input as Mdp) : E.map(trustMdp)(fromValidation(validateMdp(input), 'mdp'));

/** A finite S×A table (reward, logits; MATH.md §1 layout `s*A + a`), errors on `field` indexed `[s, a]`. */
export const checkTable = (mdp: Mdp, input: unknown, field: string): Result<Float64Array> => fromValidation(validateTable(mdp, input, field));

/** λ: a finite number ≥ 0 (MATH.md §3), or > 0 where θ* is needed (MATH.md §5). */
export const checkLambda = (lambda: unknown, positive: boolean): Result<number> => {
  if (typeof lambda !== 'number' || !Number.isFinite(lambda)) {
    return E.left(invalidInput('lambda', `λ must be a finite number ${positive ? '> 0' : '≥ 0'}, got ${describeValue(lambda)}`));
  }
  if (lambda < 0) return E.left(invalidInput('lambda', `λ is an entropy weight and must be ≥ 0, got ${lambda}`));
  return E.right(lambda === 0 ? 0 : lambda); // −0 → +0
};

/** `true` for a readable object that is not an array or typed array. */
const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);

/**
 * A reward model for `mdp` (MATH.md §5): `{kind: 'tabular', S, A}` or `{kind: 'linear', S, A, k,
 * features}` with `features` a finite `(S·A)×k` table; S and A must be the MDP's. Errors on `model.<field>`.
 */
export const checkModel = (mdp: Mdp, input: unknown): Result<RewardModel> => {
  if (!isRecord(input)) return E.left(invalidInput('model', `expected a reward model {kind: 'tabular' | 'linear', S, A, …}, got ${describeValue(input)}`));
  const { kind, S, A } = input;
  if (kind !== 'tabular' && kind !== 'linear') return E.left(invalidInput('model.kind', `expected 'tabular' or 'linear', got ${describeValue(kind)}`));
  if (S !== mdp.S || A !== mdp.A) {
    return E.left(invalidInput('model', `the reward model is ${describeValue(S)}×${describeValue(A)}, the MDP ${mdp.S}×${mdp.A}`));
  }
  if (kind === 'tabular') return E.right({ kind, S: mdp.S, A: mdp.A });
  const k = input.k;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) return E.left(invalidInput('model.k', `the feature dimension must be an integer ≥ 1, got ${describeValue(k)}`));
  if (!Number.isSafeInteger(mdp.S * mdp.A * k)) return E.left(invalidInput('model.k', `(S·A)·k = ${mdp.S * mdp.A * k} entries exceed any array length`));
  const features = validateFiniteVector(input.features, mdp.S * mdp.A * k, 'model.features');
  if (E.isLeft(features)) {
    // flat index i of the (S·A)×k table → [s, a, i]
    const errs = features.left.map((e): ValidationError =>
      e.index !== undefined && e.index.length === 1
        ? { ...e, index: [Math.floor(e.index[0] / (mdp.A * k)), Math.floor(e.index[0] / k) % mdp.A, e.index[0] % k] }
        : e);
    return E.left(invalidInputs(errs as NonEmptyArray<ValidationError>));
  }
  return E.right({ kind, S: mdp.S, A: mdp.A, k, features: features.right });
};

/** ν: finite, of the model's dimension d (S·A tabular, k linear; MATH.md §5), errors on `nu` indexed `[i]`. */
export const checkNu = (model: RewardModel, input: unknown): Result<Float64Array> =>
  fromValidation(validateFiniteVector(input, model.kind === 'tabular' ? model.S * model.A : model.k, 'nu'));

/**
 * The values of several checks, or one `InvalidInput` listing the problems of every failed
 * check (the first non-`InvalidInput` error is returned as is).
 */
export const all = <T extends ReadonlyArray<unknown>>(checks: { readonly [K in keyof T]: Result<T[K]> }): Result<T> => {
  const errors: ValidationError[] = [];
  for (const c of checks as ReadonlyArray<Result<unknown>>) {
    if (E.isRight(c)) continue;
    if (c.left._tag !== 'InvalidInput') return c;
    errors.push(...c.left.errors);
  }
  return errors.length > 0
    ? E.left(invalidInputs(errors as NonEmptyArray<ValidationError>))
    : E.right((checks as ReadonlyArray<Result<unknown>>).map((c) => (c as E.Right<unknown>).right) as unknown as T);
};

// ---------------------------------------------------------------------------------------------
// The guard after the computation

/**
 * Path and value of the first NaN or ±∞ inside `x` (numbers, float arrays, arrays, object fields).
 * Accessor properties are not read: they are lazily computed parts (an evaluation's dense
 * `I − γP_π`, its LU and the solve reports, formed on first use) derived from the fields checked here.
 */
export const firstNonFinite = (x: unknown, path = '', seen: Set<object> = new Set()): string | undefined => {
  if (typeof x === 'number') return Number.isFinite(x) ? undefined : `${path === '' ? 'the result' : path} = ${x}`;
  if (typeof x !== 'object' || x === null || seen.has(x)) return undefined;
  seen.add(x);
  if (x instanceof Float64Array || x instanceof Float32Array) {
    for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return `${path}[${i}] = ${x[i]}`;
    return undefined;
  }
  if (ArrayBuffer.isView(x)) return undefined; // integer arrays are finite
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const r = firstNonFinite(x[i], `${path}[${i}]`, seen);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  for (const key of Object.keys(x)) {
    const desc = Object.getOwnPropertyDescriptor(x, key);
    if (desc === undefined || desc.get !== undefined) continue; // lazy: see above
    const r = firstNonFinite(desc.value, path === '' ? key : `${path}.${key}`, seen);
    if (r !== undefined) return r;
  }
  return undefined;
};

/** How extreme one input is, for naming the likely cause of an overflow. */
export interface Scale {
  readonly field: string;
  /** What is measured, e.g. `"max |r|"`. */
  readonly what: string;
  readonly value: number;
}

/** `max |x_i|` (0 for an empty vector). */
export const maxAbs = (x: Readonly<Float64Array>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** The largest per-state logit spread `max_a θ[s,a] − min_a θ[s,a]` (∞ when it overflows: log π is then not representable). */
export const logitSpread = (theta: Readonly<Float64Array>, A: number): number => {
  let spread = 0;
  for (let o = 0; o < theta.length; o += A) {
    let hi = -Infinity;
    let lo = Infinity;
    for (let a = 0; a < A; a++) {
      hi = Math.max(hi, theta[o + a]);
      lo = Math.min(lo, theta[o + a]);
    }
    spread = Math.max(spread, hi - lo);
  }
  return spread;
};

/** The scale of λ on both sides: λ itself and 1/λ (θ* = (Q* − V*)/λ grows as λ → 0). */
export const lambdaScale = (lambda: number): number => (lambda > 0 ? Math.max(lambda, 1 / lambda) : 0);

/**
 * A solve report as the public layer returns it: an error bound or condition estimate that is not
 * finite means the route could not bound the result, so the field is left out ("no bound"), the
 * warning says so and the report is unreliable; everything else is kept. A report thus never puts
 * ±∞ or NaN inside a `Right`, and an unbounded solve stays a result marked unreliable rather than an
 * overflow error.
 */
export const publicReport = (r: SolveReport): SolveReport => {
  const boundOk = r.errorBound === undefined || Number.isFinite(r.errorBound);
  const condOk = r.condition === undefined || Number.isFinite(r.condition);
  if (boundOk && condOk) return r;
  const { errorBound, condition, warning, ...rest } = r;
  const missing = [boundOk ? '' : 'error bound', condOk ? '' : 'condition estimate'].filter((x) => x !== '').join(' and ');
  return {
    ...rest,
    ...(boundOk && errorBound !== undefined ? { errorBound } : {}),
    ...(condOk && condition !== undefined ? { condition } : {}),
    reliable: false,
    warning: `${warning !== undefined ? `${warning}; ` : ''}no finite ${missing} (${[boundOk ? '' : `errorBound = ${errorBound}`, condOk ? '' : `condition = ${condition}`].filter((x) => x !== '').join(', ')})`,
  };
};

/**
 * `Right(value)` if nothing inside `value` is NaN or ±∞; otherwise an `InvalidInput` on the most
 * extreme input (the inputs are each valid but together beyond float64), naming the quantity that
 * overflowed and every input's scale.
 */
export const requireFinite = <T>(what: string, value: T, scales: ReadonlyArray<Scale>): Result<T> => {
  const bad = firstNonFinite(value);
  if (bad === undefined) return E.right(value);
  const fmt = (v: number): string => (Number.isFinite(v) ? v.toExponential(3) : String(v));
  const worst = scales.reduce<Scale | undefined>((w, s) => (w === undefined || !(s.value <= w.value) ? s : w), undefined);
  const listed = scales.map((s) => `${s.what} = ${fmt(s.value)}`).join(', ');
  const field = worst?.field ?? '$';
  return E.left(invalidInput(field, `${what} overflows float64 (${bad}) for these inputs (${listed}): each is valid, together they are beyond double precision; scale ${field} down`));
};
