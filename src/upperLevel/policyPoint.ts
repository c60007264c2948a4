/**
 * The policy point of the upper level (MATH.md §6–§8): the solved lower level θ*(ν) with the ν-score
 * by any route (closed form by default), or any θ (A-PARL's θ^K) with the implicit-function ν-score.
 * The point carries the lower level whole, so nothing is re-solved or re-factorised downstream.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ParlError } from '../errors/parlError.js';
import { lowerPointAt, requireReliable, solveLowerLevel, type LowerPoint, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { Mdp } from '../mdp/types.js';
import { nuScoreVjpClosedFormWith } from '../nuScore/closedForm.js';
import { nuScoreImplicitDenseWith, nuScoreVjpImplicitWith, type ImplicitNuScore, type ImplicitOptions } from '../nuScore/implicit.js';
import { contractPsi, hessianContextOf, type NuScoreRoute } from '../nuScore/routes.js';
import type { RewardModel } from '../reward/rewardModel.js';
import type { NuScoreVjpFn, PolicyPoint } from './types.js';

/** Why the upper level cannot be evaluated at a point (the library's one error type). */
export type UpperLevelError = ParlError;

/** The VJP of a route at a lower point; the dense route materialises ψ once and contracts it per call. */
const vjpOf = (p: LowerPoint, route: NuScoreRoute, closedPiStar: Readonly<Float64Array> | null, opts: ImplicitOptions): NuScoreVjpFn => {
  if (route === 'closed' && closedPiStar !== null) {
    return (w) => nuScoreVjpClosedFormWith(p.mdp, p.model, closedPiStar, p.lambda, p.evaluation, w);
  }
  if (route === 'dense') {
    let dense: ImplicitNuScore | undefined;
    return (w) => {
      dense ??= nuScoreImplicitDenseWith(hessianContextOf(p), p.r, p.theta, p.model, opts);
      return { value: contractPsi(dense.psi, w), report: dense.vjpReport(w) };
    };
  }
  const ctx = hessianContextOf(p);
  return (w) => nuScoreVjpImplicitWith(ctx, p.r, p.theta, p.model, w, opts);
};

/** The policy point at the solved lower level θ*(ν), the ν-score by `route` (default: the closed form, MATH.md §6). */
export const policyPointOf = (sol: LowerSolution, route: NuScoreRoute = 'closed', opts: ImplicitOptions = {}): PolicyPoint & { readonly optimum: LowerSolution['optimum'] } => ({
  lower: sol,
  pi: sol.optimum.piStar,
  optimum: sol.optimum,
  route,
  nuScoreVjp: vjpOf(sol, route, sol.optimum.piStar, opts),
  reports: sol.reports,
});

/** The policy point at any θ (A-PARL's θ^K), the ν-score by the implicit route (MINRES, or `dense`). */
export const policyPointAtLower = (p: LowerPoint, route: 'implicit' | 'dense' = 'implicit', opts: ImplicitOptions = {}): PolicyPoint => ({
  lower: p,
  pi: p.evaluation.pi,
  route,
  nuScoreVjp: vjpOf(p, route, null, opts),
  reports: [],
});

/**
 * θ*(ν) with the closed-form ν-score VJP (MATH.md §5–§6): `solveLowerLevel` then `policyPointOf`.
 * A `Left` for invalid input, at λ = 0, or when θ* cannot be vouched for (its report is in the error).
 */
export const policyPointAtOptimum = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  lambda: number,
): E.Either<ParlError, PolicyPoint & { readonly optimum: LowerSolution['optimum'] }> =>
  E.map((sol: LowerSolution) => policyPointOf(sol))(E.chain(requireReliable)(solveLowerLevel(mdp, model, nu, lambda)));

/**
 * Any θ with the implicit-function ν-score VJP `−Mᵀ H^† (score-applied w)` by MINRES (MATH.md §6;
 * A-PARL's exact mode at θ^K). Exists for every λ ≥ 0 (an approximation away from θ*); a `Left`
 * only for invalid input.
 */
export const policyPointAt = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): E.Either<ParlError, PolicyPoint> => E.map((p: LowerPoint) => policyPointAtLower(p))(lowerPointAt(mdp, model, nu, theta, lambda));
