/**
 * The mixed second derivative `∇²_θν J_λ = ∂(∇_θ J)/∂ν` (MATH.md §5, §6): the matrix `M` of the
 * implicit-function route. Layout `(S·A)×d` row-major, entry `((s*A + a), i)` at
 * `(s*A + a)*d + i` (MATH.md §1).
 *
 * ν enters only through the reward `r = r_ν`, which is linear with Jacobian `J_r`. Along a
 * reward change `δr = J_r w` the policy π and the visitation d do not move, so
 *   dV   = M⁻¹ (Σ_a π(a|s) δr[s,a]),     M = I − γ P_π
 *   dQ   = δr + γ P dV
 *   dAdv = dQ − dV[s]
 *   dg   = d∘π∘dAdv / (1−γ)
 * i.e. `dg` is the policy gradient of the reward table `δr` with λ = 0 (the entropy term does not
 * depend on r). The transpose is its adjoint: for an S×A vector `v`, with
 * `c = d∘π∘v/(1−γ)`, `y[s'] = γ Σ_{s,a} c[s,a] P[s,a,s'] − Σ_a c[s',a]` and `z = M⁻ᵀ y`,
 *   vᵀ dg = Σ_{s,a} (c[s,a] + π(a|s) z[s]) δr[s,a],   so   Mᵀv = J_rᵀ (c + π∘z).
 *
 * Because `r_ν` is linear and the map `δr ↦ dg` does not involve r, `∇²_θν J` does not depend on ν
 * at all; `nu` is accepted so the signatures match the rest of the bilevel API.
 */
import { successorsOf } from '../mdp/successors.js';
import type { Mdp } from '../mdp/types.js';
import { luSolve, luSolveMany, luSolveTransposed } from '../linalg/index.js';
import {
  rewardDimension,
  rewardJacobianApply,
  rewardJacobianDense,
  rewardJacobianTransposeApply,
  rewardOf,
  type RewardModel,
} from '../reward/rewardModel.js';
import { hessianContext, type HessianContext } from './hessianVectorProduct.js';

const checkModel = (mdp: Mdp, model: RewardModel): void => {
  if (model.S !== mdp.S || model.A !== mdp.A)
    throw new RangeError(`reward model is ${model.S}×${model.A}, MDP is ${mdp.S}×${mdp.A}`);
};

/** Context at `r = r_ν` after checking the model's shape and ν's length. */
const contextAt = (mdp: Mdp, model: RewardModel, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): HessianContext => {
  checkModel(mdp, model);
  const dim = rewardDimension(model);
  if (nu.length !== dim) throw new RangeError(`nu has length ${nu.length}, expected d = ${dim}`);
  return hessianContext(mdp, rewardOf(model, nu), theta, lambda);
};

/** `(∂∇_θJ/∂r) δr`: the change of the policy gradient for a reward change `δr` (S×A) (MATH.md §6). */
export const rewardDirectionalGradientWith = (ctx: HessianContext, dr: Readonly<Float64Array>): Float64Array => {
  const { mdp, ev, lu } = ctx;
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  const { pi, d } = ev;
  const n = S * A;
  if (dr.length !== n) throw new RangeError(`reward direction has length ${dr.length}, expected S·A = ${n}`);
  const b = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let acc = 0;
    for (let a = 0; a < A; a++) acc += pi[s * A + a] * dr[s * A + a];
    b[s] = acc;
  }
  const dV = luSolve(lu, b);
  const c = 1 / (1 - gamma);
  const out = new Float64Array(n);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      let pdv = 0;
      for (let k = succ.offsets[i]; k < succ.offsets[i + 1]; k++) pdv += succ.prob[k] * dV[succ.next[k]];
      out[i] = d[s] * pi[i] * (dr[i] + gamma * pdv - dV[s]) * c;
    }
  }
  return out;
};

/** Adjoint of `rewardDirectionalGradientWith`: `(∂∇_θJ/∂r)ᵀ v` (S×A), one transposed solve (MATH.md §6). */
export const rewardDirectionalGradientTransposeWith = (ctx: HessianContext, v: Readonly<Float64Array>): Float64Array => {
  const { mdp, ev, lu } = ctx;
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  const { pi, d } = ev;
  const n = S * A;
  if (v.length !== n) throw new RangeError(`vector v has length ${v.length}, expected S·A = ${n}`);
  const k = 1 / (1 - gamma);
  const cv = new Float64Array(n);
  const y = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      const ci = d[s] * pi[i] * v[i] * k;
      cv[i] = ci;
      y[s] -= ci;
      if (ci !== 0) {
        const gc = gamma * ci;
        for (let q = succ.offsets[i]; q < succ.offsets[i + 1]; q++) y[succ.next[q]] += gc * succ.prob[q];
      }
    }
  }
  const z = luSolveTransposed(lu, y);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) cv[s * A + a] += pi[s * A + a] * z[s];
  return cv;
};

/** `∇²_θν J · w` (S×A) for a d-vector `w`, from a shared context (MATH.md §5, §6). */
export const mixedHessianVectorProductWith = (ctx: HessianContext, model: RewardModel, w: Readonly<Float64Array>): Float64Array => {
  checkModel(ctx.mdp, model);
  const dim = rewardDimension(model);
  if (w.length !== dim) throw new RangeError(`direction w has length ${w.length}, expected d = ${dim}`);
  return rewardDirectionalGradientWith(ctx, rewardJacobianApply(model, w));
};

/** `(∇²_θν J)ᵀ v` (a d-vector) for an S×A vector `v`, by one adjoint solve (MATH.md §5, §6). */
export const mixedHessianTransposeVectorProductWith = (ctx: HessianContext, model: RewardModel, v: Readonly<Float64Array>): Float64Array => {
  checkModel(ctx.mdp, model);
  return rewardJacobianTransposeApply(model, rewardDirectionalGradientTransposeWith(ctx, v));
};

/** Dense `∇²_θν J`, `(S·A)×d` row-major, from a shared context: one multi-RHS solve, O(S²A·d) (MATH.md §6). */
export const mixedHessianFromContext = (ctx: HessianContext, model: RewardModel): Float64Array => {
  checkModel(ctx.mdp, model);
  const { mdp, ev, lu } = ctx;
  const { S, A, gamma } = mdp;
  const succ = successorsOf(mdp);
  const { pi, d } = ev;
  const dim = rewardDimension(model);
  const Jr = rewardJacobianDense(model);
  // B[s, i] = Σ_a π(a|s) J_r[s,a,i];  dV = M⁻¹ B (S×d)
  const B = new Float64Array(S * dim);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      const p = pi[s * A + a];
      if (p === 0) continue;
      const src = (s * A + a) * dim;
      for (let j = 0; j < dim; j++) B[s * dim + j] += p * Jr[src + j];
    }
  const dV = luSolveMany(lu, B, dim);
  const c = 1 / (1 - gamma);
  const out = new Float64Array(S * A * dim);
  const pdv = new Float64Array(dim);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      pdv.fill(0);
      for (let q = succ.offsets[i]; q < succ.offsets[i + 1]; q++) {
        const p = succ.prob[q];
        const t = succ.next[q];
        for (let j = 0; j < dim; j++) pdv[j] += p * dV[t * dim + j];
      }
      const f = d[s] * pi[i] * c;
      for (let j = 0; j < dim; j++) out[i * dim + j] = f * (Jr[i * dim + j] + gamma * pdv[j] - dV[s * dim + j]);
    }
  return out;
};

/** The exact mixed Hessian `∇²_θν J_λ(θ)` at `r = r_ν`, `(S·A)×d` row-major (MATH.md §5, §6). */
export const mixedHessianJ = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): Float64Array => mixedHessianFromContext(contextAt(mdp, model, nu, theta, lambda), model);

/** `∇²_θν J · w` (S×A) for a d-vector `w`, matrix-free (MATH.md §5, §6). */
export const mixedHessianVectorProduct = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  w: Readonly<Float64Array>,
): Float64Array => mixedHessianVectorProductWith(contextAt(mdp, model, nu, theta, lambda), model, w);

/** `(∇²_θν J)ᵀ v` (a d-vector) for an S×A vector `v`, matrix-free by one adjoint solve (MATH.md §5, §6). */
export const mixedHessianTransposeVectorProduct = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  v: Readonly<Float64Array>,
): Float64Array => mixedHessianTransposeVectorProductWith(contextAt(mdp, model, nu, theta, lambda), model, v);
