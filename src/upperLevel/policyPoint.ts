/**
 * The policy point of the upper level: θ*(ν) with the closed-form ν-score (exact/oracle), or any
 * θ (e.g. A-PARL's θ^K) with the implicit-function ν-score (MATH.md §6–§8).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { nuScoreVjpClosedForm } from '../nuScore/closedForm.js';
import { nuScoreVjpImplicit } from '../nuScore/implicit.js';
import { softOptimum, type SoftOptimum } from '../optimal/index.js';
import { softmaxProbs } from '../policy/softmax.js';
import { rewardOf, type RewardModel } from '../reward/rewardModel.js';
import type { PolicyPoint } from './types.js';

/** Why the upper level cannot be evaluated at a point. */
export interface UpperLevelError {
  readonly field: string;
  readonly message: string;
}

/** θ*(ν) with the closed-form ν-score VJP (MATH.md §5–§6); a Left at λ = 0 or if the optimum does not converge. */
export const policyPointAtOptimum = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  lambda: number,
): E.Either<UpperLevelError, PolicyPoint & { readonly optimum: SoftOptimum }> => {
  const o = softOptimum(mdp, rewardOf(model, nu), lambda);
  if (E.isLeft(o)) return E.left({ field: 'lambda', message: o.left.message });
  if (!o.right.converged) {
    return E.left({ field: 'optimum', message: `soft optimum did not converge (relative residual ${o.right.relativeResidual.toExponential(2)})` });
  }
  const piStar = o.right.piStar;
  return E.right({
    pi: piStar,
    optimum: o.right,
    route: 'closed-form',
    nuScoreVjp: (w) => {
      const v = nuScoreVjpClosedForm(mdp, model, piStar, lambda, w);
      // λ > 0 was checked by softOptimum above, so the closed form exists
      if (E.isLeft(v)) throw new Error(`internal: ${v.left.message}`);
      return v.right.value;
    },
  });
};

/**
 * Any θ with the implicit-function ν-score VJP `−Mᵀ H^† (score-applied w)` by MINRES
 * (MATH.md §6; A-PARL's exact mode at θ^K). Exists for every λ ≥ 0 (an approximation away from θ*).
 */
export const policyPointAt = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): PolicyPoint => ({
  pi: softmaxProbs(theta, mdp.S, mdp.A),
  route: 'implicit',
  nuScoreVjp: (w) => nuScoreVjpImplicit(mdp, model, nu, theta, lambda, w).value,
});
