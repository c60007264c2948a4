/**
 * The dense Hessian `∇²_θθ J_λ(θ)` of the softmax objective (MATH.md §4, §6), column by column
 * from exact Hessian-vector products on unit vectors (one evaluation, one LU factorisation).
 *
 * Layout: `(S·A)×(S·A)` row-major, entry `(i, j) = ∂²J/∂θ_i∂θ_j` at `i·(S·A) + j`, with
 * `i = s*A + a` (MATH.md §1). The result is returned as computed, *not* symmetrised: in exact
 * arithmetic it is symmetric, in float64 `H − Hᵀ` is rounding (tests bound it); symmetrise
 * with `(H + Hᵀ)/2` if a consumer needs exact symmetry.
 *
 * It is singular: `H · e_gauge(s) = 0` for every state (MATH.md §2, the gauge), and every
 * row and column of a state with `d_ρ^π(s) = 0` vanishes (MATH.md §6).
 */
import type { Mdp } from '../mdp/types.js';
import { hessianContext, hessianVectorProductWith, type HessianContext } from './hessianVectorProduct.js';

/** Dense `∇²_θθ J` from a shared context, columns = HVPs on unit vectors, O(S³A²) (MATH.md §6). */
export const hessianFromContext = (ctx: HessianContext): Float64Array => {
  const n = ctx.mdp.S * ctx.mdp.A;
  const H = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e[j] = 1;
    const col = hessianVectorProductWith(ctx, e);
    e[j] = 0;
    for (let i = 0; i < n; i++) H[i * n + j] = col[i];
  }
  return H;
};

/** The exact dense Hessian `∇²_θθ J_λ(θ)`, `(S·A)×(S·A)` row-major, not symmetrised (MATH.md §4, §6). */
export const hessianJ = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
): Float64Array => hessianFromContext(hessianContext(mdp, r, theta, lambda));
