/**
 * Exact policy evaluation with entropy weight λ ≥ 0 (MATH.md §3): the value and visitation solves
 * of `I − γ P_π` by the route `solveBellman` picks (one dense LU, or GMRES on the sparse matrix
 * for large S), then Q, Adv, d and J.
 */
import type { Mdp } from '../mdp/types.js';
import type { LuFactorization } from '../linalg/index.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { softmaxLogProbs, softmaxProbs } from '../policy/softmax.js';
import { solveBellman } from './bellmanSolve.js';
import { actionValues, advantage, policyReward } from './policyMatrices.js';

/** How trustworthy the two linear solves were (the caller decides what a warning means). */
export interface EvaluationDiagnostics {
  /** Report of `(I − γP_π) V = r_π`. */
  readonly value: SolveReport;
  /** Report of `(I − γP_π)ᵀ x = ρ` (d = (1−γ) x). */
  readonly visitation: SolveReport;
}

/** Everything MATH.md §3 defines for one softmax policy `π_θ`, reward `r` and weight `λ`. */
export interface PolicyEvaluation {
  readonly pi: Float64Array;
  readonly logPi: Float64Array;
  /** `V = (I − γ P_π)^{-1} r_π` */
  readonly V: Float64Array;
  /** `Q = r + γ P V` */
  readonly Q: Float64Array;
  /** `Adv = Q − λ log π − V` */
  readonly adv: Float64Array;
  /** `d_ρ^π = (1−γ) ρᵀ (I − γ P_π)^{-1}` */
  readonly d: Float64Array;
  /** `J = ρᵀ V` */
  readonly J: number;
  /** How V and d were solved: one dense LU, or GMRES on the sparse `I − γP_π` (bellmanSolve.ts). */
  readonly solveRoute: 'lu' | 'gmres';
  /** Quality of the two solves (computed on first access, then kept). */
  readonly diagnostics: EvaluationDiagnostics;
  /** `M = I − γP_π` (S×S, row-major) and its LU factorisation, reused by Hessian-vector products and VJPs (formed on first access on the GMRES route). */
  readonly bellman: Readonly<Float64Array>;
  readonly factorization: LuFactorization;
}

/** `J(θ) = ρᵀ V` (MATH.md §3). */
export const objective = (rho: Readonly<Float64Array>, V: Readonly<Float64Array>): number => {
  let J = 0;
  for (let s = 0; s < V.length; s++) J += rho[s] * V[s];
  return J;
};

/** Is `b` the same policy table as `a`, entry for entry? */
const samePolicyTable = (a: Readonly<Float64Array>, b: Readonly<Float64Array>): boolean => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * Evaluate a given policy table (π and log π) exactly: V, Q, Adv, d, J (MATH.md §3). `samePolicy`:
 * an evaluation of another reward (or weight) under a policy table; when it equals π entry for
 * entry, its LU of `I − γP_π` is reused (the same matrix, so the same factors and the same bits).
 */
export const evaluatePolicyTable = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  pi: Float64Array,
  logPi: Float64Array,
  lambda: number,
  samePolicy?: PolicyEvaluation,
): PolicyEvaluation => {
  const { S, A, gamma, rho } = mdp;
  const rPi = policyReward(mdp, r, pi, logPi, lambda);
  const reuse = samePolicy !== undefined && samePolicy.solveRoute === 'lu' && samePolicyTable(samePolicy.pi, pi)
    ? { route: 'lu' as const, bellman: samePolicy.bellman, factorization: samePolicy.factorization }
    : undefined;
  const solved = solveBellman(mdp, pi, rPi, reuse);
  const V = solved.V;
  const d = new Float64Array(S);
  for (let s = 0; s < S; s++) d[s] = (1 - gamma) * solved.x[s];
  const Q = actionValues(mdp, r, V);
  return {
    pi,
    logPi,
    V,
    Q,
    adv: advantage(S, A, Q, V, logPi, lambda),
    d,
    J: objective(rho, V),
    solveRoute: solved.route,
    // the reports (residuals and condition estimates) and, on the GMRES route, the dense matrix
    // and its factorisation are formed on first access: callers that do not use them do not pay
    get diagnostics(): EvaluationDiagnostics {
      return solved.reports;
    },
    get bellman(): Readonly<Float64Array> {
      return solved.bellman;
    },
    get factorization(): LuFactorization {
      return solved.factorization;
    },
  };
};

/** Evaluate the softmax policy π_θ exactly: V, Q, Adv, d, J with entropy weight λ (MATH.md §3). */
export const evaluatePolicy = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): PolicyEvaluation =>
  evaluatePolicyTable(mdp, r, softmaxProbs(theta, mdp.S, mdp.A), softmaxLogProbs(theta, mdp.S, mdp.A), lambda);
