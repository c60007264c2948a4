/**
 * The upper-level objectives A-PARL can optimise (MATH.md §7), behind one interface: the exact
 * value and gradients at a policy point, and sampled gradient estimates.
 */
import * as E from 'fp-ts/lib/Either.js';
import { additiveObjectiveExact, additiveParts, type AdditiveUtility } from './additive.js';
import {
  myopicGradientAdditiveSampled,
  myopicGradientPreferenceSampled,
  parlGradientAdditiveSampled,
  parlGradientPreferenceSampled,
  type UpperLevelSampleOptions,
} from './estimators.js';
import { preferenceObjectiveExact, preferenceParts } from './preference.js';
import type { PolicyPoint, Teacher, UpperParts } from './types.js';
import type { LowerPoint } from '../lowerLevel/lowerSolution.js';
import type { Mdp } from '../mdp/types.js';
import type { ParlError } from '../errors/parlError.js';
import type { SolveReport } from '../numerics/solveReport.js';
import type { Rng } from '../random/rng.js';
import type { RewardModel } from '../reward/rewardModel.js';

/** What the upper level optimises: an additive utility or simulated-teacher preferences. */
export type UpperLevelSpec =
  | { readonly kind: 'additive'; readonly utility: AdditiveUtility }
  | { readonly kind: 'preference'; readonly teacher: Teacher; readonly rTrue: Readonly<Float64Array>; readonly H: number };

/** Exact G, the PARL gradient and the myopic gradient at a point, with the reports of the solves behind them. */
export interface UpperLevelValue {
  readonly G: number;
  readonly gradG: Float64Array;
  readonly gradGMyopic: Float64Array;
  /** The point's solves (θ* when at the optimum) and the ν-score VJP's. */
  readonly reports: ReadonlyArray<SolveReport>;
}

/** `G`, `∇_ν G` and the myopic gradient at `point`, exactly (MATH.md §7); the point carries (mdp, model, ν). */
export const upperLevelExact = (spec: UpperLevelSpec, point: PolicyPoint): E.Either<ParlError, UpperLevelValue> => {
  if (spec.kind === 'additive') {
    const o = additiveObjectiveExact(point, spec.utility);
    return E.right({ G: o.G, gradG: o.gradG, gradGMyopic: o.gradGMyopic, reports: o.reports });
  }
  const o = preferenceObjectiveExact(point, spec.teacher, spec.rTrue, spec.H);
  return E.map((v: { G: number; gradG: Float64Array; gradGMyopic: Float64Array; reports: ReadonlyArray<SolveReport> }) =>
    ({ G: v.G, gradG: v.gradG, gradGMyopic: v.gradGMyopic, reports: v.reports }))(o);
};

/** The upper objective's parts at π (default: the lower point's own π_θ) that need no ν-score (MATH.md §7). */
export const upperPartsAt = (
  spec: UpperLevelSpec,
  lower: LowerPoint,
  pi: Readonly<Float64Array> = lower.evaluation.pi,
): E.Either<ParlError, UpperParts> => {
  if (spec.kind === 'additive') return E.right(additiveParts(lower, pi, spec.utility));
  return preferenceParts(lower, pi, spec.teacher, spec.rTrue, spec.H);
};

/** A sampled gradient with the budget it used. */
export interface UpperLevelSample {
  readonly gradient: Float64Array;
  /** Preference queries (preference utilities) or trajectories (additive) used. */
  readonly queries: number;
}

/**
 * A Monte Carlo PARL (or myopic) gradient from N samples of the policy `pi` (MATH.md §7);
 * `psi` is the materialised ν-score at the same point (unused by the myopic gradient). `opts`
 * passes a baseline (a constant or `'leave-one-out'`) to the PARL estimator's score term; the
 * myopic gradient has no score term and ignores it.
 */
export const upperLevelSampled = (
  spec: UpperLevelSpec,
  which: 'parl' | 'myopic',
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  pi: Readonly<Float64Array>,
  psi: Readonly<Float64Array>,
  N: number,
  rng: Rng,
  opts: UpperLevelSampleOptions = {},
): UpperLevelSample => {
  if (spec.kind === 'additive') {
    const est = which === 'parl'
      ? parlGradientAdditiveSampled(mdp, model, nu, pi, psi, spec.utility, N, rng, { ...opts, causal: true })
      : myopicGradientAdditiveSampled(mdp, model, nu, pi, spec.utility, N, rng);
    return { gradient: est.estimate, queries: est.samples };
  }
  const est = which === 'parl'
    ? parlGradientPreferenceSampled(mdp, model, nu, pi, psi, spec.teacher, spec.rTrue, spec.H, N, rng, opts)
    : myopicGradientPreferenceSampled(mdp, model, nu, pi, spec.teacher, spec.rTrue, spec.H, N, rng);
  return { gradient: est.estimate, queries: est.queries ?? est.samples };
};
