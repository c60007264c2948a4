/**
 * The upper-level objectives A-PARL can optimise (MATH.md §7), behind one interface: the exact
 * value and gradients at a policy point, and sampled gradient estimates.
 */
import * as E from 'fp-ts/lib/Either.js';
import { additiveObjectiveExact, type AdditiveUtility } from './additive.js';
import {
  myopicGradientAdditiveSampled,
  myopicGradientPreferenceSampled,
  parlGradientAdditiveSampled,
  parlGradientPreferenceSampled,
} from './estimators.js';
import { preferenceObjectiveExact } from './preference.js';
import type { PolicyPoint, Teacher } from './types.js';
import type { Mdp } from '../mdp/types.js';
import type { Rng } from '../random/rng.js';
import type { RewardModel } from '../reward/rewardModel.js';

/** What the upper level optimises: an additive utility or simulated-teacher preferences. */
export type UpperLevelSpec =
  | { readonly kind: 'additive'; readonly utility: AdditiveUtility }
  | { readonly kind: 'preference'; readonly teacher: Teacher; readonly rTrue: Readonly<Float64Array>; readonly H: number };

/** Exact G, the PARL gradient and the myopic gradient at a point. */
export interface UpperLevelValue {
  readonly G: number;
  readonly gradG: Float64Array;
  readonly gradGMyopic: Float64Array;
}

/** `G`, `∇_ν G` and the myopic gradient at `point`, exactly (MATH.md §7). */
export const upperLevelExact = (
  spec: UpperLevelSpec,
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  point: PolicyPoint,
): E.Either<string, UpperLevelValue> => {
  if (spec.kind === 'additive') {
    const o = additiveObjectiveExact(mdp, model, nu, point, spec.utility);
    return E.right({ G: o.G, gradG: o.gradG, gradGMyopic: o.gradGMyopic });
  }
  const o = preferenceObjectiveExact(mdp, model, nu, point, spec.teacher, spec.rTrue, spec.H);
  return E.isLeft(o) ? E.left(`${o.left.field}: ${o.left.message}`) : E.right({ G: o.right.G, gradG: o.right.gradG, gradGMyopic: o.right.gradGMyopic });
};

/** A sampled gradient with the budget it used. */
export interface UpperLevelSample {
  readonly gradient: Float64Array;
  /** Preference queries (preference utilities) or trajectories (additive) used. */
  readonly queries: number;
}

/**
 * A Monte Carlo PARL (or myopic) gradient from N samples of the policy `pi` (MATH.md §7);
 * `psi` is the materialised ν-score at the same point (unused by the myopic gradient).
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
): UpperLevelSample => {
  if (spec.kind === 'additive') {
    const est = which === 'parl'
      ? parlGradientAdditiveSampled(mdp, model, nu, pi, psi, spec.utility, N, rng, { causal: true })
      : myopicGradientAdditiveSampled(mdp, model, nu, pi, spec.utility, N, rng);
    return { gradient: est.estimate, queries: est.samples };
  }
  const est = which === 'parl'
    ? parlGradientPreferenceSampled(mdp, model, nu, pi, psi, spec.teacher, spec.rTrue, spec.H, N, rng)
    : myopicGradientPreferenceSampled(mdp, model, nu, pi, spec.teacher, spec.rTrue, spec.H, N, rng);
  return { gradient: est.estimate, queries: est.queries ?? est.samples };
};
