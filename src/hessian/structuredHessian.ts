/**
 * The dense Hessian `∇²_θθ J_λ(θ)` in closed form (MATH.md §4, §6): the HVP of
 * hessianVectorProduct.ts applied to a unit vector `e_j`, j = (s', a'), written out once for all j.
 *
 * With `c = 1/(1−γ)`, `β_i = π_i Adv_i`, `κ_i = d(s_i) π_i` (i = (s_i, a_i)), `M = I − γP_π` and
 * `G[i, t] = γ (P M⁻¹)[i, t] − M⁻¹[s_i, t]` (an (S·A)×S matrix):
 *
 *   H[i, j] = c·( β_i κ_j G[j, s_i] + κ_i β_j G[i, s_j]
 *                 + [s_i = s_j] d(s_i) (π_i (Adv_i − λ) [i = j] + λ π_i π_j) ).
 *
 * Derivation from the HVP along `v = e_j`: `u = e_j − π_j 1_{s_j}` on state s_j only;
 * `b = β_j e_{s_j}` (since `Σ_a π Adv = 0`), so `dV = β_j M⁻¹ e_{s_j}` and `P dV = β_j (P M⁻¹)[:, s_j]`;
 * `dP_πᵀ d = κ_j (P[j, :] − P_π[s_j, :])ᵀ` and `γ M⁻ᵀ P_πᵀ = M⁻ᵀ − I`, so
 * `dd[s] = κ_j (γ (P M⁻¹)[j, s] − M⁻¹[s_j, s] + [s = s_j])`. Substituting in
 * `dg_i = c π_i ((dd[s_i] + d u_i) Adv_i + d (γ (P dV)_i − λ u_i − dV[s_i]))` and collecting the
 * `[s_i = s_j]` terms gives the formula, which is manifestly symmetric (the two G terms swap). At an
 * optimum Adv = 0, so β = 0 and H = −cλ blockdiag d(s)(diag π_s − π_s π_sᵀ) (proofs/hessian-at-optimum.md).
 *
 * Cost: M⁻¹ by S solves with the evaluation's LU (O(S³)), P M⁻¹ through the successor lists
 * (O(S·A·branching·S)), then O(1) per entry: O(S³ + (S·A)²), against O(S³A²) for
 * `hessianFromContext`'s S·A Hessian-vector products.
 */
import { luSolveMany } from '../linalg/index.js';
import { successorsOf } from '../mdp/successors.js';
import type { HessianContext } from './hessianVectorProduct.js';

/** `∇²_θθ J` as a dense `(S·A)×(S·A)` row-major matrix from the closed form above (MATH.md §6), symmetric by construction. */
export const hessianStructuredFromContext = (ctx: HessianContext): Float64Array => {
  const { mdp, lambda, ev, lu } = ctx;
  const { S, A, gamma } = mdp;
  const n = S * A;
  const c = 1 / (1 - gamma);
  const { pi, adv, d } = ev;
  const identity = new Float64Array(S * S);
  for (let s = 0; s < S; s++) identity[s * S + s] = 1;
  const Minv = luSolveMany(lu, identity, S);
  // G = γ P M⁻¹ − M⁻¹[s_i, :]
  const { offsets, next, prob } = successorsOf(mdp);
  const G = new Float64Array(n * S);
  for (let i = 0; i < n; i++) {
    const row = i * S;
    for (let k = offsets[i]; k < offsets[i + 1]; k++) {
      const p = gamma * prob[k];
      const m = next[k] * S;
      for (let t = 0; t < S; t++) G[row + t] += p * Minv[m + t];
    }
    const m = Math.floor(i / A) * S;
    for (let t = 0; t < S; t++) G[row + t] -= Minv[m + t];
  }
  const beta = new Float64Array(n);
  const kappa = new Float64Array(n);
  const stateOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const si = Math.floor(i / A);
    stateOf[i] = si;
    beta[i] = pi[i] * adv[i];
    kappa[i] = d[si] * pi[i];
  }
  // Gᵀ (S×(S·A)) so that G[j, s_i] for j = 0…i is read contiguously
  const GT = new Float64Array(S * n);
  for (let j = 0; j < n; j++) for (let t = 0; t < S; t++) GT[t * n + j] = G[j * S + t];
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const si = stateOf[i];
    const rowI = i * S;
    const colSi = si * n;
    const bi = beta[i];
    const ki = kappa[i];
    const rowH = i * n;
    for (let j = 0; j <= i; j++) {
      const h = c * (bi * kappa[j] * GT[colSi + j] + ki * beta[j] * G[rowI + stateOf[j]]);
      H[rowH + j] = h;
      H[j * n + i] = h;
    }
    // the block of state s_i: d(s)(π_i(Adv_i − λ)[i = j] + λπ_iπ_j), added to both triangles
    const o = si * A;
    const ds = d[si];
    for (let j = o; j <= i; j++) {
      const h = H[rowH + j] + c * ds * (lambda * pi[i] * pi[j] + (i === j ? pi[i] * (adv[i] - lambda) : 0));
      H[rowH + j] = h;
      H[j * n + i] = h;
    }
  }
  return H;
};
