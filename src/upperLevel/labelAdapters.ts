/**
 * Adapters between parl-ts's preference orientation and those of BPref and imitation
 * (MATH.md §7; STYLE.md: adapters for other layouts are explicit functions).
 *
 * parl-ts: a label `y` is P(FIRST segment preferred) (`pFirstPreferred`), 1 / 0 / ½.
 *
 * **BPref** (`rll-research/BPref`, `reward_model.py`, `RewardModel.get_label`, commit f3ece2e):
 * - labels are class indices into `softmax([R̂¹, R̂²])`: `0` = FIRST segment preferred, `1` =
 *   SECOND preferred (`rational_labels = 1*(sum_r_t_1 < sum_r_t_2)`; the Bradley–Terry label is
 *   `bernoulli(softmax(β·[R¹, R²])[:, 1])`, the probability of the second);
 * - `-1` = equally preferable (`labels[margin_index] = -1`, set after the mistake flip);
 *   `train_soft_reward` turns it into the target ½ (`train_PEBBLE.py` switches to the soft loss
 *   whenever `teacher_eps_equal > 0` or `label_margin > 0`);
 * - skipped queries get NO label: they are removed from the batch (`max_index` filter), and when
 *   all are skipped `get_label` returns `None, …, []` — −1 does not mean "skipped";
 * - the deterministic teacher (`teacher_beta ≤ 0`, default −1) breaks exact ties towards the FIRST
 *   segment (label 0), while parl-ts's β = ∞ teacher answers ½ on a tie (MATH.md §7). In a tabular
 *   MDP ties are common (a segment compared with a copy of itself), so the two differ there;
 * - `teacher_gamma` weights step h of a length-H segment by γ^{H−1−h} (the loop
 *   `temp_r_t[:, :index+1] *= teacher_gamma` for index = 0..H−2): the LAST step has weight 1.
 *   Skip and equal read the undiscounted sums; only the rational/Bradley–Terry label reads the
 *   γ-weighted ones;
 * - the thresholds are `teacher_thres_skip = margin · teacher_eps_skip` (`set_teacher_thres_skip`)
 *   and likewise for equal, with `margin = mean recent episode return · segment/episode length`
 *   (`train_PEBBLE.py`; note that its later updates pass `new_margin * teacher_eps_skip` to a
 *   setter that multiplies by `teacher_eps_skip` again). Skip is active only when
 *   `teacher_thres_skip > 0`; equal is `|R¹ − R²| < teacher_thres_equal`.
 *
 * **imitation** (`HumanCompatibleAI/imitation`, `src/imitation/algorithms/preference_comparisons.py`):
 * - `PreferenceDataset` stores "a probability that fragment 1 is preferred over fragment 2",
 *   float32 (`push` rejects another dtype) — the same orientation as parl-ts;
 * - `SyntheticGatherer(temperature, discount_factor, sample, rng, threshold=50)` computes
 *   `returns = rollout.discounted_sum(rews, discount_factor)` = Σ_h df^h r_h (FIRST step weight 1,
 *   `src/imitation/data/rollout.py`), cast to float32, divided by the temperature; then
 *   `1/(1 + exp(clip(R²/T − R¹/T, ±threshold)))`; `temperature == 0` gives `(sign(R¹ − R²) + 1)/2`
 *   (ties ½, as parl-ts's β = ∞); `sample=True` draws Bernoulli labels. It has no label noise,
 *   skip or equal rule; the reward MODEL's `PreferenceModel(noise_prob)` assumes
 *   `noise_prob·½ + (1 − noise_prob)·p`, which is BPref's mistake flip with ε = noise_prob/2.
 *
 * Discounts: parl-ts/BPref weight γ_t^{H−1−h} = γ_t^{H−1}·(1/γ_t)^h, so a myopic teacher is
 * imitation's gatherer with `discount_factor = 1/γ_t` (≥ 1) and `temperature = 1/(β γ_t^{H−1})`
 * (depends on H). Passing γ_t itself as imitation's `discount_factor` instead discounts the LATE
 * steps, the opposite of BPref's myopia (`teacherReturnsByLibrary` shows both).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { type ValidationError } from '../errors/parlError.js';
import { sigmoid, validateTeacher, type DrawnLabel } from './teacher.js';
import type { Teacher } from './types.js';

// ---------------------------------------------------------------------------------------------
// BPref labels

/** BPref's label values: 0 = first preferred, 1 = second preferred, −1 = equally preferable. */
export type BPrefLabel = 0 | 1 | -1;

/** BPref label → parl-ts `y` = P(first preferred): 0 ↦ 1, 1 ↦ 0, −1 ↦ ½ (BPref `get_label`; MATH.md §7). */
export const fromBPrefLabel = (label: unknown): E.Either<ValidationError, 0 | 0.5 | 1> => {
  if (label === 0) return E.right(1);
  if (label === 1) return E.right(0);
  if (label === -1) return E.right(0.5);
  return E.left({
    field: 'label',
    message: `a BPref label is 0 (first preferred), 1 (second preferred) or -1 (equally preferable), got ${String(label)}; BPref drops skipped queries instead of labelling them`,
  });
};

/** parl-ts label → BPref label: y = 1 ↦ 0, 0 ↦ 1, ½ ↦ −1, skip ↦ None (BPref drops the query) (BPref `get_label`). */
export const toBPrefLabel = (label: DrawnLabel): O.Option<BPrefLabel> => {
  if ('skip' in label) return O.none;
  return O.some(label.y === 1 ? 0 : label.y === 0 ? 1 : -1);
};

// ---------------------------------------------------------------------------------------------
// imitation preferences

/** imitation preference (float32 P(fragment 1 preferred), `PreferenceDataset`) → parl-ts `y`: the same number, checked to lie in [0, 1]. */
export const fromImitationPreference = (p: unknown): E.Either<ValidationError, number> => {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    return E.left({ field: 'preference', message: `an imitation preference is a probability in [0, 1], got ${String(p)}` });
  }
  return E.right(p);
};

/** parl-ts `y` ∈ [0, 1] → imitation preference, rounded to float32 as `PreferenceDataset.push` requires (exact for 0, ½, 1). */
export const toImitationPreference = (y: number): E.Either<ValidationError, number> => {
  if (!(y >= 0 && y <= 1)) return E.left({ field: 'y', message: `a label is a probability in [0, 1], got ${y}` });
  return E.right(Math.fround(y));
};

/** A drawn parl-ts label → imitation preference; None for a skip (imitation's human gatherers drop "incomparable" answers). */
export const drawnLabelToImitation = (label: DrawnLabel): O.Option<number> => ('skip' in label ? O.none : O.some(label.y));

// ---------------------------------------------------------------------------------------------
// Discount conventions

/** BPref's myopic return, literally as `get_label` computes it: `r[:, :index+1] *= γ` for index = 0..H−2, then sum (weights γ^{H−1−h}). */
export const bprefTeacherReturn = (teacherGamma: number, rewards: ArrayLike<number>): number => {
  const r = Array.from(rewards);
  for (let index = 0; index < r.length - 1; index++) for (let k = 0; k <= index; k++) r[k] *= teacherGamma;
  return r.reduce((a, b) => a + b, 0);
};

/** imitation's `rollout.discounted_sum(rews, γ)` = Σ_h γ^h r_h (first step weight 1), by Horner's rule as numpy's `polyval`; a plain sum when γ = 1. */
export const imitationDiscountedSum = (discountFactor: number, rewards: ArrayLike<number>): number => {
  const n = rewards.length;
  if (n === 0) return 0;
  if (discountFactor === 1) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rewards[i];
    return s;
  }
  let acc = rewards[n - 1];
  for (let i = n - 2; i >= 0; i--) acc = rewards[i] + acc * discountFactor;
  return acc;
};

/** What each convention computes as a segment's return for the teacher's γ_t (MATH.md §7; BPref `teacher_gamma`, imitation `discount_factor`). */
export interface ReturnsByLibrary {
  /** parl-ts `teacherReturn`: Σ_h γ_t^{H−1−h} r_h. */
  readonly parl: number;
  /** BPref `get_label` with `teacher_gamma = γ_t`: the same weights, computed by BPref's loop. */
  readonly bpref: number;
  /** imitation with `discount_factor = γ_t` passed naively: Σ_h γ_t^h r_h — discounts the LATE steps instead. */
  readonly imitationSameDiscount: number;
  /** imitation with `discount_factor = 1/γ_t`, rescaled by γ_t^{H−1}: equals `parl` (the equivalent setting). */
  readonly imitationEquivalent: number;
}

/** A segment's teacher return under each library's discount convention for the same teacher (MATH.md §7). */
export const teacherReturnsByLibrary = (teacher: Teacher, rewards: ArrayLike<number>): ReturnsByLibrary => {
  const g = teacher.myopicGamma;
  const H = rewards.length;
  let parl = 0;
  for (let h = 0; h < H; h++) parl += (g === 1 ? 1 : Math.pow(g, H - 1 - h)) * rewards[h];
  return {
    parl,
    bpref: bprefTeacherReturn(g, rewards),
    imitationSameDiscount: imitationDiscountedSum(g, rewards),
    imitationEquivalent: H === 0 ? 0 : Math.pow(g, H - 1) * imitationDiscountedSum(1 / g, rewards),
  };
};

// ---------------------------------------------------------------------------------------------
// Teacher settings of each library

/** The attributes BPref's `get_label` reads (`RewardModel.teacher_*`; thresholds are the effective `teacher_thres_*`). */
export interface BPrefTeacherArgs {
  /** > 0: Bradley–Terry with this β; ≤ 0 (BPref default −1): the deterministic ("rational") teacher. */
  readonly teacher_beta: number;
  readonly teacher_gamma: number;
  readonly teacher_eps_mistake: number;
  /** Skip when max(R¹, R²) ≤ this; inactive unless > 0. */
  readonly teacher_thres_skip: number;
  /** Label −1 when |R¹ − R²| < this. */
  readonly teacher_thres_equal: number;
}

/**
 * A parl-ts teacher as BPref's teacher attributes (BPref `RewardModel`): β = ∞ ↦ −1 (rational);
 * Left where BPref cannot express it (β = 0, a finite skip threshold ≤ 0). Not configurable
 * either way: BPref's rational teacher labels exact ties "first preferred", parl-ts ½.
 */
export const toBPrefTeacher = (teacher: Teacher): E.Either<NonEmptyArray<ValidationError>, BPrefTeacherArgs> => {
  const v = validateTeacher(teacher);
  if (E.isLeft(v)) return v;
  const errs: ValidationError[] = [];
  if (teacher.beta === 0) errs.push({ field: 'beta', message: 'BPref has no uniformly random teacher: teacher_beta ≤ 0 means the deterministic teacher' });
  if (teacher.skipThreshold !== -Infinity && !(teacher.skipThreshold > 0)) {
    errs.push({ field: 'skipThreshold', message: `BPref applies its skip rule only when teacher_thres_skip > 0, got ${teacher.skipThreshold}` });
  }
  if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
  return E.right({
    teacher_beta: teacher.beta === Infinity ? -1 : teacher.beta,
    teacher_gamma: teacher.myopicGamma,
    teacher_eps_mistake: teacher.mistake,
    teacher_thres_skip: teacher.skipThreshold === -Infinity ? 0 : teacher.skipThreshold,
    teacher_thres_equal: teacher.equalThreshold,
  });
};

/** BPref's teacher attributes as a parl-ts teacher (BPref `RewardModel`): β ≤ 0 ↦ ∞, thres_skip ≤ 0 ↦ −∞; validated. */
export const fromBPrefTeacher = (args: BPrefTeacherArgs): E.Either<NonEmptyArray<ValidationError>, Teacher> =>
  validateTeacher({
    beta: args.teacher_beta > 0 ? args.teacher_beta : Infinity,
    mistake: args.teacher_eps_mistake,
    myopicGamma: args.teacher_gamma,
    skipThreshold: args.teacher_thres_skip > 0 ? args.teacher_thres_skip : -Infinity,
    equalThreshold: args.teacher_thres_equal,
  });

/** The arguments of imitation's `SyntheticGatherer` that shape its preference probability. */
export interface ImitationGathererArgs {
  /** 0: deterministic, ties ½; otherwise the returns are divided by it (β = 1/temperature). */
  readonly temperature: number;
  /** Step h of a fragment weighs discount_factor^h (`rollout.discounted_sum`). */
  readonly discount_factor: number;
}

/**
 * A parl-ts teacher as imitation's `SyntheticGatherer` for segments of length H: `discount_factor
 * = 1/γ_t`, `temperature = 1/(β γ_t^{H−1})` (β = ∞ ↦ 0, β = 0 ↦ ∞). Left for what the gatherer
 * lacks: label noise, skip and equal rules.
 */
export const toImitationGatherer = (teacher: Teacher, H: number): E.Either<NonEmptyArray<ValidationError>, ImitationGathererArgs> => {
  const v = validateTeacher(teacher);
  if (E.isLeft(v)) return v;
  const errs: ValidationError[] = [];
  if (!Number.isInteger(H) || H < 1) errs.push({ field: 'H', message: `segment length must be an integer ≥ 1, got ${H}` });
  if (teacher.mistake !== 0) {
    errs.push({ field: 'mistake', message: `SyntheticGatherer has no label noise (PreferenceModel's noise_prob = 2ε = ${2 * teacher.mistake} models it on the reward-model side only)` });
  }
  if (teacher.skipThreshold !== -Infinity) errs.push({ field: 'skipThreshold', message: 'SyntheticGatherer never skips a query' });
  if (teacher.equalThreshold !== 0) errs.push({ field: 'equalThreshold', message: 'SyntheticGatherer has no "equally preferable" rule (only temperature 0 ties give ½)' });
  if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
  const g = teacher.myopicGamma;
  const scale = Math.pow(g, H - 1);
  return E.right({
    temperature: teacher.beta === Infinity ? 0 : teacher.beta === 0 ? Infinity : 1 / (teacher.beta * scale),
    discount_factor: 1 / g,
  });
};

/**
 * imitation's `SyntheticGatherer` settings for segments of length H as a parl-ts teacher:
 * `myopicGamma = 1/discount_factor`, `β = discount_factor^{H−1}/temperature`. Left when
 * `discount_factor < 1` (that discounts late steps; no myopic teacher does).
 */
export const fromImitationGatherer = (args: ImitationGathererArgs, H: number): E.Either<NonEmptyArray<ValidationError>, Teacher> => {
  const errs: ValidationError[] = [];
  if (!Number.isInteger(H) || H < 1) errs.push({ field: 'H', message: `segment length must be an integer ≥ 1, got ${H}` });
  if (!(args.discount_factor >= 1) || !Number.isFinite(args.discount_factor)) {
    errs.push({
      field: 'discount_factor',
      message: `a parl-ts teacher weighs step h by γ_t^{H−1−h} with γ_t ∈ (0, 1], i.e. imitation's discount_factor = 1/γ_t ≥ 1; ${args.discount_factor} cannot be expressed`,
    });
  }
  if (!(args.temperature >= 0)) errs.push({ field: 'temperature', message: `must be ≥ 0, got ${args.temperature}` });
  if (errs.length > 0) return E.left(errs as NonEmptyArray<ValidationError>);
  const scale = Math.pow(args.discount_factor, H - 1);
  return validateTeacher({
    beta: args.temperature === 0 ? Infinity : args.temperature === Infinity ? 0 : scale / args.temperature,
    myopicGamma: 1 / args.discount_factor,
  });
};

// ---------------------------------------------------------------------------------------------
// The libraries' label probabilities, re-implemented for cross-checks

/** BPref's answer for one pair, in BPref's orientation. */
export type BPrefLabelDistribution =
  | { readonly skip: true }
  | { readonly skip: false; readonly equal: true }
  | { readonly skip: false; readonly equal: false; readonly pSecond: number };

/** What BPref's `get_label` does with one pair of reward sequences: skip, −1, or P(label = 1 = second preferred) after the mistake flip (float64; BPref uses float32 torch tensors). */
export const bprefLabelDistribution = (args: BPrefTeacherArgs, rewards1: ArrayLike<number>, rewards2: ArrayLike<number>): BPrefLabelDistribution => {
  let sum1 = 0;
  let sum2 = 0;
  for (let i = 0; i < rewards1.length; i++) sum1 += rewards1[i];
  for (let i = 0; i < rewards2.length; i++) sum2 += rewards2[i];
  if (args.teacher_thres_skip > 0 && !(Math.max(sum1, sum2) > args.teacher_thres_skip)) return { skip: true };
  if (Math.abs(sum1 - sum2) < args.teacher_thres_equal) return { skip: false, equal: true };
  const m1 = bprefTeacherReturn(args.teacher_gamma, rewards1);
  const m2 = bprefTeacherReturn(args.teacher_gamma, rewards2);
  // softmax([β m1, β m2])[1] = σ(β (m2 − m1)); rational: 1*(m1 < m2)
  const p = args.teacher_beta > 0 ? sigmoid(args.teacher_beta * (m2 - m1)) : m1 < m2 ? 1 : 0;
  const eps = args.teacher_eps_mistake;
  return { skip: false, equal: false, pSecond: (1 - eps) * p + eps * (1 - p) };
};

/** imitation's `SyntheticGatherer` probability that fragment 1 is preferred (sample=False), emulating its float32 arithmetic and ±threshold clip. */
export const imitationPreferenceProbability = (
  args: ImitationGathererArgs,
  rewards1: ArrayLike<number>,
  rewards2: ArrayLike<number>,
  threshold = 50,
): number => {
  const f = Math.fround;
  let r1 = f(imitationDiscountedSum(args.discount_factor, rewards1));
  let r2 = f(imitationDiscountedSum(args.discount_factor, rewards2));
  if (args.temperature === 0) return (Math.sign(r1 - r2) + 1) / 2;
  r1 = f(r1 / args.temperature);
  r2 = f(r2 / args.temperature);
  const diff = Math.min(threshold, Math.max(-threshold, f(r2 - r1)));
  return f(1 / f(1 + f(Math.exp(diff))));
};
