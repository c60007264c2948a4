import type { LowerPoint } from '../lowerLevel/lowerSolution.js';
import type { SolveReport } from '../numerics/solveReport.js';
import type { NuScoreVjp } from '../nuScore/closedForm.js';
import type { NuScoreRoute } from '../nuScore/routes.js';

/**
 * Shared types of the upper level (MATH.md §7): segments, simulated teachers, and the policy
 * point at which G and its PARL gradient are evaluated.
 */

/** A length-H segment `(s_0, a_0, …, s_{H−1}, a_{H−1})`, `s_0 ∼ ρ`, actions from the policy. */
export interface Segment {
  readonly states: Int32Array;
  readonly actions: Int32Array;
}

/**
 * A simulated teacher for preference queries over segment pairs (τ¹, τ²). Orientation is fixed
 * throughout parl-ts: the label `y` is the probability that the FIRST segment is preferred
 * (`pFirstPreferred`). Variants follow BPref's scripted teachers (Lee et al. 2021).
 */
export interface Teacher {
  /** Rationality β of the Bradley–Terry model `σ(β(R¹ − R²))`; `Infinity` = deterministic, ties ½. */
  readonly beta: number;
  /** Probability ε that the label is flipped after it is drawn (BPref's `eps_mistake`); default 0. */
  readonly mistake: number;
  /** Myopic discount γ_t ∈ (0, 1]: step h of a length-H segment counts γ_t^{H−1−h} (BPref's `teacher_gamma`); default 1. */
  readonly myopicGamma: number;
  /** Skip the query (no label, no utility) when both segments' true returns are below this (BPref's `eps_skip` rule); default −∞. */
  readonly skipThreshold: number;
  /** Label ½ ("equally preferable") when `|R¹ − R²|` is below this (BPref's `eps_equal` rule); default 0 (never). */
  readonly equalThreshold: number;
}

/** The plain Bradley–Terry teacher of MATH.md §7 (no noise, no myopia, no skip/equal). */
export const bradleyTerryTeacher = (beta: number): Teacher => ({
  beta,
  mistake: 0,
  myopicGamma: 1,
  skipThreshold: -Infinity,
  equalThreshold: 0,
});

/** The ν-score as a vector-Jacobian product with its report: `w[s,a] ↦ Σ_{s,a} w[s,a] ψ[s,a]` (a d-vector, MATH.md §6). */
export type NuScoreVjpFn = (w: Readonly<Float64Array>) => NuScoreVjp;

/**
 * Where the upper level is evaluated: the lower level at a policy point (θ*(ν) in exact/oracle use,
 * θ^K in A-PARL's exact mode), π there, its ν-score as a VJP (never throws: every route exists at
 * the point it was built for), which route the VJP takes, and the reports of the solves that
 * produced the point (the soft optimum's at θ*; none at θ^K).
 */
export interface PolicyPoint {
  readonly lower: LowerPoint;
  /** `π(a|s)`, S×A. */
  readonly pi: Float64Array;
  readonly nuScoreVjp: NuScoreVjpFn;
  readonly route: NuScoreRoute;
  readonly reports: ReadonlyArray<SolveReport>;
}

/**
 * The parts of an upper objective at a policy π that need no ν-score (MATH.md §7): the value G,
 * the myopic gradient `∂_ν G` at fixed π, and the score weights w with which the ν-score term is
 * `Σ_{s,a} w[s,a] ψ[s,a]` and the gradient in θ is `∇_θ G[s,b] = w[s,b] − π(b|s) Σ_a w[s,a]`.
 */
export interface UpperParts {
  readonly G: number;
  readonly gradGMyopic: Float64Array;
  /** S×A. */
  readonly scoreWeights: Float64Array;
}
