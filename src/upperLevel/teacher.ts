/**
 * Simulated teachers for preference queries (MATH.md §7): BPref's scripted-teacher variants
 * (Lee et al. 2021, `rll-research/BPref`, `reward_model.py`, `RewardModel.get_label`) on top of
 * the Bradley–Terry model `σ(β(R¹ − R²))`.
 *
 * Orientation (fixed throughout parl-ts): a label `y` is the probability that the FIRST segment
 * is preferred (`pFirstPreferred`). BPref's and imitation's conventions: `labelAdapters.ts`.
 *
 * What a teacher does with a pair (τ¹, τ²), in this order — the order of BPref's `get_label`:
 * 1. **skip**: no label when `max(R¹, R²) ≤ skipThreshold`, i.e. both segments' undiscounted true
 *    returns are at or below the threshold (BPref keeps a query iff `max(sum_r_t_1, sum_r_t_2) >
 *    teacher_thres_skip`);
 * 2. **equal**: label ½ when `|R¹ − R²| < equalThreshold` (strict, undiscounted returns, as
 *    BPref's `margin_index`); BPref sets this label after the mistake flip, so it is never flipped;
 * 3. **Bradley–Terry** on the myopic returns `R̃ = Σ_h γ_t^{H−1−h} rTrue[s_h,a_h]`:
 *    `p = σ(β(R̃¹ − R̃²))`; `β = ∞` gives 1, 0, or ½ on an exact tie; `β = 0` gives ½;
 * 4. **mistake**: the label is flipped with probability ε, so `p ← (1−ε)p + ε(1−p)`.
 * Skip and equal read the undiscounted returns `R = Σ_h rTrue[s_h,a_h]`; only step 3 reads the
 * myopic ones (BPref computes `sum_r_t_1` before applying `teacher_gamma`).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { type ValidationError } from '../errors/parlError.js';
import type { Rng } from '../random/rng.js';
import type { Segment, Teacher } from './types.js';

// ---------------------------------------------------------------------------------------------
// Numerically stable logistic function

/** `σ(x) = 1/(1 + e^{−x})`, evaluated without overflow for any x (MATH.md §7). */
export const sigmoid = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

/** `log σ(x)`: `−log1p(e^{−x})` for x ≥ 0, `x − log1p(e^{x})` otherwise (MATH.md §7). */
export const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

// ---------------------------------------------------------------------------------------------
// Validation

const TEACHER_FIELDS = ['beta', 'mistake', 'myopicGamma', 'skipThreshold', 'equalThreshold'] as const;

const show = (x: unknown): string => {
  if (typeof x === 'number') return String(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
};

/**
 * Validate a teacher (MATH.md §7; BPref's teacher arguments): `beta` (required) ≥ 0 or
 * `Infinity` (also the JSON string "Infinity"); `mistake` ∈ [0, ½] (default 0); `myopicGamma`
 * ∈ (0, 1] (default 1); `skipThreshold` a number < +∞ (default −∞: never skip); `equalThreshold`
 * a finite number ≥ 0 (default 0: never). Unknown fields are errors. Every problem is reported
 * with its field; never throws.
 */
export const validateTeacher = (input: unknown): E.Either<NonEmptyArray<ValidationError>, Teacher> => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return E.left([{ field: 'teacher', message: `expected an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}` }]);
  }
  const errs: ValidationError[] = [];
  const raw: Record<string, unknown> = {};
  try {
    for (const key of Object.keys(input)) {
      if (!(TEACHER_FIELDS as ReadonlyArray<string>).includes(key)) {
        errs.push({ field: key, message: `unknown teacher field (known: ${TEACHER_FIELDS.join(', ')})` });
        continue;
      }
      raw[key] = (input as Record<string, unknown>)[key];
    }
  } catch (e) {
    return E.left([{ field: 'teacher', message: `cannot read the object: ${(e as Error)?.message ?? String(e)}` }]);
  }

  const num = (field: string, fallback: number | undefined): number | undefined => {
    const x = raw[field];
    if (x === undefined) {
      if (fallback === undefined) errs.push({ field, message: 'missing' });
      return fallback;
    }
    if (field === 'beta' && x === 'Infinity') return Infinity;
    if (typeof x !== 'number' || Number.isNaN(x)) {
      errs.push({ field, message: `expected a number, got ${show(x)}` });
      return undefined;
    }
    return x;
  };

  const beta = num('beta', undefined);
  if (beta !== undefined && !(beta >= 0)) errs.push({ field: 'beta', message: `must be ≥ 0 or Infinity, got ${beta}` });
  const mistake = num('mistake', 0);
  if (mistake !== undefined && !(mistake >= 0 && mistake <= 0.5)) {
    errs.push({ field: 'mistake', message: `must lie in [0, 1/2] (a flip probability above 1/2 reverses the teacher), got ${mistake}` });
  }
  const myopicGamma = num('myopicGamma', 1);
  if (myopicGamma !== undefined && !(myopicGamma > 0 && myopicGamma <= 1)) {
    errs.push({ field: 'myopicGamma', message: `must lie in (0, 1], got ${myopicGamma}` });
  }
  const skipThreshold = num('skipThreshold', -Infinity);
  if (skipThreshold === Infinity) errs.push({ field: 'skipThreshold', message: 'must be < +Infinity (+Infinity would skip every query)' });
  const equalThreshold = num('equalThreshold', 0);
  if (equalThreshold !== undefined && !(equalThreshold >= 0 && Number.isFinite(equalThreshold))) {
    errs.push({ field: 'equalThreshold', message: `must be a finite number ≥ 0, got ${equalThreshold}` });
  }
  if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
  return E.right({
    beta: beta as number,
    mistake: mistake as number,
    myopicGamma: myopicGamma as number,
    skipThreshold: skipThreshold as number,
    equalThreshold: equalThreshold as number,
  });
};

// ---------------------------------------------------------------------------------------------
// Returns

/** The two true returns a teacher reads from one segment (MATH.md §7; BPref's `get_label`). */
export interface SegmentReturns {
  /** Undiscounted `R = Σ_{h<H} rTrue[s_h,a_h]`: read by the skip and equal rules. */
  readonly total: number;
  /** Myopic `R̃ = Σ_{h<H} γ_t^{H−1−h} rTrue[s_h,a_h]`: read by the Bradley–Terry rule. */
  readonly myopic: number;
}

/** Both returns of a segment under an `S×A` table `rTrue` (index `s*A + a`; MATH.md §1, §7). */
export const segmentReturns = (teacher: Teacher, rTrue: Readonly<Float64Array>, A: number, seg: Segment): SegmentReturns => {
  const H = seg.states.length;
  let total = 0;
  let myopic = 0;
  for (let h = 0; h < H; h++) {
    const r = rTrue[seg.states[h] * A + seg.actions[h]];
    total += r;
    // BPref's myopic weighting: the LAST step has weight 1, step h has γ_t^{H−1−h}
    myopic += (teacher.myopicGamma === 1 ? 1 : Math.pow(teacher.myopicGamma, H - 1 - h)) * r;
  }
  return { total, myopic };
};

/**
 * The teacher's return `Σ_h γ_t^{H−1−h} rTrue[s_h,a_h]` (MATH.md §7; BPref's `teacher_gamma`:
 * `get_label` multiplies `r_t[:, :index+1]` by γ_t for index = 0..H−2, so the last step keeps
 * weight 1 and the first gets γ_t^{H−1}).
 */
export const teacherReturn = (teacher: Teacher, rTrue: Readonly<Float64Array>, A: number, seg: Segment): number =>
  segmentReturns(teacher, rTrue, A, seg).myopic;

// ---------------------------------------------------------------------------------------------
// Label distribution

/**
 * What the teacher answers for a pair: no label (`skip`), or `pFirst` = P(first preferred) with
 * `indifferent` set when the answer is a deterministic ½ (the equal rule, or β = ∞ on an exact tie).
 */
export type LabelDistribution =
  | { readonly skip: true }
  | { readonly skip: false; readonly pFirst: number; readonly indifferent: boolean };

/** Bradley–Terry probability `σ(β·diff)` with the limits β = ∞ (1, 0, ½ on a tie) and β = 0 (½) (MATH.md §7). */
export const bradleyTerryProbability = (beta: number, diff: number): number => {
  if (beta === Infinity) return diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
  if (beta === 0) return 0.5;
  return sigmoid(beta * diff);
};

/** The teacher's label distribution from the two segments' returns: skip, equal, Bradley–Terry, mistake (MATH.md §7; BPref's `get_label`). */
export const labelDistributionFromReturns = (teacher: Teacher, r1: SegmentReturns, r2: SegmentReturns): LabelDistribution => {
  if (Math.max(r1.total, r2.total) <= teacher.skipThreshold) return { skip: true };
  if (Math.abs(r1.total - r2.total) < teacher.equalThreshold) return { skip: false, pFirst: 0.5, indifferent: true };
  const diff = r1.myopic - r2.myopic;
  const p = bradleyTerryProbability(teacher.beta, diff);
  const eps = teacher.mistake;
  // the flip (1−ε)p + ε(1−p) leaves ½ at ½, so an indifferent answer stays indifferent
  const pFirst = eps === 0 ? p : (1 - eps) * p + eps * (1 - p);
  return { skip: false, pFirst, indifferent: teacher.beta === Infinity && diff === 0 };
};

/** The teacher's label distribution for the pair (τ¹, τ²) under `rTrue` (`S×A`, index `s*A + a`) (MATH.md §7). */
export const labelDistribution = (
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  A: number,
  seg1: Segment,
  seg2: Segment,
): LabelDistribution =>
  labelDistributionFromReturns(teacher, segmentReturns(teacher, rTrue, A, seg1), segmentReturns(teacher, rTrue, A, seg2));

/**
 * `P(τ¹ preferred)` (MATH.md §7; the orientation of parl-ts): `None` when the teacher skips the
 * query — there is no probability to report then, so a skipped query can never leak in as a number.
 */
export const pFirstPreferred = (
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  A: number,
  seg1: Segment,
  seg2: Segment,
): O.Option<number> => {
  const d = labelDistribution(teacher, rTrue, A, seg1, seg2);
  return d.skip ? O.none : O.some(d.pFirst);
};

/**
 * A label as drawn from a teacher: `{ skip: true }` (no label), or `{ y }` with y = 1 (first
 * preferred), 0 (second preferred), ½ (equally preferable). Discriminate with `'skip' in label`.
 */
export type DrawnLabel = { readonly skip: true } | { readonly y: 0 | 0.5 | 1 };

/** Draw a label from a label distribution with one uniform from `rng` unless it is deterministic (MATH.md §7). */
export const drawFromDistribution = (d: LabelDistribution, rng: Rng): DrawnLabel => {
  if (d.skip) return { skip: true };
  if (d.indifferent) return { y: 0.5 };
  if (d.pFirst === 1) return { y: 1 };
  if (d.pFirst === 0) return { y: 0 };
  // Bernoulli(pFirst): the mistake flip is already folded into pFirst, so one draw has
  // BPref's two-stage law (Bernoulli(p), then flip with probability ε)
  return { y: rng.uniform() < d.pFirst ? 1 : 0 };
};

/**
 * A seeded teacher answer for (τ¹, τ²) (MATH.md §7): skip, or y ∈ {0, 1} ~ Bernoulli(pFirst), or
 * y = ½ deterministically for an equally-preferable pair (equal rule, or β = ∞ on an exact tie).
 * Consumes no randomness when the answer is deterministic.
 */
export const drawLabel = (
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  A: number,
  seg1: Segment,
  seg2: Segment,
  rng: Rng,
): DrawnLabel => drawFromDistribution(labelDistribution(teacher, rTrue, A, seg1, seg2), rng);
