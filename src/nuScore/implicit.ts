/**
 * The ν-score by the implicit function theorem at any θ (MATH.md §6; the paper's route):
 *
 *   ∇_ν θ* = −H^† M,   H = ∇²_θθ J,  M = ∇²_θν J,
 *   ψ[s,a] = (∇_ν θ*)ᵀ ∇_θ log π_θ(a|s) = ∇_ν θ*[s,a] − Σ_b π(b|s) ∇_ν θ*[s,b].
 *
 * H is singular along the gauge (one direction per state) and on every state the policy never
 * visits (d(s) = 0); the Moore–Penrose pseudo-inverse returns the gauge-free derivative, and
 * ψ is unchanged by per-state constants. At θ = θ*(ν) the route agrees with the closed form;
 * at θ^K (K policy-gradient steps) it is the approximation A-PARL uses. Two solvers:
 * dense (symmetric eigendecomposition, small problems) and iterative (MINRES on exact
 * Hessian-vector products, never forming H). Each reports its residual and a condition estimate.
 */
import type { Mdp } from '../mdp/types.js';
import { scoreTransposeApply } from '../policy/softmax.js';
import { hessianStructuredFromContext } from '../hessian/structuredHessian.js';
import { gaugeFixedSolve } from './gaugeFixedSolve.js';
import { policyGradient, policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { hessianContext, hessianFromContext, hessianVectorProductWith, type HessianContext } from '../hessian/index.js';
import type { SolveReport } from '../numerics/solveReport.js';
import type { NuScoreVjp } from './closedForm.js';
import { mixedHessianFromContext, mixedHessianTransposeVectorProductWith, mixedHessianVectorProductWith } from '../hessian/index.js';
import { minres, type MinresOptions } from '../linalg/minres.js';
import { matVec } from '../linalg/index.js';
import { pseudoInverseSolve } from '../linalg/symmetricEigen.js';
import { rewardDimension, rewardOf, type RewardModel } from '../reward/rewardModel.js';

/** Condition number above which the implicit solve is reported as ill-conditioned. */
export const IMPLICIT_CONDITION_WARNING = 1e10;

/** Relative error bound of an implicit-route ψ (or ψ·w) above which it is not vouched for. */
export const IMPLICIT_RELIABLE_ERROR = 1e-8;

/**
 * Relative disagreement between the Hessian-vector product a solve used and the central difference
 * of the exact policy gradient along the solution above which the Hessian is reported wrong. The
 * difference with h = ε^{1/3}·max(1, ‖θ‖∞) is accurate to ~ε^{2/3} ≈ 4e-11 of the gradient's
 * scale; 1e-6 leaves four orders of magnitude for third derivatives and rounding.
 */
export const HESSIAN_CHECK_TOLERANCE = 1e-6;

/** Options of the implicit routes: MINRES's, plus a replacement Hessian (to test that a wrong one is caught). */
export interface ImplicitOptions extends MinresOptions {
  /** Replace `v ↦ H v` (iterative route) — testing only: the finite-difference check must flag a wrong one. */
  readonly hessianVectorProduct?: (v: Readonly<Float64Array>) => Float64Array;
  /** Replace the dense H, S·A × S·A row-major (dense route, and the direct solver) — testing only, as above. */
  readonly hessian?: Readonly<Float64Array>;
  /**
   * The linear solver of the implicit VJP: `minres` (default; matrix-free, O(S²A) per iteration) or
   * `direct` (the closed-form dense H, hessianStructuredFromContext, and one LU of it on a gauge
   * complement, gaugeFixedSolve.ts: O(S³ + (S(A−1))³), no iteration count to depend on). A direct
   * solve whose reduced matrix is singular (a non-structural null space) falls back to MINRES.
   */
  readonly solver?: 'minres' | 'direct';
}

/** The implicit-route ν-score with the quality of its solve. */
export interface ImplicitNuScore {
  /** `ψ`, `(S·A)×d` row-major. */
  readonly psi: Float64Array;
  /** Gauge-free `∇_ν θ* = −H^† M`, `(S·A)×d` row-major (each state's rows have mean ~0). */
  readonly gradThetaStar: Float64Array;
  /** Condition number of H on the subspace that was inverted. */
  readonly conditionEstimate: number;
  /** Largest relative residual of the solves. */
  readonly relativeResidual: number;
  /** Directions treated as null (dense) — expected: one per visited state (gauge) + A per unvisited state. */
  readonly nullDimension: number;
  /** The structural null dimension: (S − u) + A·u with u = #{s : d(s) ≤ S·ε}. */
  readonly expectedNullDimension: number;
  readonly solver: 'dense-eigen' | 'minres';
  /** Set when the solve is ill-conditioned, did not converge, or the null space is not the structural one. */
  readonly warning?: string;
  /** The solve's report (route `implicit` or `dense`, quantity `psi`). */
  readonly report: SolveReport;
  /** The report of `Σ w ψ` for a given w: unvisited states matter only where w has weight. */
  readonly vjpReport: (w: Readonly<Float64Array>) => SolveReport;
}

/** States the policy (numerically) never visits: d(s) ≤ S·ε. */
const unvisitedStates = (ctx: HessianContext): number => {
  let k = 0;
  for (let s = 0; s < ctx.mdp.S; s++) if (ctx.ev.d[s] <= ctx.mdp.S * 2 ** -52) k++;
  return k;
};

/** Unvisited states (d(s) ≤ S·ε) on which `w` has nonzero weight: a VJP there is not determined by the implicit route. */
const unvisitedWeighted = (ctx: HessianContext, w: Readonly<Float64Array>): number => {
  const { S, A } = ctx.mdp;
  let k = 0;
  for (let s = 0; s < S; s++) {
    if (ctx.ev.d[s] > S * 2 ** -52) continue;
    for (let a = 0; a < A; a++) {
      if (w[s * A + a] !== 0) {
        k++;
        break;
      }
    }
  }
  return k;
};

/** Null dimension of H from structure: one gauge direction per visited state, a whole block per unvisited one. */
export const structuralNullDimension = (S: number, A: number, unvisited: number): number => S - unvisited + A * unvisited;

/** `ψ[s,a,:] = X[s,a,:] − Σ_b π(b|s) X[s,b,:]` — apply the score to `X = ∇_ν θ*` (MATH.md §6). */
export const scoreContract = (mdp: Mdp, pi: Readonly<Float64Array>, X: Readonly<Float64Array>, d: number): Float64Array => {
  const { S, A } = mdp;
  const psi = new Float64Array(S * A * d);
  const mean = new Float64Array(d);
  for (let s = 0; s < S; s++) {
    mean.fill(0);
    for (let b = 0; b < A; b++) {
      const p = pi[s * A + b];
      const o = (s * A + b) * d;
      for (let i = 0; i < d; i++) mean[i] += p * X[o + i];
    }
    for (let a = 0; a < A; a++) {
      const o = (s * A + a) * d;
      for (let i = 0; i < d; i++) psi[o + i] = X[o + i] - mean[i];
    }
  }
  return psi;
};

const warningFor = (cond: number, residual: number, nullDim: number, expected: number, converged: boolean, hessianError: number): string | undefined => {
  const w: string[] = [];
  if (!converged) w.push('the iterative solve did not converge');
  if (cond > IMPLICIT_CONDITION_WARNING) w.push(`H is ill-conditioned on the inverted subspace (κ ≈ ${cond.toExponential(1)}): ψ on rarely taken actions is unreliable, π-weighted quantities stay accurate`);
  if (residual > 1e-8) w.push(`relative residual ${residual.toExponential(1)}`);
  if (nullDim !== expected && nullDim >= 0) w.push(`null space of H has dimension ${nullDim}, structural dimension is ${expected} (a numerically zero Hessian block: near-deterministic policy or a non-structural singularity)`);
  if (!(hessianError <= HESSIAN_CHECK_TOLERANCE)) w.push(`the Hessian disagrees with finite differences of the exact gradient along the solution (relative ${hessianError.toExponential(1)})`);
  return w.length > 0 ? w.join('; ') : undefined;
};

/**
 * An orthonormal basis of the complement of the structural null space, as a dense n×m matrix B:
 * per visited state, the A−1 Helmert vectors (orthogonal to the gauge direction 1_s); nothing for
 * unvisited states. The dense route inverts BᵀHB, so rounding in H·1_s (≈ ε‖H‖) is never mistaken
 * for a real eigenvalue.
 */
const complementBasis = (ctx: HessianContext): { readonly B: Float64Array; readonly m: number } => {
  const { S, A } = ctx.mdp;
  const n = S * A;
  const visited: number[] = [];
  for (let s = 0; s < S; s++) if (ctx.ev.d[s] > S * 2 ** -52) visited.push(s);
  const m = visited.length * (A - 1);
  const B = new Float64Array(n * m);
  let col = 0;
  for (const s of visited) {
    for (let k = 1; k < A; k++) {
      // Helmert vector k: (1, …, 1, −k, 0, …)/√(k(k+1)) on state s's actions
      const c = 1 / Math.sqrt(k * (k + 1));
      for (let a = 0; a < k; a++) B[(s * A + a) * m + col] = c;
      B[(s * A + k) * m + col] = -k * c;
      col++;
    }
  }
  return { B, m };
};

/** `Bᵀ X` for B (n×m) and X (n×k), row-major. */
const transposeTimes = (B: Readonly<Float64Array>, n: number, m: number, X: Readonly<Float64Array>, k: number): Float64Array => {
  const out = new Float64Array(m * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    const b = B[i * m + j];
    if (b === 0) continue;
    for (let c = 0; c < k; c++) out[j * k + c] += b * X[i * k + c];
  }
  return out;
};

/** `B Y` for B (n×m) and Y (m×k), row-major. */
const times = (B: Readonly<Float64Array>, n: number, m: number, Y: Readonly<Float64Array>, k: number): Float64Array => {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    const b = B[i * m + j];
    if (b === 0) continue;
    for (let c = 0; c < k; c++) out[i * k + c] += b * Y[j * k + c];
  }
  return out;
};

/**
 * ψ by the implicit function theorem with a dense pseudo-inverse of H (small problems). H is first
 * restricted to the complement of its structural null space (gauge of visited states, blocks of
 * unvisited ones) in an orthonormal basis B, so `H^† M = B (BᵀHB)^† BᵀM` and the gauge-free
 * derivative has per-state row means that are zero up to rounding; eigenvalues of BᵀHB below
 * m·ε·max|μ|, or below m·ε times the problem's scale of H (`hessianScale`), are then treated as
 * zero and reported: a numerically zero Hessian block is never inverted. O((SA)³).
 */
export const nuScoreImplicitDense = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  opts: ImplicitOptions = {},
): ImplicitNuScore => {
  const r = rewardOf(model, nu);
  return nuScoreImplicitDenseWith(hessianContext(mdp, r, theta, lambda), r, theta, model, opts);
};

/**
 * The natural scale of `H = ∇²_θθ J` at θ (MATH.md §4, §6): `(λ + ‖Adv‖∞)/(1 − γ)`. The gradient is
 * `d∘π∘Adv/(1−γ)` and differentiating π∘Adv in θ gives terms of size π(|Adv| + λ); at θ* the
 * Hessian is `−λ/(1−γ)·blockdiag d(s)(diag π − ππᵀ)`, of exactly this scale. An eigenvalue below
 * m·ε times it (a state–action with d(s)π(a|s) ≲ m·ε) is rounding, not curvature.
 */
export const hessianScale = (ctx: HessianContext): number => {
  let advMax = 0;
  for (let i = 0; i < ctx.ev.adv.length; i++) advMax = Math.max(advMax, Math.abs(ctx.ev.adv[i]));
  return (ctx.lambda + advMax) / (1 - ctx.mdp.gamma);
};

/** The dense implicit route on a shared context (the evaluation at θ and its factorisation). */
export const nuScoreImplicitDenseWith = (
  ctx: HessianContext,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  model: RewardModel,
  opts: ImplicitOptions = {},
): ImplicitNuScore => {
  const { mdp } = ctx;
  const n = mdp.S * mdp.A;
  const d = rewardDimension(model);
  const H = opts.hessian ?? hessianFromContext(ctx);
  const { B, m } = complementBasis(ctx);
  // Hr = Bᵀ H B (m×m), symmetrised (H is symmetric in exact arithmetic)
  const HB = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let l = 0; l < n; l++) {
    const h = H[i * n + l];
    if (h === 0) continue;
    for (let j = 0; j < m; j++) HB[i * m + j] += h * B[l * m + j];
  }
  const Hr = transposeTimes(B, n, m, HB, m);
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) {
    const x = 0.5 * (Hr[i * m + j] + Hr[j * m + i]);
    Hr[i * m + j] = x;
    Hr[j * m + i] = x;
  }
  const M = mixedHessianFromContext(ctx, model);
  const floor = m * EPS * hessianScale(ctx);
  const sol = m > 0
    ? pseudoInverseSolve(Hr, m, transposeTimes(B, n, m, M, d), d, undefined, undefined, floor)
    : { x: new Float64Array(0), dropped: 0, conditionEstimate: 1, relativeResidual: 0, threshold: 0 };
  const X = times(B, n, m, sol.x, d).map((x) => -x);
  const expected = structuralNullDimension(mdp.S, mdp.A, unvisitedStates(ctx));
  const nullDimension = n - m + sol.dropped;
  const applyH = (v: Readonly<Float64Array>): Float64Array => matVec(H, n, n, v);
  const check = hessianCheck(ctx, r, theta, combineColumns(X, n, d), applyH);
  const warning = warningFor(sol.conditionEstimate, sol.relativeResidual, nullDimension, expected, true, check);
  const facts = {
    converged: true,
    relativeResidual: sol.relativeResidual,
    iterations: 1,
    condition: sol.conditionEstimate,
    n: Math.max(m, 1),
    structural: nullDimension === expected,
    hessianError: check,
    warning,
  };
  return {
    psi: scoreContract(mdp, ctx.ev.pi, X, d),
    gradThetaStar: X,
    conditionEstimate: sol.conditionEstimate,
    relativeResidual: sol.relativeResidual,
    nullDimension,
    expectedNullDimension: expected,
    solver: 'dense-eigen',
    ...(warning !== undefined ? { warning } : {}),
    report: implicitReport('psi', 'dense', { ...facts, undetermined: unvisitedStates(ctx) }),
    vjpReport: (w) => implicitReport('psi·w', 'dense', { ...facts, undetermined: unvisitedWeighted(ctx, w) }),
  };
};

const EPS = 2 ** -52;

/** `Σ_i c_i X[:, i]` with fixed weights `c_i = (−1)^i/(1 + i)`: one direction that mixes every column. */
const combineColumns = (X: Readonly<Float64Array>, n: number, d: number): Float64Array => {
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let i = 0; i < d; i++) acc += ((i & 1) === 0 ? 1 : -1) * X[j * d + i] / (1 + i);
    x[j] = acc;
  }
  return x;
};

/**
 * The relative disagreement `‖H u − D u‖∞ / max(‖H u‖∞, ‖D u‖∞, ‖∇J(θ)‖∞)` between the Hessian a
 * solve used (`applyH`) and the central difference `D u = (∇J(θ + hu) − ∇J(θ − hu))/2h` of the
 * exact policy gradient (MATH.md §4) along the solution's direction u = x/‖x‖∞: an independent
 * check that the solve inverted the right operator. 0 when x = 0.
 */
export const hessianCheck = (
  ctx: HessianContext,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  x: Readonly<Float64Array>,
  applyH: (v: Readonly<Float64Array>) => Float64Array,
): number => {
  let xMax = 0;
  let tMax = 0;
  for (let i = 0; i < x.length; i++) {
    xMax = Math.max(xMax, Math.abs(x[i]));
    tMax = Math.max(tMax, Math.abs(theta[i]));
  }
  if (!(xMax > 0)) return Number.isNaN(xMax) ? NaN : 0;
  const u = x.map((v) => v / xMax);
  const h = Math.cbrt(EPS) * Math.max(1, tMax);
  const plus = new Float64Array(theta.length);
  const minus = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    plus[i] = theta[i] + h * u[i];
    minus[i] = theta[i] - h * u[i];
  }
  const gp = policyGradient(ctx.mdp, r, plus, ctx.lambda);
  const gm = policyGradient(ctx.mdp, r, minus, ctx.lambda);
  const g0 = policyGradientFromEvaluation(ctx.mdp, ctx.ev);
  const Hu = applyH(u);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < u.length; i++) {
    const fd = (gp[i] - gm[i]) / (2 * h);
    diff = Math.max(diff, Math.abs(Hu[i] - fd));
    scale = Math.max(scale, Math.abs(Hu[i]), Math.abs(fd), Math.abs(g0[i]));
  }
  return scale > 0 ? diff / scale : diff === 0 ? 0 : Infinity;
};

/** What an implicit-route report is made of. */
interface ImplicitSolveFacts {
  readonly converged: boolean;
  readonly relativeResidual: number;
  readonly iterations: number;
  readonly condition: number;
  /** Dimension of the system solved (for the norm equivalences of the bound). */
  readonly n: number;
  /** The null space found is the structural one (always true for the iterative route, which projects it out). */
  readonly structural: boolean;
  /** `hessianCheck` of the solve. */
  readonly hessianError: number;
  readonly warning: string | undefined;
  /**
   * States on which the result is not determined: H and M vanish on a state with d(s) = 0, so the
   * implicit route returns 0 there while ψ (the closed form, MATH.md §6) need not be 0. For ψ: the
   * unvisited states; for a VJP: the unvisited states on which w has weight.
   */
  readonly undetermined: number;
}

/**
 * The report of an implicit-route solve (MATH.md §6): error bound `4√n·κ·max(residual, n·ε)` relative
 * to ‖ψ‖∞ — the solve's relative error `κ·residual` (2-norm), √n from 2- to ∞-norms, 2 from
 * `‖X‖∞ ≤ 2‖ψ‖∞` for the gauge-free X and 2 from applying the score — and reliable only when that
 * bound is ≤ `IMPLICIT_RELIABLE_ERROR`, the null space is structural, the solve converged, the
 * Hessian passed the finite-difference check, and no state the result depends on is unvisited.
 */
const implicitReport = (quantity: string, route: 'implicit' | 'dense' | 'gauge-lu', f: ImplicitSolveFacts): SolveReport => {
  const errorBound = 4 * Math.sqrt(f.n) * f.condition * Math.max(f.relativeResidual, f.n * EPS);
  const hessianOk = f.hessianError <= HESSIAN_CHECK_TOLERANCE;
  const reliable = f.converged && f.structural && hessianOk && errorBound <= IMPLICIT_RELIABLE_ERROR && f.undetermined === 0;
  const reasons: string[] = [];
  if (f.warning !== undefined) reasons.push(f.warning);
  if (f.undetermined > 0) reasons.push(`not determined on ${f.undetermined} unvisited state${f.undetermined === 1 ? '' : 's'} (d(s) = 0: H and M vanish there and the route returns 0)`);
  if (!reliable && errorBound > IMPLICIT_RELIABLE_ERROR) reasons.push(`error bound ${errorBound.toExponential(1)} > ${IMPLICIT_RELIABLE_ERROR}`);
  return {
    quantity,
    route,
    converged: f.converged,
    relativeResidual: f.relativeResidual,
    iterations: f.iterations,
    errorBound,
    condition: f.condition,
    reliable,
    ...(reasons.length > 0 ? { warning: reasons.join('; ') } : {}),
  };
};

/**
 * A structural estimate of H's condition on the complement of its null space (MATH.md §6): at the
 * optimum `H = −λ/(1−γ)·blockdiag d(s)(diag π_s − π_s π_sᵀ)` and by interlacing the block's nonzero
 * eigenvalues lie in `[d(s) min_a π, d(s) max_a π]`, so κ ≈ max d π / min d π over visited states.
 * MINRES's own Lanczos estimate sees only the preconditioned operator; the larger of the two is used.
 */
const structuralCondition = (ctx: HessianContext): number => {
  const { S, A } = ctx.mdp;
  let hi = 0;
  let lo = Infinity;
  for (let s = 0; s < S; s++) {
    const ds = ctx.ev.d[s];
    if (ds <= S * EPS || A === 1) continue;
    for (let a = 0; a < A; a++) {
      const v = ds * ctx.ev.pi[s * A + a];
      hi = Math.max(hi, v);
      lo = Math.min(lo, v);
    }
  }
  return hi === 0 ? 1 : lo > 0 ? hi / lo : Infinity;
};

/**
 * Remove the structural null space of H from `v` in place: each visited state's row mean (the
 * gauge) and the whole block of each unvisited state. H maps into this complement exactly, so
 * projecting every Krylov vector keeps rounding from leaking into null directions — without it
 * MINRES's Lanczos vectors pick up gauge components at the ε level and it chases eigenvalues ~1e-17.
 */
const projectOutNullSpace = (ctx: HessianContext, v: Float64Array): Float64Array => {
  const { S, A } = ctx.mdp;
  for (let s = 0; s < S; s++) {
    const o = s * A;
    if (ctx.ev.d[s] <= S * 2 ** -52) {
      for (let a = 0; a < A; a++) v[o + a] = 0;
      continue;
    }
    let mean = 0;
    for (let a = 0; a < A; a++) mean += v[o + a];
    mean /= A;
    for (let a = 0; a < A; a++) v[o + a] -= mean;
  }
  return v;
};

/**
 * A block preconditioner from the Hessian's form at the optimum (MATH.md §6):
 * −H ≈ (λ̄/(1−γ)) blockdiag_s d(s)(diag π_s − π_s π_sᵀ), whose pseudo-inverse on the gauge complement is
 * `v ↦ Π diag(1/π_s) Π v · (1−γ)/(λ̄ d(s))` per state (Π removes the row mean). Symmetric positive definite
 * on the complement, as MINRES requires. λ̄ = max(λ, 1e-3) keeps it defined at λ = 0, and π is floored
 * at 1e-12 so it stays finite; both only change how good the preconditioner is, never the solution.
 */
const blockPreconditioner = (ctx: HessianContext) => {
  const { S, A, gamma } = ctx.mdp;
  const lambdaBar = Math.max(ctx.lambda, 1e-3);
  return (v: Readonly<Float64Array>): Float64Array => {
    const z = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      const ds = ctx.ev.d[s];
      if (ds <= S * 2 ** -52) continue;
      const o = s * A;
      let mv = 0;
      for (let a = 0; a < A; a++) mv += v[o + a];
      mv /= A;
      const scale = (1 - gamma) / (lambdaBar * ds);
      let mz = 0;
      for (let a = 0; a < A; a++) {
        z[o + a] = ((v[o + a] - mv) / Math.max(ctx.ev.pi[o + a], 1e-12)) * scale;
        mz += z[o + a];
      }
      mz /= A;
      for (let a = 0; a < A; a++) z[o + a] -= mz;
    }
    return z;
  };
};

/** A Hessian operator as a symmetric operator on the complement of its structural null space. */
const projectedOperator = (ctx: HessianContext, applyH: (v: Readonly<Float64Array>) => Float64Array) => (v: Readonly<Float64Array>): Float64Array =>
  projectOutNullSpace(ctx, applyH(projectOutNullSpace(ctx, Float64Array.from(v))));

/** ψ by the implicit function theorem with MINRES on exact Hessian-vector products, one solve per ν-coordinate. */
export const nuScoreImplicitIterative = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  opts: ImplicitOptions = {},
): ImplicitNuScore => {
  const r = rewardOf(model, nu);
  return nuScoreImplicitIterativeWith(hessianContext(mdp, r, theta, lambda), r, theta, model, opts);
};

/** The Hessian operator a solve uses: the exact one, or the caller's replacement (testing). */
const hessianOperator = (ctx: HessianContext, opts: ImplicitOptions) =>
  opts.hessianVectorProduct ?? ((v: Readonly<Float64Array>) => hessianVectorProductWith(ctx, v));

/** The iterative implicit route on a shared context (the evaluation at θ and its factorisation). */
export const nuScoreImplicitIterativeWith = (
  ctx: HessianContext,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  model: RewardModel,
  opts: ImplicitOptions = {},
): ImplicitNuScore => {
  const { S, A } = ctx.mdp;
  const n = S * A;
  const d = rewardDimension(model);
  const X = new Float64Array(n * d);
  const applyH = hessianOperator(ctx, opts);
  let cond = 1;
  let residual = 0;
  let converged = true;
  let iterations = 0;
  const e = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    e.fill(0);
    e[i] = 1;
    const rhs = projectOutNullSpace(ctx, mixedHessianVectorProductWith(ctx, model, e));
    const sol = minres(projectedOperator(ctx, applyH), rhs, { preconditioner: blockPreconditioner(ctx), ...opts });
    cond = Math.max(cond, sol.conditionEstimate);
    residual = Math.max(residual, sol.relativeResidual);
    converged &&= sol.converged;
    iterations += sol.iterations;
    for (let j = 0; j < n; j++) X[j * d + i] = -sol.x[j];
  }
  const expected = structuralNullDimension(S, A, unvisitedStates(ctx));
  const condition = Math.max(cond, structuralCondition(ctx));
  const check = hessianCheck(ctx, r, theta, combineColumns(X, n, d), applyH);
  const warning = warningFor(condition, residual, -1, expected, converged, check);
  const facts = { converged, relativeResidual: residual, iterations, condition, n, structural: true, hessianError: check, warning };
  return {
    psi: scoreContract(ctx.mdp, ctx.ev.pi, X, d),
    gradThetaStar: X,
    conditionEstimate: condition,
    relativeResidual: residual,
    nullDimension: -1,
    expectedNullDimension: expected,
    solver: 'minres',
    ...(warning !== undefined ? { warning } : {}),
    report: implicitReport('psi', 'implicit', { ...facts, undetermined: unvisitedStates(ctx) }),
    vjpReport: (w) => implicitReport('psi·w', 'implicit', { ...facts, undetermined: unvisitedWeighted(ctx, w) }),
  };
};

/**
 * `Σ_{s,a} w[s,a] ψ[s,a]` by the implicit route without materialising ψ or H (MATH.md §6):
 * with `w̃[s,b] = w[s,b] − π(b|s) Σ_a w[s,a]` (the score applied to w), solve `H z = w̃`
 * by MINRES (H is symmetric), then the product is `−Mᵀ z` (one adjoint mixed-Hessian product).
 */
export const nuScoreVjpImplicit = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  w: Readonly<Float64Array>,
  opts: ImplicitOptions = {},
): NuScoreVjp => {
  const r = rewardOf(model, nu);
  return nuScoreVjpImplicitWith(hessianContext(mdp, r, theta, lambda), r, theta, model, w, opts);
};

/** The implicit-route VJP on a shared context (the evaluation at θ and its factorisation). */
export const nuScoreVjpImplicitWith = (
  ctx: HessianContext,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  model: RewardModel,
  w: Readonly<Float64Array>,
  opts: ImplicitOptions = {},
): NuScoreVjp => {
  const { S, A } = ctx.mdp;
  const wt = scoreTransposeApply(ctx.ev.pi, w, A);
  if (opts.solver === 'direct') {
    const direct = nuScoreVjpDirect(ctx, r, theta, model, w, wt, opts);
    if (direct !== undefined) return direct;
  }
  const applyH = hessianOperator(ctx, opts);
  const sol = minres(projectedOperator(ctx, applyH), projectOutNullSpace(ctx, wt), { preconditioner: blockPreconditioner(ctx), ...opts });
  const value = mixedHessianTransposeVectorProductWith(ctx, model, sol.x).map((x) => -x);
  const condition = Math.max(sol.conditionEstimate, structuralCondition(ctx));
  const check = hessianCheck(ctx, r, theta, sol.x, applyH);
  const expected = structuralNullDimension(S, A, unvisitedStates(ctx));
  const warning = warningFor(condition, sol.relativeResidual, -1, expected, sol.converged, check);
  return {
    value,
    report: implicitReport('psi·w', 'implicit', {
      converged: sol.converged,
      relativeResidual: sol.relativeResidual,
      iterations: sol.iterations,
      condition,
      n: S * A,
      structural: true,
      hessianError: check,
      warning,
      undetermined: unvisitedWeighted(ctx, w),
    }),
  };
};

/**
 * The implicit VJP with the direct solver (`ImplicitOptions.solver = 'direct'`): `z = H^† w̃` by
 * gaugeFixedSolve on the closed-form dense H, then `−Mᵀ z`; `undefined` when the reduced matrix is
 * singular (the caller falls back to MINRES). Reported as route `gauge-lu` with the same
 * reliability rules as MINRES (error bound, finite-difference Hessian check, unvisited states).
 */
const nuScoreVjpDirect = (
  ctx: HessianContext,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  model: RewardModel,
  w: Readonly<Float64Array>,
  wt: Readonly<Float64Array>,
  opts: ImplicitOptions,
): NuScoreVjp | undefined => {
  const { S, A } = ctx.mdp;
  const n = S * A;
  const H = opts.hessian ?? hessianStructuredFromContext(ctx);
  const visited = (s: number): boolean => ctx.ev.d[s] > S * EPS;
  const sol = gaugeFixedSolve(H, S, A, ctx.ev.pi, visited, projectOutNullSpace(ctx, Float64Array.from(wt)));
  if (sol.singular) return undefined;
  const value = mixedHessianTransposeVectorProductWith(ctx, model, sol.z).map((x) => -x);
  const applyH = (v: Readonly<Float64Array>): Float64Array => matVec(H, n, n, v);
  const condition = Math.max(sol.condition, structuralCondition(ctx));
  const check = hessianCheck(ctx, r, theta, sol.z, applyH);
  const expected = structuralNullDimension(S, A, unvisitedStates(ctx));
  const warning = warningFor(condition, sol.relativeResidual, -1, expected, true, check);
  return {
    value,
    report: implicitReport('psi·w', 'gauge-lu', {
      converged: true,
      relativeResidual: sol.relativeResidual,
      iterations: 1,
      condition,
      n: Math.max(sol.m, 1),
      structural: true,
      hessianError: check,
      warning,
      undetermined: unvisitedWeighted(ctx, w),
    }),
  };
};
