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
import { hessianContext, hessianFromContext, hessianVectorProductWith, type HessianContext } from '../hessian/index.js';
import { mixedHessianFromContext, mixedHessianTransposeVectorProductWith, mixedHessianVectorProductWith } from '../hessian/index.js';
import { minres, type MinresOptions } from '../linalg/minres.js';
import { pseudoInverseSolve } from '../linalg/symmetricEigen.js';
import { rewardDimension, rewardOf, type RewardModel } from '../reward/rewardModel.js';

/** Condition number above which the implicit solve is reported as ill-conditioned. */
export const IMPLICIT_CONDITION_WARNING = 1e10;

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
}

/** States the policy (numerically) never visits: d(s) ≤ S·ε. */
const unvisitedStates = (ctx: HessianContext): number => {
  let k = 0;
  for (let s = 0; s < ctx.mdp.S; s++) if (ctx.ev.d[s] <= ctx.mdp.S * 2 ** -52) k++;
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

const warningFor = (cond: number, residual: number, nullDim: number, expected: number, converged = true): string | undefined => {
  const w: string[] = [];
  if (!converged) w.push('the iterative solve did not converge');
  if (cond > IMPLICIT_CONDITION_WARNING) w.push(`H is ill-conditioned on the inverted subspace (κ ≈ ${cond.toExponential(1)}): ψ on rarely taken actions is unreliable, π-weighted quantities stay accurate`);
  if (residual > 1e-8) w.push(`relative residual ${residual.toExponential(1)}`);
  if (nullDim !== expected && nullDim >= 0) w.push(`null space of H has dimension ${nullDim}, structural dimension is ${expected} (near-deterministic policy or a non-structural singularity)`);
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
 * m·ε·max|μ| are then treated as zero and reported. O((SA)³).
 */
export const nuScoreImplicitDense = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): ImplicitNuScore => {
  const ctx = hessianContext(mdp, rewardOf(model, nu), theta, lambda);
  const n = mdp.S * mdp.A;
  const d = rewardDimension(model);
  const H = hessianFromContext(ctx);
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
  const sol = m > 0
    ? pseudoInverseSolve(Hr, m, transposeTimes(B, n, m, M, d), d)
    : { x: new Float64Array(0), dropped: 0, conditionEstimate: 1, relativeResidual: 0, threshold: 0 };
  const X = times(B, n, m, sol.x, d).map((x) => -x);
  const expected = structuralNullDimension(mdp.S, mdp.A, unvisitedStates(ctx));
  const nullDimension = n - m + sol.dropped;
  return {
    psi: scoreContract(mdp, ctx.ev.pi, X, d),
    gradThetaStar: X,
    conditionEstimate: sol.conditionEstimate,
    relativeResidual: sol.relativeResidual,
    nullDimension,
    expectedNullDimension: expected,
    solver: 'dense-eigen',
    warning: warningFor(sol.conditionEstimate, sol.relativeResidual, nullDimension, expected),
  };
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

/** The Hessian as a symmetric operator on the complement of its structural null space. */
const projectedHessian = (ctx: HessianContext) => (v: Readonly<Float64Array>): Float64Array =>
  projectOutNullSpace(ctx, hessianVectorProductWith(ctx, projectOutNullSpace(ctx, Float64Array.from(v))));

/** ψ by the implicit function theorem with MINRES on exact Hessian-vector products, one solve per ν-coordinate. */
export const nuScoreImplicitIterative = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  opts: MinresOptions = {},
): ImplicitNuScore => {
  const ctx = hessianContext(mdp, rewardOf(model, nu), theta, lambda);
  const { S, A } = mdp;
  const n = S * A;
  const d = rewardDimension(model);
  const X = new Float64Array(n * d);
  let cond = 1;
  let residual = 0;
  let converged = true;
  const e = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    e.fill(0);
    e[i] = 1;
    const rhs = projectOutNullSpace(ctx, mixedHessianVectorProductWith(ctx, model, e));
    const sol = minres(projectedHessian(ctx), rhs, { preconditioner: blockPreconditioner(ctx), ...opts });
    cond = Math.max(cond, sol.conditionEstimate);
    residual = Math.max(residual, sol.relativeResidual);
    converged &&= sol.converged;
    for (let j = 0; j < n; j++) X[j * d + i] = -sol.x[j];
  }
  const expected = structuralNullDimension(S, A, unvisitedStates(ctx));
  return {
    psi: scoreContract(mdp, ctx.ev.pi, X, d),
    gradThetaStar: X,
    conditionEstimate: cond,
    relativeResidual: residual,
    nullDimension: -1,
    expectedNullDimension: expected,
    solver: 'minres',
    warning: warningFor(cond, residual, -1, expected, converged),
  };
};

/** A vector-Jacobian product of the implicit-route ν-score with its solve quality. */
export interface ImplicitNuScoreVjp {
  /** `Σ_{s,a} w[s,a] ψ[s,a]`, a d-vector. */
  readonly value: Float64Array;
  readonly solve: { readonly relativeResidual: number; readonly iterations: number; readonly converged: boolean; readonly conditionEstimate: number };
}

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
  opts: MinresOptions = {},
): ImplicitNuScoreVjp => {
  const ctx = hessianContext(mdp, rewardOf(model, nu), theta, lambda);
  const { S, A } = mdp;
  const wt = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    let sum = 0;
    for (let a = 0; a < A; a++) sum += w[s * A + a];
    for (let b = 0; b < A; b++) wt[s * A + b] = w[s * A + b] - ctx.ev.pi[s * A + b] * sum;
  }
  const sol = minres(projectedHessian(ctx), projectOutNullSpace(ctx, wt), { preconditioner: blockPreconditioner(ctx), ...opts });
  const value = mixedHessianTransposeVectorProductWith(ctx, model, sol.x).map((x) => -x);
  return {
    value,
    solve: { relativeResidual: sol.relativeResidual, iterations: sol.iterations, converged: sol.converged, conditionEstimate: sol.conditionEstimate },
  };
};
