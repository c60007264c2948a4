/**
 * The ν-score `ψ[s,a] = ∇_ν log π_{θ*(ν)}(a|s)` by its closed form (MATH.md §6, λ > 0):
 * the advantage of the reward Jacobian under π*, divided by λ.
 *
 *   ∂_ν V* = (I − γP_{π*})⁻¹ B,  B[s,:] = Σ_a π*(a|s) J_r[s,a,:]
 *   ∂_ν Q*[s,a] = J_r[s,a,:] + γ Σ_{s'} P[s,a,s'] ∂_ν V*[s']
 *   ψ[s,a] = (∂_ν Q*[s,a] − ∂_ν V*[s]) / λ
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { conditionEstimate1, LU_RELIABLE_ERROR, luFactor, luSolveMany, luSolveTransposed, luSolveReport, matNormInf, reportSolve, type LuFactorization } from '../linalg/index.js';
import { invalidInput, type ParlError } from '../errors/parlError.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { rewardDimension, rewardJacobianDense, rewardJacobianTransposeApply, type RewardModel } from '../reward/rewardModel.js';
import { bellmanMatrix, policyTransition } from '../value/policyMatrices.js';
import { successorsOf } from '../mdp/successors.js';

/** Why a ν-score cannot be computed (the library's one error type). */
export type NuScoreError = ParlError;

/** The error for λ ≤ 0: θ*(ν) is not a finite, differentiable function of ν there (MATH.md §5). */
export const lambdaZeroError = (lambda: number): ParlError => invalidInput(
  'lambda',
  lambda === 0
    ? 'the ν-score does not exist at λ = 0: the optimal policy is deterministic, no finite θ* exists and ν ↦ π* is piecewise constant; use λ > 0 or the K-step approximation θ^K with the implicit route'
    : `λ must be a finite number > 0 for the ν-score, got ${lambda}`,
);

/** `I − γP_π` and its LU factorisation: what the closed form solves with (an evaluation at θ* carries both). */
export interface BellmanFactorization {
  readonly bellman: Readonly<Float64Array>;
  readonly factorization: LuFactorization;
}

/** Factor `I − γP_π` for π (when no evaluation at π is at hand). */
export const bellmanFactorization = (mdp: Mdp, pi: Readonly<Float64Array>): BellmanFactorization => {
  const bellman = bellmanMatrix(mdp, policyTransition(mdp, pi));
  return { bellman, factorization: luFactor(bellman, mdp.S) };
};

/** The closed-form ν-score with the value sensitivity it is built from. */
export interface NuScore {
  /** `ψ`, `(S·A)×d` row-major, index `(s*A + a)*d + i`. */
  readonly psi: Float64Array;
  /** `∂_ν V*`, `S×d` row-major. */
  readonly dVdNu: Float64Array;
  readonly d: number;
  /** Report of the value-sensitivity solve (route `closed`, quantity `psi`). */
  readonly report: SolveReport;
}

/** `ψ = (∂_ν Q* − ∂_ν V*)/λ`, materialised: cost O(S³ + S²·d + S²·A·d) (MATH.md §6). */
export const nuScoreClosedForm = (
  mdp: Mdp,
  model: RewardModel,
  piStar: Readonly<Float64Array>,
  lambda: number,
): E.Either<ParlError, NuScore> => {
  if (!(lambda > 0) || !Number.isFinite(lambda)) return E.left(lambdaZeroError(lambda));
  return E.right(nuScoreClosedFormWith(mdp, model, piStar, lambda, bellmanFactorization(mdp, piStar)));
};

/** The closed-form ψ (MATH.md §6) with a given factorisation of `I − γP_{π*}`; λ > 0 is the caller's. */
export const nuScoreClosedFormWith = (
  mdp: Mdp,
  model: RewardModel,
  piStar: Readonly<Float64Array>,
  lambda: number,
  f: BellmanFactorization,
): NuScore => (model.kind === 'tabular' ? closedFormTabular(mdp, piStar, lambda, f) : closedFormDense(mdp, model, piStar, lambda, f));

/** The closed form for any reward model: `∂_ν V* = M⁻¹B` with d right-hand sides, O(S³ + S²d + nnz(P)·d). */
const closedFormDense = (mdp: Mdp, model: RewardModel, piStar: Readonly<Float64Array>, lambda: number, f: BellmanFactorization): NuScore => {
  const { S, A, gamma } = mdp;
  const d = rewardDimension(model);
  const Jr = rewardJacobianDense(model);
  const { offsets, next, prob } = successorsOf(mdp);
  // B[s,:] = Σ_a π*(a|s) J_r[s,a,:]
  const B = new Float64Array(S * d);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const p = piStar[s * A + a];
    if (p === 0) continue;
    const o = (s * A + a) * d;
    for (let i = 0; i < d; i++) B[s * d + i] += p * Jr[o + i];
  }
  const dV = luSolveMany(f.factorization, B, d);
  const psi = new Float64Array(S * A * d);
  const inv = 1 / lambda;
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    const o = sa * d;
    // ∂_ν Q*[s,a] − ∂_ν V*[s] = J_r[s,a] + γ Σ_t P[s,a,t] ∂V*[t] − ∂V*[s]
    for (let i = 0; i < d; i++) psi[o + i] = Jr[o + i] - dV[s * d + i];
    for (let k = offsets[sa]; k < offsets[sa + 1]; k++) {
      const p = gamma * prob[k];
      const t = next[k];
      for (let i = 0; i < d; i++) psi[o + i] += p * dV[t * d + i];
    }
    for (let i = 0; i < d; i++) psi[o + i] *= inv;
  }
  return { psi, dVdNu: dV, d, report: closedReport('psi', manyColumnsReport(f, B, dV, d)) };
};

/**
 * The closed form for a tabular reward (d = S·A, J_r = I) with S solves instead of S·A: the
 * right-hand side of column (t,b) is π*(b|t)·e_t, so `∂_ν V*[:, (t,b)] = π*(b|t)·M⁻¹[:, t]` and
 * `ψ[(s,a),(t,b)] = (1[(s,a) = (t,b)] + π*(b|t)·(γ (P M⁻¹)[(s,a), t] − M⁻¹[s, t]))/λ`.
 * Cost O(S³ + nnz(P)·S + (S·A)²): the inverse, one sparse product, and writing ψ.
 */
const closedFormTabular = (mdp: Mdp, piStar: Readonly<Float64Array>, lambda: number, f: BellmanFactorization): NuScore => {
  const { S, A, gamma } = mdp;
  const n = S * A;
  const I = new Float64Array(S * S);
  for (let s = 0; s < S; s++) I[s * S + s] = 1;
  const Minv = luSolveMany(f.factorization, I, S);
  const { offsets, next, prob } = successorsOf(mdp);
  // γ P M⁻¹ − M⁻¹[s, ·] per (s,a): (S·A)×S
  const W = new Float64Array(n * S);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    const o = sa * S;
    for (let t = 0; t < S; t++) W[o + t] = -Minv[s * S + t];
    for (let k = offsets[sa]; k < offsets[sa + 1]; k++) {
      const p = gamma * prob[k];
      const u = next[k] * S;
      for (let t = 0; t < S; t++) W[o + t] += p * Minv[u + t];
    }
  }
  const inv = 1 / lambda;
  const psi = new Float64Array(n * n);
  for (let sa = 0; sa < n; sa++) {
    const o = sa * n;
    for (let t = 0; t < S; t++) {
      const w = W[sa * S + t];
      for (let b = 0; b < A; b++) psi[o + t * A + b] = piStar[t * A + b] * w * inv;
    }
    psi[o + sa] += inv;
  }
  const dV = new Float64Array(S * n);
  for (let u = 0; u < S; u++) for (let t = 0; t < S; t++) {
    const m = Minv[u * S + t];
    for (let b = 0; b < A; b++) dV[u * n + t * A + b] = piStar[t * A + b] * m;
  }
  return { psi, dVdNu: dV, d: n, report: closedReport('psi', manyColumnsReport(f, I, Minv, S)) };
};

/**
 * The report of a many-right-hand-side solve `M X = B` (X, B: S×d) as `luSolveReport` makes of a
 * single solve: the normwise backward error of the whole block,
 * `‖M X − B‖_max / (‖M‖∞‖X‖_max + ‖B‖_max)`, one condition estimate κ₁(M), error bound
 * 2κ·residual relative to ‖X‖_max. The block norm, not the worst column: ψ's error is stated
 * relative to ‖ψ‖∞, and a column of subnormal entries (π* ≈ 1e-310 on an action never taken)
 * has no relative accuracy of its own to lose.
 */
const manyColumnsReport = (f: BellmanFactorization, B: Readonly<Float64Array>, X: Readonly<Float64Array>, d: number): SolveReport => {
  const S = f.factorization.n;
  const M = f.bellman;
  let xMax = 0;
  let bMax = 0;
  for (let i = 0; i < S * d; i++) {
    xMax = Math.max(xMax, Math.abs(X[i]));
    bMax = Math.max(bMax, Math.abs(B[i]));
  }
  let res = 0;
  const row = new Float64Array(d);
  for (let s = 0; s < S; s++) {
    for (let i = 0; i < d; i++) row[i] = -B[s * d + i];
    for (let t = 0; t < S; t++) {
      const m = M[s * S + t];
      if (m === 0) continue;
      for (let i = 0; i < d; i++) row[i] += m * X[t * d + i];
    }
    // Math.max propagates NaN (a singular factorisation gives NaN solutions)
    for (let i = 0; i < d; i++) res = Math.max(res, Math.abs(row[i]));
  }
  const scale = matNormInf(M, S) * xMax + bMax;
  const worst = scale === 0 ? (res === 0 ? 0 : Infinity) : res / scale;
  const condition = f.factorization.singular ? Infinity : conditionEstimate1(M, f.factorization);
  const errorBound = 2 * condition * worst;
  const reliable = Number.isFinite(condition) && errorBound <= LU_RELIABLE_ERROR;
  return {
    quantity: 'psi',
    route: 'lu',
    converged: Number.isFinite(condition) && !Number.isNaN(worst),
    relativeResidual: worst,
    iterations: 1,
    errorBound,
    condition,
    reliable,
    ...(reliable ? {} : { warning: `error bound 2κ·residual = ${errorBound.toExponential(1)} > ${LU_RELIABLE_ERROR}` }),
  };
};

/** The LU report of a closed-form ν-score solve, relabelled with its route. */
const closedReport = (quantity: string, lu: SolveReport): SolveReport => ({ ...lu, quantity, route: 'closed' });

/** A vector-Jacobian product of the ν-score with its solve report. */
export interface NuScoreVjp {
  /** `Σ_{s,a} w[s,a] ψ[s,a]`, a `d`-vector. */
  readonly value: Float64Array;
  /** Report of the transposed solve (route `closed` or `implicit`/`dense`). */
  readonly report: SolveReport;
}

/**
 * `Σ_{s,a} w[s,a] ψ[s,a]` without materialising ψ (MATH.md §6): with
 * `c(t) = γ Σ_{s,a} w[s,a] P[s,a,t] − Σ_a w[t,a]` and `(I − γP_{π*})ᵀ y = c`,
 * the product is `J_rᵀ (w + π*∘y) / λ`. Cost O(S³ + S²A + S·A·d).
 */
export const nuScoreVjpClosedForm = (
  mdp: Mdp,
  model: RewardModel,
  piStar: Readonly<Float64Array>,
  lambda: number,
  w: Readonly<Float64Array>,
): E.Either<ParlError, NuScoreVjp> => {
  if (!(lambda > 0) || !Number.isFinite(lambda)) return E.left(lambdaZeroError(lambda));
  return E.right(nuScoreVjpClosedFormWith(mdp, model, piStar, lambda, bellmanFactorization(mdp, piStar), w));
};

/** The closed-form ν-score VJP (MATH.md §6) with a given factorisation of `I − γP_{π*}`; λ > 0 is the caller's. */
export const nuScoreVjpClosedFormWith = (
  mdp: Mdp,
  model: RewardModel,
  piStar: Readonly<Float64Array>,
  lambda: number,
  f: BellmanFactorization,
  w: Readonly<Float64Array>,
): NuScoreVjp => {
  const { S, A, gamma, P } = mdp;
  const c = new Float64Array(S);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    const ws = w[sa];
    if (ws === 0) continue;
    c[s] -= ws;
    const o = sa * S;
    for (let t = 0; t < S; t++) c[t] += gamma * ws * P[o + t];
  }
  const y = luSolveTransposed(f.factorization, c);
  const weights = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    weights[sa] = (w[sa] + piStar[sa] * y[s]) / lambda;
  }
  return {
    value: rewardJacobianTransposeApply(model, weights),
    report: closedReport('psi·w', luSolveReport('psi·w', reportSolve(f.bellman, f.factorization, c, y, true))),
  };
};
