/**
 * Every number the explorable page shows, computed by the library in float64 (MATH.md §3–§8): at
 * the controls, π* and V* (`solveLowerLevel`), the ν-score ψ by the closed form (`nuScoreOf`), G and
 * ∇G split into its myopic part E[∇_ν U] and its ν-score part Σ w ψ (`upperLevelExact`,
 * `upperPartsAt`, the point's ν-score VJP), the bandit's G(Δ) with the MLE and PARL's optimum
 * (`banditAt`, `banditStationaryPoints`, `runBandit`), and A-PARL's configuration. Pure: the page
 * (browser.ts) only renders what this returns.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_APARL_CONFIG, type AparlConfig } from '../algorithm/config.js';
import type { BilevelProblem } from '../algorithm/aparl.js';
import type { ParlError } from '../errors/parlError.js';
import { BANDIT_AGREEMENT, banditAt, banditLibraryAt, banditStationaryPoints, runBandit, type BanditParams, type BanditPoint } from '../experiments/bandit.js';
import { hessianJ } from '../hessian/index.js';
import { symmetricEigen } from '../linalg/symmetricEigen.js';
import type { LowerSolution } from '../lowerLevel/lowerSolution.js';
import { solveLowerLevel } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { nuScoreOf } from '../nuScore/routes.js';
import { rewardDimension } from '../reward/rewardModel.js';
import { upperLevelExact, upperPartsAt } from '../upperLevel/objective.js';
import { policyPointOf } from '../upperLevel/policyPoint.js';
import { BANDIT_TRUE_GAP, exploreProblem, type ExploreParams, type ExploreProblem } from './problems.js';

/** Whether a group of numbers can be vouched for: every solve behind it reliable, else the first warning. */
export interface Reliability {
  readonly reliable: boolean;
  readonly warning: string;
  readonly solves: number;
}

/** The reliability of the solves behind a group of numbers. */
export const reliabilityOf = (reports: ReadonlyArray<SolveReport>): Reliability => {
  const bad = reports.find((r) => !r.reliable);
  return {
    reliable: bad === undefined,
    warning: bad === undefined ? '' : `${bad.quantity} (${bad.route}): ${bad.warning ?? 'unreliable solve'}`,
    solves: reports.length,
  };
};

/** The lower level and the upper level at ν (MATH.md §5–§7). */
export interface ProblemView {
  readonly problem: ExploreProblem;
  readonly S: number;
  readonly A: number;
  /** Reward parameters d. */
  readonly d: number;
  readonly nu: Float64Array;
  /** θ*, π* (S×A) and V* (S) of the soft optimum, with the reliability of its solve. */
  readonly thetaStar: Float64Array;
  readonly piStar: Float64Array;
  readonly VStar: Float64Array;
  readonly lowerReliability: Reliability;
  /** ψ = ∇_ν log π*(a|s), (S·A)×d row-major (closed form). */
  readonly psi: Float64Array;
  readonly psiReliability: Reliability;
  /** G(ν), ∇G, its myopic part E[∇_ν U] and its ν-score part Σ_{s,a} w[s,a] ψ[s,a] (d each). */
  readonly G: number;
  readonly gradG: Float64Array;
  readonly gradGMyopic: Float64Array;
  readonly gradGNuScore: Float64Array;
  readonly upperReliability: Reliability;
  /** A-PARL's inner step β = 1/L̂, L̂ the largest curvature of J_λ at θ₀ and at θ*(ν) (`ascentStepSize`). */
  readonly aparlInnerStep: number;
}

/**
 * A policy-gradient step that ascends: β = 1/L̂ with L̂ the largest |eigenvalue| of ∇²_θθ J_λ at θ₀
 * and at θ*(ν) (MATH.md §6; the step size of the unrolled route, `unrolledStepSize` in
 * src/experiments/hypergradients.ts, computed here without that module's plotting imports).
 */
export const ascentStepSize = (sol: LowerSolution, theta0: Readonly<Float64Array>): number => {
  const { mdp, r, lambda } = sol;
  const n = mdp.S * mdp.A;
  const spectrum = (theta: Readonly<Float64Array>): number[] => Array.from(symmetricEigen(hessianJ(mdp, r, theta, lambda), n).values, Math.abs);
  const L = Math.max(...spectrum(theta0), ...spectrum(sol.theta));
  return L > 0 ? 1 / L : 1;
};

/** The lower and upper level of the picked problem at ν = c·ν_ref. */
export const problemView = (params: ExploreParams): E.Either<ParlError, ProblemView> => {
  const pe = exploreProblem(params);
  if (E.isLeft(pe)) return pe;
  const ep = pe.right;
  const { mdp, model, upper } = ep.problem;
  const sol = solveLowerLevel(mdp, model, ep.nu, params.lambda);
  if (E.isLeft(sol)) return sol;
  const psi = nuScoreOf(sol.right, 'closed');
  if (E.isLeft(psi)) return psi;
  const point = policyPointOf(sol.right);
  const value = upperLevelExact(upper, point);
  if (E.isLeft(value)) return value;
  const parts = upperPartsAt(upper, sol.right, point.pi);
  if (E.isLeft(parts)) return parts;
  const score = point.nuScoreVjp(parts.right.scoreWeights);
  const { optimum } = sol.right;
  return E.right({
    problem: ep,
    S: mdp.S,
    A: mdp.A,
    d: rewardDimension(model),
    nu: ep.nu,
    thetaStar: optimum.thetaStar,
    piStar: optimum.piStar,
    VStar: optimum.VStar,
    lowerReliability: reliabilityOf(sol.right.reports),
    psi: psi.right.psi,
    psiReliability: reliabilityOf([psi.right.report]),
    G: value.right.G,
    gradG: value.right.gradG,
    gradGMyopic: parts.right.gradGMyopic,
    gradGNuScore: score.value,
    upperReliability: reliabilityOf([...value.right.reports, score.report]),
    aparlInnerStep: ascentStepSize(sol.right, ep.problem.theta0),
  });
};

/** Points of the bandit's G(Δ) curve. */
export const BANDIT_CURVE_POINTS = 161;

/** The bandit at (λ, β, Δu = 1): G(Δ) on a grid, the MLE and PARL's optimum (proofs/bandit-performative.md). */
export interface BanditView {
  readonly params: BanditParams;
  /** Δ on the grid and G(Δ) there (closed form (G)). */
  readonly curveGap: Float64Array;
  readonly curveG: Float64Array;
  /** PARL's maximiser Δ* and the myopic fixed point (the MLE Δ = βΔu), in closed form. */
  readonly parl: BanditPoint;
  readonly myopic: BanditPoint;
  /** G at PARL's optimum by the library's exact objective (`upperLevelExact` at θ*(ν), whose solve `banditLibraryAt` requires to be reliable), against the closed form. */
  readonly libraryGAtParl: number;
  /** Largest |library run − closed form| of both methods (`runBandit`). */
  readonly runDisagreement: number;
  /** Both library runs converged and agree with the closed form within `BANDIT_AGREEMENT`. */
  readonly runVouched: boolean;
}

/** The bandit's view at the controls' λ and β (Δu = 1). */
export const banditView = (params: ExploreParams): E.Either<ParlError, BanditView> => {
  const bp: BanditParams = { lambda: params.lambda, beta: params.beta, trueGap: BANDIT_TRUE_GAP };
  const points = banditStationaryPoints(bp);
  const run = runBandit(bp);
  if (E.isLeft(run)) return run;
  const lib = banditLibraryAt(bp, points.parl.gap);
  if (E.isLeft(lib)) return lib;
  const hi = Math.max(2, 2.5 * bp.beta * BANDIT_TRUE_GAP);
  const lo = -1;
  const curveGap = Float64Array.from({ length: BANDIT_CURVE_POINTS }, (_, i) => lo + ((hi - lo) * i) / (BANDIT_CURVE_POINTS - 1));
  const curveG = Float64Array.from(curveGap, (g) => banditAt(bp, g).G);
  const runVouched = run.right.parl.converged && run.right.myopic.converged && run.right.disagreement <= BANDIT_AGREEMENT;
  return E.right({ params: bp, curveGap, curveG, parl: points.parl, myopic: points.myopic, libraryGAtParl: lib.right.G, runDisagreement: run.right.disagreement, runVouched });
};

/** A-PARL on the picked problem: exact mode, the PARL gradient at θ^K, K and T from the controls, inner step 1/L̂ (MATH.md §8). */
export const aparlConfigOf = (params: ExploreParams, v: ProblemView): AparlConfig => ({
  ...DEFAULT_APARL_CONFIG,
  mode: 'exact',
  gradient: 'parl',
  T: params.T,
  K: params.K,
  beta: v.aparlInnerStep,
  alpha: v.problem.outerStep,
  lambda: params.lambda,
  trackTrueGradient: false,
});

/** The problem A-PARL continues from: the same problem started at (ν, θ) (for running one outer step at a time). */
export const continueFrom = (problem: BilevelProblem, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): BilevelProblem => ({
  ...problem,
  nu0: nu,
  theta0: theta,
});

/** Everything of the first full computation. */
export interface ExploreView {
  readonly params: ExploreParams;
  readonly problem: ProblemView;
  readonly bandit: BanditView;
}

/** The page's full computation at the controls. */
export const exploreView = (params: ExploreParams): E.Either<ParlError, ExploreView> => {
  const problem = problemView(params);
  if (E.isLeft(problem)) return problem;
  const bandit = banditView(params);
  if (E.isLeft(bandit)) return bandit;
  return E.right({ params, problem: problem.right, bandit: bandit.right });
};
