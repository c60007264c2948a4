/**
 * The additive utility `U_ν(τ) = Σ_h γ^h u_ν[s_h,a_h]` (MATH.md §7: true-reward design, safety
 * costs), its upper objective `G(ν) = ρᵀ V^{π*}[u_ν]` and the exact PARL gradient by the
 * occupancy formula, with the ν-score applied as ONE vector-Jacobian product (no materialised ψ):
 *
 *   ∇_ν G = Σ_{s,a} d(s) π(a|s) ( ∇_ν u_ν[s,a] + Adv_u[s,a] ψ[s,a] ) / (1−γ),  Adv_u = Q_u − V_u.
 */
import type { Mdp } from '../mdp/types.js';
import { rewardDimension, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { evaluatePolicyTable, type EvaluationDiagnostics } from '../value/policyEvaluation.js';
import type { PolicyPoint, UpperParts } from './types.js';
import type { LowerPoint } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';

/**
 * An additive utility table `u[s*A + a]` (MATH.md §7): either fixed (its ν-gradient is 0), or a
 * function of ν with the transposed Jacobian product `w ↦ Σ_{s,a} w[s,a] ∂u_ν[s,a]/∂ν` (a
 * d-vector). `jacobianTransposeApply` also receives ν, so a nonlinear `u_ν` can use it; a
 * function of `w` alone (a linear `u_ν`, e.g. `r_ν`) is accepted as well.
 */
export type AdditiveUtility =
  | { readonly kind: 'additive'; readonly u: Readonly<Float64Array> }
  | {
      readonly kind: 'additive-nu';
      readonly u: (nu: Readonly<Float64Array>) => Float64Array;
      readonly jacobianTransposeApply: (w: Readonly<Float64Array>, nu: Readonly<Float64Array>) => Float64Array;
    };

/** The utility `u_ν = r_ν` of a reward model (MATH.md §5, §7), with `J_rᵀ` as its Jacobian product. */
export const rewardAsUtility = (model: RewardModel): AdditiveUtility => ({
  kind: 'additive-nu',
  u: (nu) => rewardOf(model, nu),
  jacobianTransposeApply: (w) => rewardJacobianTransposeApply(model, w),
});

/** The table `u_ν[s*A + a]` of an additive utility at ν (MATH.md §7). */
export const utilityTable = (utility: AdditiveUtility, nu: Readonly<Float64Array>): Float64Array =>
  utility.kind === 'additive' ? Float64Array.from(utility.u) : utility.u(nu);

/** `Σ_{s,a} w[s,a] ∇_ν u_ν[s,a]` as a d-vector (MATH.md §7); zeros of length `d` for a fixed table. */
export const utilityGradientApply = (
  utility: AdditiveUtility,
  nu: Readonly<Float64Array>,
  w: Readonly<Float64Array>,
  d: number,
): Float64Array => {
  if (utility.kind === 'additive') return new Float64Array(d);
  const g = utility.jacobianTransposeApply(w, nu);
  if (g.length !== d) throw new RangeError(`jacobianTransposeApply returned length ${g.length}, expected d = ${d}`);
  return g;
};

/** `U = Σ_{h<T} γ^h u_ν[s_h,a_h]` and `∇_ν U` of one trajectory (MATH.md §7). */
export const additiveUtilityOfTrajectory = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  utility: AdditiveUtility,
  traj: { readonly states: Int32Array; readonly actions: Int32Array },
): { readonly U: number; readonly gradU: Float64Array } => {
  const { A, gamma } = mdp;
  const u = utilityTable(utility, nu);
  const w = new Float64Array(mdp.S * A);
  let U = 0;
  let disc = 1;
  for (let h = 0; h < traj.states.length; h++) {
    const sa = traj.states[h] * A + traj.actions[h];
    U += disc * u[sa];
    w[sa] += disc;
    disc *= gamma;
  }
  return { U, gradU: utilityGradientApply(utility, nu, w, rewardDimension(model)) };
};

/** The exact upper objective and its gradients at a policy point (MATH.md §7). */
export interface AdditiveObjective {
  /** `G = ρᵀ V^π[u_ν]` (plain values, λ = 0, of u_ν under π). */
  readonly G: number;
  /** `∇_ν G`: the ∇u term plus the ν-score term. */
  readonly gradG: Float64Array;
  /** The myopic gradient `Σ d π ∇_ν u_ν / (1−γ)` (zero for a fixed table). */
  readonly gradGMyopic: Float64Array;
  /** The ν-score term `Σ d π Adv_u ψ / (1−γ)` = `gradG − gradGMyopic`. */
  readonly gradGScoreTerm: Float64Array;
  /** Reports of the evaluation solves of u under π. */
  readonly diagnostics: EvaluationDiagnostics;
  /** Reports of the solves behind the value: the point's (θ*) and the ν-score VJP's. */
  readonly reports: ReadonlyArray<SolveReport>;
}

/**
 * The parts of the additive objective at π that need no ν-score (MATH.md §7): `G = ρᵀ V^π[u_ν]`,
 * the myopic gradient `Σ d π ∇_ν u_ν/(1−γ)`, and the score weights `w = d∘π∘Adv_u/(1−γ)`, so that
 * `∇_θ G = w` (the policy gradient of u, MATH.md §4) and the ν-score term is `Σ w ψ`.
 */
export const additiveParts = (lower: LowerPoint, pi: Readonly<Float64Array>, utility: AdditiveUtility): UpperParts & { readonly diagnostics: EvaluationDiagnostics } => {
  const { mdp, model, nu } = lower;
  const { S, A, gamma } = mdp;
  const d = rewardDimension(model);
  const u = utilityTable(utility, nu);
  if (u.length !== S * A) throw new RangeError(`utility table has length ${u.length}, expected S·A = ${S * A}`);
  // λ = 0: log π is never read for its value, and zeros avoid 0·(−∞) = NaN where π underflows
  // the same π as the lower point's evaluation (A-PARL's θ^K): its factorisation serves u too
  const ev = evaluatePolicyTable(mdp, u, Float64Array.from(pi), new Float64Array(S * A), 0, lower.evaluation);
  const wMyopic = new Float64Array(S * A);
  const wScore = new Float64Array(S * A);
  const c = 1 / (1 - gamma);
  for (let s = 0; s < S; s++) {
    const ds = ev.d[s] * c;
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      wMyopic[i] = ds * pi[i];
      wScore[i] = wMyopic[i] * ev.adv[i];
    }
  }
  return { G: ev.J, gradGMyopic: utilityGradientApply(utility, nu, wMyopic, d), scoreWeights: wScore, diagnostics: ev.diagnostics };
};

/**
 * `G = ρᵀ V^π[u_ν]` and `∇_ν G = Σ d π (∇_ν u + Adv_u ψ)/(1−γ)` exactly (MATH.md §7), the ψ term by
 * one `point.nuScoreVjp(d∘π∘Adv_u/(1−γ))`, the ∇u term by one `jacobianTransposeApply(d∘π/(1−γ))`.
 */
export const additiveObjectiveExact = (point: PolicyPoint, utility: AdditiveUtility): AdditiveObjective => {
  const parts = additiveParts(point.lower, point.pi, utility);
  const score = point.nuScoreVjp(parts.scoreWeights);
  const gradGScoreTerm = score.value;
  const gradG = parts.gradGMyopic.map((x, i) => x + gradGScoreTerm[i]);
  return { G: parts.G, gradG, gradGMyopic: parts.gradGMyopic, gradGScoreTerm, diagnostics: parts.diagnostics, reports: [...point.reports, score.report] };
};
