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
import { luFactor, luSolveMany, luSolveTransposed, reportSolve, type LuSolve } from '../linalg/index.js';
import { rewardDimension, rewardJacobianDense, rewardJacobianTransposeApply, type RewardModel } from '../reward/rewardModel.js';
import { bellmanMatrix, policyTransition } from '../value/policyMatrices.js';

/** Why a ν-score cannot be computed. */
export interface NuScoreError {
  readonly field: 'lambda';
  readonly message: string;
}

/** The error for λ ≤ 0: θ*(ν) is not a finite, differentiable function of ν there (MATH.md §5). */
export const lambdaZeroError = (lambda: number): NuScoreError => ({
  field: 'lambda',
  message: lambda === 0
    ? 'the ν-score does not exist at λ = 0: the optimal policy is deterministic, no finite θ* exists and ν ↦ π* is piecewise constant; use λ > 0 or the K-step approximation θ^K with the implicit route'
    : `λ must be a finite number > 0 for the ν-score, got ${lambda}`,
});

/** The closed-form ν-score with the value sensitivity it is built from. */
export interface NuScore {
  /** `ψ`, `(S·A)×d` row-major, index `(s*A + a)*d + i`. */
  readonly psi: Float64Array;
  /** `∂_ν V*`, `S×d` row-major. */
  readonly dVdNu: Float64Array;
  readonly d: number;
}

/** `ψ = (∂_ν Q* − ∂_ν V*)/λ`, materialised: cost O(S³ + S²·d + S²·A·d) (MATH.md §6). */
export const nuScoreClosedForm = (
  mdp: Mdp,
  model: RewardModel,
  piStar: Readonly<Float64Array>,
  lambda: number,
): E.Either<NuScoreError, NuScore> => {
  if (!(lambda > 0) || !Number.isFinite(lambda)) return E.left(lambdaZeroError(lambda));
  const { S, A, gamma, P } = mdp;
  const d = rewardDimension(model);
  const Jr = rewardJacobianDense(model);
  // B[s,:] = Σ_a π*(a|s) J_r[s,a,:]
  const B = new Float64Array(S * d);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const p = piStar[s * A + a];
    if (p === 0) continue;
    const o = (s * A + a) * d;
    for (let i = 0; i < d; i++) B[s * d + i] += p * Jr[o + i];
  }
  const lu = luFactor(bellmanMatrix(mdp, policyTransition(mdp, piStar)), S);
  const dV = luSolveMany(lu, B, d);
  const psi = new Float64Array(S * A * d);
  const inv = 1 / lambda;
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    const o = sa * d;
    // ∂_ν Q*[s,a] − ∂_ν V*[s] = J_r[s,a] + γ Σ_t P[s,a,t] ∂V*[t] − ∂V*[s]
    for (let i = 0; i < d; i++) psi[o + i] = Jr[o + i] - dV[s * d + i];
    for (let t = 0; t < S; t++) {
      const p = gamma * P[sa * S + t];
      if (p === 0) continue;
      for (let i = 0; i < d; i++) psi[o + i] += p * dV[t * d + i];
    }
    for (let i = 0; i < d; i++) psi[o + i] *= inv;
  }
  return E.right({ psi, dVdNu: dV, d });
}

/** A vector-Jacobian product of the ν-score with its solve report. */
export interface NuScoreVjp {
  /** `Σ_{s,a} w[s,a] ψ[s,a]`, a `d`-vector. */
  readonly value: Float64Array;
  readonly solve: LuSolve;
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
): E.Either<NuScoreError, NuScoreVjp> => {
  if (!(lambda > 0) || !Number.isFinite(lambda)) return E.left(lambdaZeroError(lambda));
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
  const M = bellmanMatrix(mdp, policyTransition(mdp, piStar));
  const lu = luFactor(M, S);
  const y = luSolveTransposed(lu, c);
  const weights = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const sa = s * A + a;
    weights[sa] = (w[sa] + piStar[sa] * y[s]) / lambda;
  }
  return E.right({ value: rewardJacobianTransposeApply(model, weights), solve: reportSolve(M, lu, c, y, true) });
};
