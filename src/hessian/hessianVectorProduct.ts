/**
 * Exact Hessian-vector products `∇²_θθ J_λ(θ) · v` of the softmax objective (MATH.md §3–§4,
 * §6), by forward-mode differentiation of the policy gradient `g = d∘π∘Adv/(1−γ)` along `v`,
 * written out by hand and never forming the Hessian.
 *
 * Along θ + t·v (all derivatives at t = 0; `u = d log π`):
 *   u[s,a]   = v[s,a] − Σ_b π(b|s) v[s,b]                       (MATH.md §2, the score)
 *   dπ       = π∘u
 *   dV       = M⁻¹ b,  b[s] = Σ_a π(a|s) u[s,a] Adv[s,a],   M = I − γP_π
 *   dQ       = γ P dV
 *   dAdv     = dQ − λu − dV[s]
 *   dd       = γ M⁻ᵀ (dP_πᵀ d),  (dP_πᵀ d)[s'] = Σ_{s,a} d(s) π(a|s) u[s,a] P[s,a,s']
 *   dg       = (dd∘π∘Adv + d∘dπ∘Adv + d∘π∘dAdv) / (1−γ)
 *
 * Derivation of `b`: differentiating `M V = r_π` gives `M dV = dr_π + γ dP_π V` with
 * `dr_π(s) = Σ_a dπ (r − λ log π) − λ Σ_a π u` and `Σ_a π u = 0`, so
 * `dr_π + γ dP_π V = Σ_a π u (r − λ log π + γ P V) = Σ_a π u (Q − λ log π) = Σ_a π u Adv`
 * (subtracting `V[s]` changes nothing, again because `Σ_a π u = 0`). Using the advantage avoids
 * the cancellation of `dr_π + γ dP_π V` when `|V| ≫ |Adv|` (γ near 1). Differentiating
 * `Mᵀ d = (1−γ) ρ` gives `Mᵀ dd = γ dP_πᵀ d`.
 */
import { successorsOf } from '../mdp/successors.js';
import type { Mdp } from '../mdp/types.js';
import { luSolve, luSolveTransposed, type LuFactorization } from '../linalg/index.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';

/**
 * What every second-derivative product at one θ shares: the exact evaluation (π, Adv, d, …)
 * and one LU factorisation of `M = I − γ P_π` (MATH.md §3), reused for every direction.
 */
export interface HessianContext {
  readonly mdp: Mdp;
  readonly lambda: number;
  readonly ev: PolicyEvaluation;
  /** LU factorisation of `M = I − γ P_π`, used for `M⁻¹` and `M⁻ᵀ` solves. */
  readonly lu: LuFactorization;
}

/** Context for second derivatives from an existing evaluation, reusing its factorisation of `I − γ P_π` (MATH.md §3). */
export const hessianContextFromEvaluation = (mdp: Mdp, ev: PolicyEvaluation, lambda: number): HessianContext =>
  ({ mdp, lambda, ev, lu: ev.factorization });

/** Context for second derivatives at θ: exact evaluation plus one LU of `I − γ P_π` (MATH.md §3). */
export const hessianContext = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): HessianContext =>
  hessianContextFromEvaluation(mdp, evaluatePolicy(mdp, r, theta, lambda), lambda);

/** `∇²_θθ J · v` (an S×A vector) from a shared context, O(S²A) per call (MATH.md §4, §6). */
export const hessianVectorProductWith = (ctx: HessianContext, v: Readonly<Float64Array>): Float64Array => {
  const { mdp, lambda, ev, lu } = ctx;
  const { S, A, gamma } = mdp;
  const n = S * A;
  if (v.length !== n) throw new RangeError(`direction v has length ${v.length}, expected S·A = ${n}`);
  const { offsets, next, prob } = successorsOf(mdp);
  const { pi, adv, d } = ev;
  const c = 1 / (1 - gamma);

  // u = d log π, b = Σ_a π u Adv, and e = dP_πᵀ d
  const u = new Float64Array(n);
  const b = new Float64Array(S);
  const e = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    let mean = 0;
    for (let a = 0; a < A; a++) mean += pi[o + a] * v[o + a];
    let bs = 0;
    for (let a = 0; a < A; a++) {
      const i = o + a;
      const ui = v[i] - mean;
      u[i] = ui;
      const dpi = pi[i] * ui;
      bs += dpi * adv[i];
      const w = d[s] * dpi;
      if (w !== 0) for (let k = offsets[i]; k < offsets[i + 1]; k++) e[next[k]] += w * prob[k];
    }
    b[s] = bs;
  }

  const dV = luSolve(lu, b);
  const dd = luSolveTransposed(lu, e);
  for (let s = 0; s < S; s++) dd[s] *= gamma;

  const out = new Float64Array(n);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    for (let a = 0; a < A; a++) {
      const i = o + a;
      let pdv = 0;
      for (let k = offsets[i]; k < offsets[i + 1]; k++) pdv += prob[k] * dV[next[k]];
      const dAdv = gamma * pdv - lambda * u[i] - dV[s];
      // dd∘π∘Adv + d∘(π u)∘Adv + d∘π∘dAdv, with the common factor π
      out[i] = pi[i] * ((dd[s] + d[s] * u[i]) * adv[i] + d[s] * dAdv) * c;
    }
  }
  return out;
};

/** A reusable HVP `v ↦ ∇²_θθ J · v` at θ: O(S³) setup, then O(S²A) per direction (MATH.md §4, §6). */
export const makeHessianVectorProduct = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): ((v: Readonly<Float64Array>) => Float64Array) => {
  const ctx = hessianContext(mdp, r, theta, lambda);
  return (v) => hessianVectorProductWith(ctx, v);
};

/** `∇²_θθ J_λ(θ) · v` for one direction `v` (S×A), exact and matrix-free (MATH.md §4, §6). */
export const hessianVectorProduct = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  v: Readonly<Float64Array>,
): Float64Array => hessianVectorProductWith(hessianContext(mdp, r, theta, lambda), v);
