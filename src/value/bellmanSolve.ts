/**
 * The two linear systems of exact policy evaluation (MATH.md §3), `(I − γP_π) V = r_π` and
 * `(I − γP_π)ᵀ x = ρ` (d = (1−γ) x), by one of two routes chosen from the sizes alone:
 *
 * - `lu`: one dense LU factorisation of `I − γP_π` shared by both solves (the reference route,
 *   every S);
 * - `gmres`: restarted GMRES on the sparse `I − γP_π` (sparseBellman.ts) when S ≥
 *   `SPARSE_EVALUATION_MIN_S` and GMRES's product budget (the LU's flop count) allows at least
 *   two full cycles. Its stopping rule is a backward error of `GMRES_BACKWARD_ERROR`; P_π is
 *   row-stochastic, so `‖(I − γP_π)^{-1}‖_∞ = ‖(I − γP_π)^{-ᵀ}‖_1 ≤ 1/(1 − γ)` and the true
 *   residual bounds the error of each solution. A run that misses its budget falls back to the LU,
 *   so the result is always one of the two, deterministically.
 *
 * The dense matrix and its factorisation (Hessian-vector products, ψ, VJPs reuse them) are formed
 * on first use on the GMRES route.
 */
import { luFactor, luSolve, luSolveReport, luSolveTransposed, reportSolve, type LuFactorization } from '../linalg/index.js';
import { gmres, type GmresSolve } from '../linalg/gmres.js';
import type { Mdp } from '../mdp/types.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { bellmanMatrixOfPolicy } from './policyMatrices.js';
import { sparseBellmanOfPolicy, sparseMatVec, sparseTranspose, type SparseBellman } from './sparseBellman.js';

/**
 * Smallest S for the GMRES route. Measured on Garnets (A = 8, branching 5, γ = 0.9, θ ~ 3·N(0,1),
 * bench/workloads.ts): the LU evaluation takes 0.6 ms at S = 100 and 10 ms at S = 400, GMRES ~40
 * products and 4–5 ms at S = 400; below a few hundred states the LU wins or ties.
 */
export const SPARSE_EVALUATION_MIN_S = 256;

/** Krylov dimension of one GMRES cycle. */
export const GMRES_RESTART = 30;

/**
 * Backward error `‖b − M x̂‖ / (‖M‖‖x̂‖ + ‖b‖)` at which GMRES stops (in ∞-norm for V, 1-norm for
 * the visitation): 32ε, a few units of the rounding in one sparse row product.
 */
export const GMRES_BACKWARD_ERROR = 32 * Number.EPSILON;

/** Below 2^-1022 rounding is absolute: the stop rules allow 64 subnormal units besides the backward error. */
const SUBNORMAL_FLOOR = 64 * Number.MIN_VALUE;

/** Both Bellman solves of one policy, with the route that produced them and their reports. */
export interface BellmanSolution {
  readonly route: 'lu' | 'gmres';
  /** `V = (I − γP_π)^{-1} r_π` */
  readonly V: Float64Array;
  /** `x = (I − γP_π)^{-ᵀ} ρ` */
  readonly x: Float64Array;
  /** `M = I − γP_π`, dense row-major (formed on first access on the GMRES route). */
  readonly bellman: Readonly<Float64Array>;
  /** The LU factorisation of M (formed on first access on the GMRES route). */
  readonly factorization: LuFactorization;
  /** Reports of the value and visitation solves (computed on first access, then kept). */
  readonly reports: { readonly value: SolveReport; readonly visitation: SolveReport };
}

const normInf = (v: Readonly<Float64Array>): number => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
};
const norm1 = (v: Readonly<Float64Array>): number => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += Math.abs(v[i]);
  return m;
};

/** Largest number of entries in a row of a sparse matrix (the rounding of one computed residual entry). */
const maxRowLength = (M: SparseBellman): number => {
  let q = 0;
  for (let s = 0; s < M.n; s++) q = Math.max(q, M.offsets[s + 1] - M.offsets[s]);
  return q;
};

/**
 * The report of a GMRES Bellman solve: relative error bound
 * `(‖r̂‖ + (q+1)ε(‖M‖‖x̂‖ + ‖b‖)) / ((1 − γ)‖x̂‖)` — the computed residual, plus what rounding in
 * computing it can hide, through `‖M^{-1}‖ ≤ 1/(1−γ)` in the solve's norm.
 */
const gmresReport = (
  quantity: string,
  solve: GmresSolve,
  b: Readonly<Float64Array>,
  normM: number,
  norm: (v: Readonly<Float64Array>) => number,
  gamma: number,
  q: number,
): SolveReport => {
  const nr = norm(solve.residual);
  const nx = norm(solve.x);
  const scale = normM * nx + norm(b);
  const relativeResidual = scale === 0 ? 0 : nr / scale;
  const errorBound = nx === 0 ? (nr === 0 ? 0 : Infinity) : (nr + (q + 1) * Number.EPSILON * scale) / ((1 - gamma) * nx);
  const reliable = solve.converged && errorBound <= 1e-8;
  return {
    quantity,
    route: 'gmres',
    converged: solve.converged,
    relativeResidual,
    iterations: solve.products,
    errorBound,
    condition: (1 + gamma) / (1 - gamma),
    reliable,
    ...(reliable ? {} : { warning: `GMRES ${solve.converged ? 'error bound ' + errorBound.toExponential(1) + ' > 1e-8' : 'did not converge'}` }),
  };
};

/** Both solves by one dense LU (the reference route), or by a given factorisation of the same M. */
const luRoute = (
  mdp: Mdp,
  pi: Readonly<Float64Array>,
  rPi: Readonly<Float64Array>,
  M: Readonly<Float64Array> = bellmanMatrixOfPolicy(mdp, pi),
  lu: LuFactorization = luFactor(M, mdp.S),
): BellmanSolution => {
  const V = luSolve(lu, rPi);
  const x = luSolveTransposed(lu, mdp.rho);
  let reports: BellmanSolution['reports'] | undefined;
  return {
    route: 'lu',
    V,
    x,
    bellman: M,
    factorization: lu,
    get reports() {
      return (reports ??= {
        value: luSolveReport('V', reportSolve(M, lu, rPi, V, false)),
        visitation: luSolveReport('d', reportSolve(M, lu, mdp.rho, x, true)),
      });
    },
  };
};

/** The product budget that keeps GMRES within the LU's flop count (2/3·S³). */
const gmresBudget = (S: number, nnz: number): number => Math.floor(((2 / 3) * S * S * S) / (2 * nnz + 4 * GMRES_RESTART * S));

/**
 * Solve both Bellman systems of policy π with reward r_π by the route the sizes pick (MATH.md §3).
 * `samePolicy`: an earlier solution for the same table π (another reward); when it was the LU's,
 * its factorisation is reused, which gives bit for bit what a fresh LU would (same matrix, same
 * factors) without the O(S³) work.
 */
export const solveBellman = (
  mdp: Mdp,
  pi: Readonly<Float64Array>,
  rPi: Readonly<Float64Array>,
  samePolicy?: Pick<BellmanSolution, 'route' | 'bellman' | 'factorization'>,
): BellmanSolution => {
  const { S, gamma, rho } = mdp;
  if (samePolicy?.route === 'lu') return luRoute(mdp, pi, rPi, samePolicy.bellman, samePolicy.factorization);
  if (S < SPARSE_EVALUATION_MIN_S) return luRoute(mdp, pi, rPi);
  const sp = sparseBellmanOfPolicy(mdp, pi);
  const budget = gmresBudget(S, sp.cols.length);
  if (budget < 2 * GMRES_RESTART) return luRoute(mdp, pi, rPi);
  const tol = GMRES_BACKWARD_ERROR;
  const bInf = normInf(rPi);
  const tauV = (x: Readonly<Float64Array>): number => tol * (sp.normInf * normInf(x) + bInf) + SUBNORMAL_FLOOR;
  const value = gmres((v, o) => sparseMatVec(sp, v, o), rPi, {
    restart: GMRES_RESTART,
    maxProducts: budget,
    innerTarget: tauV,
    stop: (r, x) => normInf(r) <= tauV(x),
  });
  const b1 = norm1(rho);
  // ‖r‖₂ ≤ τ/√S implies ‖r‖₁ ≤ τ
  const tauD = (x: Readonly<Float64Array>): number => tol * (sp.norm1 * norm1(x) + b1) + SUBNORMAL_FLOOR;
  const spT = value.converged ? sparseTranspose(sp) : sp;
  const visitation = value.converged
    ? gmres((v, o) => sparseMatVec(spT, v, o), rho, {
        restart: GMRES_RESTART,
        maxProducts: budget - value.products,
        innerTarget: (x) => tauD(x) / Math.sqrt(S),
        stop: (r, x) => norm1(r) <= tauD(x),
      })
    : undefined;
  if (visitation === undefined || !visitation.converged) return luRoute(mdp, pi, rPi);
  let dense: { M: Float64Array; lu: LuFactorization } | undefined;
  const denseOf = () => {
    if (dense === undefined) {
      const M = bellmanMatrixOfPolicy(mdp, pi);
      dense = { M, lu: luFactor(M, S) };
    }
    return dense;
  };
  let reports: BellmanSolution['reports'] | undefined;
  return {
    route: 'gmres',
    V: value.x,
    x: visitation.x,
    get bellman() {
      return denseOf().M;
    },
    get factorization() {
      return denseOf().lu;
    },
    get reports() {
      // each residual entry sums one row of the matrix it was computed with: M for V, Mᵀ for d
      return (reports ??= {
        value: gmresReport('V', value, rPi, sp.normInf, normInf, gamma, maxRowLength(sp)),
        visitation: gmresReport('d', visitation, rho, sp.norm1, norm1, gamma, maxRowLength(spT)),
      });
    },
  };
};
