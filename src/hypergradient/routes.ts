/**
 * Hypergradient routes: ways to compute (or approximate) the PARL gradient ∇_ν G(ν) of
 * `G(ν) = F(ν, θ*(ν))`, where `F(ν, θ)` is the upper objective at the policy π_θ (MATH.md §7),
 * each with what it cost. With the parts of F at π (value, `∂_ν F` = the myopic gradient, score
 * weights w with `∇_θ F` = the score's transpose applied to w):
 *
 * - `exact`: `∂_ν F + Σ w ψ` with the closed-form ψ at θ* (MATH.md §6), the reference;
 * - `implicit`: the same with ψ by the implicit function theorem (MINRES on Hessian-vector
 *   products), budget = MINRES iterations;
 * - `myopic`: `∂_ν F` alone (the ν-score term dropped), budget 0;
 * - `unrolled`: the exact derivative of `F(ν, θ_K(ν))` through K policy-gradient steps
 *   `θ_{k+1} = θ_k + β ∇_θ J_λ(ν, θ_k)` from a fixed θ₀ (reverse mode), budget = K;
 * - `first-order`: the value-gap penalty `Φ_σ(ν) = max_θ F(ν, θ) − σ(J*_λ(ν) − J_λ(ν, θ))`
 *   (Shen, Yang & Chen 2024), whose gradient by Danskin's theorem needs first derivatives only:
 *   `∂_ν F(ν, θ_σ) + σ(∂_ν J_λ(ν, θ_σ) − ∂_ν J_λ(ν, θ*))`, bias O(1/σ); budget = σ;
 * - `zeroth-order`: two-point Gaussian smoothing of G with the lower level solved exactly,
 *   budget = number of directions N; error ≈ ‖∇G‖·√(d/N) plus the smoothing bias.
 *
 * Derivations and executable checks: proofs/unrolled-derivative.md, proofs/penalty-gradient.md.
 * Every route is pure (randomness is a seeded argument); the caller times it.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invalidInput, type ParlError } from '../errors/parlError.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { hessianContextFromEvaluation, hessianVectorProductWith, mixedHessianTransposeVectorProductWith } from '../hessian/index.js';
import { lowerPointFor, solveLowerLevel, type LowerPoint, type LowerProblem, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { nuScoreVjpClosedFormWith } from '../nuScore/closedForm.js';
import { nuScoreVjpImplicitWith } from '../nuScore/implicit.js';
import { hessianContextOf } from '../nuScore/routes.js';
import { scoreTransposeApply } from '../policy/softmax.js';
import type { Rng } from '../random/rng.js';
import { rewardDimension, rewardJacobianTransposeApply } from '../reward/rewardModel.js';
import { upperPartsAt, type UpperLevelSpec } from '../upperLevel/objective.js';
import type { UpperParts } from '../upperLevel/types.js';
import { evaluatePolicy } from '../value/policyEvaluation.js';

/** The routes of this module. */
export type HypergradientRoute = 'exact' | 'implicit' | 'unrolled' | 'first-order' | 'zeroth-order' | 'myopic';
export const HYPERGRADIENT_ROUTES: ReadonlyArray<HypergradientRoute> = ['exact', 'implicit', 'unrolled', 'first-order', 'zeroth-order', 'myopic'];

/** What a route spent. */
export interface HypergradientCost {
  /** Lower-level optimum solves (soft value iteration + Newton). */
  readonly lowerSolves: number;
  /** Exact policy evaluations (one LU of I − γP_π each), objective parts included. */
  readonly evaluations: number;
  /** Hessian-vector products `∇²_θθ J · v` (and mixed products `(∇²_θν J)ᵀ v`, counted here too). */
  readonly hessianVectorProducts: number;
}

/** A hypergradient with its budget, cost and the reports of its solves. */
export interface Hypergradient {
  readonly route: HypergradientRoute;
  /** The route's budget: MINRES iterations, K, σ, N; 0 for exact and myopic. */
  readonly budget: number;
  /** The estimate of ∇_ν G, a d-vector. */
  readonly gradient: Float64Array;
  readonly cost: HypergradientCost;
  readonly reports: ReadonlyArray<SolveReport>;
  /** Route-specific details (e.g. first-order: inner steps and the stationarity reached). */
  readonly detail?: Readonly<Record<string, number>>;
}

const add = (x: Readonly<Float64Array>, y: Readonly<Float64Array>, c = 1): Float64Array => x.map((v, i) => v + c * y[i]);

/** The parts of F at the solved lower level (π = π*). */
const partsAtOptimum = (spec: UpperLevelSpec, sol: LowerSolution): E.Either<ParlError, UpperParts> => upperPartsAt(spec, sol, sol.optimum.piStar);

/** ∇G by the closed-form ψ at θ*: the reference every other route is measured against (MATH.md §6–§7). */
export const exactHypergradient = (spec: UpperLevelSpec, sol: LowerSolution): E.Either<ParlError, Hypergradient> =>
  E.map((p: UpperParts) => {
    const vjp = nuScoreVjpClosedFormWith(sol.mdp, sol.model, sol.optimum.piStar, sol.lambda, sol.evaluation, p.scoreWeights);
    return {
      route: 'exact' as const,
      budget: 0,
      gradient: add(p.gradGMyopic, vjp.value),
      cost: { lowerSolves: 1, evaluations: 2, hessianVectorProducts: 0 },
      reports: [...sol.reports, vjp.report],
    };
  })(partsAtOptimum(spec, sol));

/** The myopic gradient `∂_ν F(ν, θ*)`: the ν-score term dropped (MATH.md §7). */
export const myopicHypergradient = (spec: UpperLevelSpec, sol: LowerSolution): E.Either<ParlError, Hypergradient> =>
  E.map((p: UpperParts) => ({
    route: 'myopic' as const,
    budget: 0,
    gradient: Float64Array.from(p.gradGMyopic),
    cost: { lowerSolves: 1, evaluations: 2, hessianVectorProducts: 0 },
    reports: sol.reports,
  }))(partsAtOptimum(spec, sol));

/** ∇G with ψ by the implicit function theorem at θ*: MINRES capped at `maxIterations` (budget = iterations used). */
export const implicitHypergradient = (
  spec: UpperLevelSpec,
  sol: LowerSolution,
  maxIterations?: number,
): E.Either<ParlError, Hypergradient> =>
  E.map((p: UpperParts) => {
    const ctx = hessianContextOf(sol);
    // count every Hessian-vector product MINRES and the Hessian check make (true residuals, restarts included)
    let products = 0;
    const counted = (v: Readonly<Float64Array>): Float64Array => (products++, hessianVectorProductWith(ctx, v));
    const limits = maxIterations === undefined ? {} : { maxIterations, maxRestarts: 0 };
    const vjp = nuScoreVjpImplicitWith(ctx, sol.r, sol.theta, sol.model, p.scoreWeights, { ...limits, hessianVectorProduct: counted });
    return {
      route: 'implicit' as const,
      budget: vjp.report.iterations,
      gradient: add(p.gradGMyopic, vjp.value),
      // the products counted, plus one adjoint mixed product; the Hessian check's two gradient evaluations
      cost: { lowerSolves: 1, evaluations: 4, hessianVectorProducts: products + 1 },
      reports: [...sol.reports, vjp.report],
    };
  })(partsAtOptimum(spec, sol));

/** Options of the unrolled route. */
export interface UnrolledOptions {
  /** Policy-gradient steps K ≥ 0. */
  readonly K: number;
  /** Step size β > 0. */
  readonly beta: number;
}

/**
 * The exact derivative of `F(ν, θ_K(ν))` through K policy-gradient steps from a fixed θ₀
 * (proofs/unrolled-derivative.md), reverse mode: with `a_K = ∇_θ F(ν, θ_K)` and
 * `a_k = (I + βH_k) a_{k+1}`, `d/dν F(ν, θ_K(ν)) = ∂_ν F(ν, θ_K) + Σ_{k<K} β M_kᵀ a_{k+1}` where
 * `H_k = ∇²_θθ J_λ(ν, θ_k)` and `M_k = ∇²_θν J_λ(ν, θ_k)`. Exists for every λ ≥ 0. Also returns θ_K.
 */
export const unrolledHypergradient = (
  spec: UpperLevelSpec,
  problem: LowerProblem,
  theta0: Readonly<Float64Array>,
  o: UnrolledOptions,
): E.Either<ParlError, Hypergradient & { readonly thetaK: Float64Array; readonly G: number }> => {
  if (!Number.isInteger(o.K) || o.K < 0) return E.left(invalidInput('K', `must be an integer ≥ 0, got ${o.K}`));
  if (!(o.beta > 0) || !Number.isFinite(o.beta)) return E.left(invalidInput('beta', `must be a finite number > 0, got ${o.beta}`));
  const { mdp, r, lambda, model } = problem;
  const thetas: Float64Array[] = [Float64Array.from(theta0)];
  for (let k = 0; k < o.K; k++) {
    const ev = evaluatePolicy(mdp, r, thetas[k], lambda);
    thetas.push(add(thetas[k], policyGradientFromEvaluation(mdp, ev), o.beta));
  }
  const thetaK = thetas[o.K];
  const atK: LowerPoint = lowerPointFor(problem, thetaK);
  return E.map((p: UpperParts) => {
    let a: Float64Array = scoreTransposeApply(atK.evaluation.pi, p.scoreWeights, mdp.A);
    let g: Float64Array = Float64Array.from(p.gradGMyopic);
    for (let k = o.K - 1; k >= 0; k--) {
      const ctx = hessianContextFromEvaluation(mdp, evaluatePolicy(mdp, r, thetas[k], lambda), lambda);
      g = add(g, mixedHessianTransposeVectorProductWith(ctx, model, a), o.beta);
      a = add(a, hessianVectorProductWith(ctx, a), o.beta);
    }
    return {
      route: 'unrolled' as const,
      budget: o.K,
      gradient: g,
      // K forward evaluations, K re-evaluations on the way back, the objective at θ_K; K HVPs + K mixed products
      cost: { lowerSolves: 0, evaluations: 2 * o.K + 2, hessianVectorProducts: 2 * o.K },
      reports: [],
      thetaK,
      G: p.G,
    };
  })(upperPartsAt(spec, atK));
};

/** Options of the first-order (value-gap penalty) route. */
export interface FirstOrderOptions {
  /** Penalty weight σ > 0. */
  readonly sigma: number;
  /** Cap on inner (natural-gradient) steps (default 2000). */
  readonly maxInner?: number;
  /** Stop when the natural-gradient step is below this relative to ‖θ‖∞ + 1 (default 1e-13). */
  readonly tolerance?: number;
}

/** `∂_ν J_λ(ν, θ) = J_rᵀ (d∘π)/(1−γ)` (the occupancy formula, MATH.md §7 with u = r_ν). */
const rewardGradientOfJ = (p: LowerPoint): Float64Array => {
  const { S, A, gamma } = p.mdp;
  const w = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) w[s * A + a] = (p.evaluation.d[s] * p.evaluation.pi[s * A + a]) / (1 - gamma);
  return rewardJacobianTransposeApply(p.model, w);
};

/**
 * The value-gap penalty route (proofs/penalty-gradient.md): θ_σ maximises `F(ν, θ) + σ J_λ(ν, θ)`,
 * found from θ* by natural-gradient steps `θ ← θ + (Adv_λ + D_F/σ)/λ` (soft policy iteration for
 * the σJ part, `D_F = (1−γ)∇_θ F/(d∘π)` its Fisher-preconditioned F part), and
 * `∇Φ_σ = ∂_ν F(ν, θ_σ) + σ(∂_ν J_λ(ν, θ_σ) − ∂_ν J_λ(ν, θ*))`: first derivatives only. λ > 0.
 */
export const firstOrderHypergradient = (
  spec: UpperLevelSpec,
  sol: LowerSolution,
  o: FirstOrderOptions,
): E.Either<ParlError, Hypergradient> => {
  if (!(o.sigma > 0) || !Number.isFinite(o.sigma)) return E.left(invalidInput('sigma', `must be a finite number > 0, got ${o.sigma}`));
  const maxInner = o.maxInner ?? 2000;
  const tol = o.tolerance ?? 1e-13;
  const { mdp, lambda } = sol;
  const { S, A, gamma } = mdp;
  // the stopping scale is fixed at the start: a diverging θ must not make its own steps look small
  let scale = 1;
  for (let i = 0; i < S * A; i++) scale = Math.max(scale, 1 + Math.abs(sol.theta[i]));
  let p: LowerPoint = sol;
  let step = Infinity;
  let inner = 0;
  let undetermined = 0;
  let parts: UpperParts | undefined;
  for (;;) {
    const e = upperPartsAt(spec, p);
    if (E.isLeft(e)) return e;
    parts = e.right;
    const gF = scoreTransposeApply(p.evaluation.pi, parts.scoreWeights, A);
    const dir = new Float64Array(S * A);
    let dirMax = 0;
    undetermined = 0;
    for (let s = 0; s < S; s++) {
      const ds = p.evaluation.d[s];
      // J has no curvature on a state the policy never visits (d(s) = 0): the penalty problem does not
      // determine θ_σ there, and F's gradient on it cannot be matched (such states are counted below)
      if (ds <= S * 2 ** -52) {
        for (let a = 0; a < A; a++) if (gF[s * A + a] !== 0) { undetermined++; break; }
        continue;
      }
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        const weight = ds * p.evaluation.pi[i];
        // the Fisher metric of a visited state: π(a|s) may underflow, and then so does gF (∝ π)
        const dF = weight > 0 ? ((1 - gamma) * gF[i]) / weight : 0;
        dir[i] = (p.evaluation.adv[i] + dF / o.sigma) / lambda;
        dirMax = Math.max(dirMax, Math.abs(dir[i]));
      }
    }
    step = dirMax;
    if (!(dirMax > tol * scale) || inner >= maxInner) break;
    p = lowerPointFor(sol, add(p.theta, dir));
    inner++;
  }
  const dJ = add(rewardGradientOfJ(p), rewardGradientOfJ(sol), -1);
  const converged = step <= tol * scale;
  const reliable = converged && undetermined === 0;
  const reasons: string[] = [];
  if (!converged) reasons.push(`the inner solve did not reach stationarity in ${inner} steps (natural-gradient step ${step.toExponential(1)})`);
  if (undetermined > 0) reasons.push(`F has weight on ${undetermined} state${undetermined === 1 ? '' : 's'} the policy never visits (d(s) = 0): the penalty does not determine θ_σ there and the bias need not vanish as σ grows`);
  const report: SolveReport = {
    quantity: 'thetaSigma',
    route: 'natural-gradient',
    converged,
    relativeResidual: step / scale,
    iterations: inner,
    reliable,
    ...(reasons.length > 0 ? { warning: reasons.join('; ') } : {}),
  };
  return E.right({
    route: 'first-order',
    budget: o.sigma,
    gradient: add(parts.gradGMyopic, dJ, o.sigma),
    // θ* and the objective at each of the inner + 1 points; the evaluation at each of the inner new points
    cost: { lowerSolves: 1, evaluations: 2 * inner + 2, hessianVectorProducts: 0 },
    reports: [...sol.reports, report],
    detail: { innerSteps: inner, stationarity: step },
  });
};

/** Options of the zeroth-order route. */
export interface ZerothOrderOptions {
  /** Directions N ≥ 1. */
  readonly N: number;
  /** Smoothing radius μ > 0 (default 1e-4). */
  readonly mu?: number;
}

/**
 * Two-point Gaussian smoothing (Nesterov & Spokoiny 2017): `(1/N) Σ_i (G(ν + μu_i) − G(ν − μu_i))/(2μ) u_i`
 * with `u_i ∼ N(0, I_d)` and G evaluated with the lower level solved exactly at each point.
 * Unbiased for ∇G_μ (the smoothed G), which is ∇G + O(μ²). 2N lower-level solves.
 */
export const zerothOrderHypergradient = (
  spec: UpperLevelSpec,
  problem: LowerProblem,
  o: ZerothOrderOptions,
  rng: Rng,
): E.Either<ParlError, Hypergradient> => {
  if (!Number.isInteger(o.N) || o.N < 1) return E.left(invalidInput('N', `must be an integer ≥ 1, got ${o.N}`));
  const mu = o.mu ?? 1e-4;
  if (!(mu > 0) || !Number.isFinite(mu)) return E.left(invalidInput('mu', `must be a finite number > 0, got ${mu}`));
  const { mdp, model, nu, lambda } = problem;
  const d = rewardDimension(model);
  const g = new Float64Array(d);
  const reports: SolveReport[] = [];
  const Gat = (x: Float64Array): E.Either<ParlError, number> =>
    E.chain((sol: LowerSolution) => {
      reports.push(...sol.reports);
      return E.map((p: UpperParts) => p.G)(partsAtOptimum(spec, sol));
    })(solveLowerLevel(mdp, model, x, lambda));
  for (let n = 0; n < o.N; n++) {
    const u = Float64Array.from({ length: d }, () => rng.normal());
    const plus = Gat(add(nu, u, mu));
    if (E.isLeft(plus)) return plus;
    const minus = Gat(add(nu, u, -mu));
    if (E.isLeft(minus)) return minus;
    const c = (plus.right - minus.right) / (2 * mu * o.N);
    for (let i = 0; i < d; i++) g[i] += c * u[i];
  }
  return E.right({
    route: 'zeroth-order',
    budget: o.N,
    gradient: g,
    cost: { lowerSolves: 2 * o.N, evaluations: 4 * o.N, hessianVectorProducts: 0 },
    reports,
  });
};
