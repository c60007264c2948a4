/**
 * The ν-score of a solved lower level by any route (MATH.md §6), each with its report:
 * `closed` (the closed form at θ*, one LU already in the solution), `implicit` (MINRES on exact
 * Hessian-vector products) and `dense` (a pseudo-inverse of the dense Hessian). Every route reuses
 * the evaluation (and its factorisation of I − γP_π) that the `LowerPoint` carries.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ParlError } from '../errors/parlError.js';
import { hessianContextFromEvaluation, type HessianContext } from '../hessian/index.js';
import type { LowerPoint, LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { lambdaZeroError, nuScoreClosedFormWith, nuScoreVjpClosedFormWith, type NuScoreVjp } from './closedForm.js';
import { nuScoreImplicitDenseWith, nuScoreImplicitIterativeWith, nuScoreVjpImplicitWith, type ImplicitOptions } from './implicit.js';

/** How ψ is computed. */
export type NuScoreRoute = 'closed' | 'implicit' | 'dense';
export const NU_SCORE_ROUTES: ReadonlyArray<NuScoreRoute> = ['closed', 'implicit', 'dense'];

/** ψ, `(S·A)×d` row-major, with the report of the solve that produced it. */
export interface NuScoreOf {
  readonly psi: Float64Array;
  readonly report: SolveReport;
}

const isSolution = (p: LowerPoint | LowerSolution): p is LowerSolution => 'optimum' in p;

/** The Hessian context of a lower point: its evaluation and factorisation, nothing recomputed. */
export const hessianContextOf = (p: LowerPoint): HessianContext => hessianContextFromEvaluation(p.mdp, p.evaluation, p.lambda);

/**
 * ψ at a lower point by a route (MATH.md §6). `closed` needs the solved lower level (θ = θ*, λ > 0);
 * `implicit` and `dense` exist at any θ (at θ*: the same ψ; at θ^K: A-PARL's approximation).
 */
export const nuScoreOf = (
  p: LowerPoint | LowerSolution,
  route: NuScoreRoute,
  opts: ImplicitOptions = {},
): E.Either<ParlError, NuScoreOf> => {
  if (route === 'closed') {
    if (!(p.lambda > 0)) return E.left(lambdaZeroError(p.lambda));
    if (!isSolution(p)) return E.left({ _tag: 'InvalidInput', field: 'route', message: 'the closed form exists only at θ*(ν): solve the lower level first (solveLowerLevel)', errors: [{ field: 'route', message: 'the closed form exists only at θ*(ν)' }] });
    const c = nuScoreClosedFormWith(p.mdp, p.model, p.optimum.piStar, p.lambda, p.evaluation);
    return E.right({ psi: c.psi, report: c.report });
  }
  const ctx = hessianContextOf(p);
  const res = (route === 'dense' ? nuScoreImplicitDenseWith : nuScoreImplicitIterativeWith)(ctx, p.r, p.theta, p.model, opts);
  return E.right({ psi: res.psi, report: res.report });
};

/**
 * `Σ_{s,a} w[s,a] ψ[s,a]` at a lower point by a route, without materialising ψ where the route
 * allows (closed: one transposed solve; implicit: one MINRES solve; dense: ψ materialised).
 */
export const nuScoreVjpOf = (
  p: LowerPoint | LowerSolution,
  route: NuScoreRoute,
  w: Readonly<Float64Array>,
  opts: ImplicitOptions = {},
): E.Either<ParlError, NuScoreVjp> => {
  if (route === 'closed') {
    if (!(p.lambda > 0)) return E.left(lambdaZeroError(p.lambda));
    if (!isSolution(p)) return E.left({ _tag: 'InvalidInput', field: 'route', message: 'the closed form exists only at θ*(ν): solve the lower level first (solveLowerLevel)', errors: [{ field: 'route', message: 'the closed form exists only at θ*(ν)' }] });
    return E.right(nuScoreVjpClosedFormWith(p.mdp, p.model, p.optimum.piStar, p.lambda, p.evaluation, w));
  }
  if (route === 'implicit') return E.right(nuScoreVjpImplicitWith(hessianContextOf(p), p.r, p.theta, p.model, w, opts));
  const dense = nuScoreImplicitDenseWith(hessianContextOf(p), p.r, p.theta, p.model, opts);
  return E.right({ value: contractPsi(dense.psi, w), report: dense.vjpReport(w) });
};

/** `Σ_{sa} w[sa] ψ[sa, :]`: the VJP of a materialised ψ ((S·A)×d). */
export const contractPsi = (psi: Readonly<Float64Array>, w: Readonly<Float64Array>): Float64Array => {
  const n = w.length;
  const d = psi.length / n;
  const out = new Float64Array(d);
  for (let sa = 0; sa < n; sa++) {
    const x = w[sa];
    if (x === 0) continue;
    for (let i = 0; i < d; i++) out[i] += x * psi[sa * d + i];
  }
  return out;
};
