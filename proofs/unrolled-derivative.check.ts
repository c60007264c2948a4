/**
 * Checks of `unrolled-derivative.md`: the derivative of `ν ↦ F(ν, θ_K(ν))` through K
 * policy-gradient steps `θ_{k+1} = θ_k + β∇_θJ_λ(ν, θ_k)` from a fixed θ₀ — forward mode
 * (`Z_{k+1} = (I + βH_k)Z_k + βM_k`, dense, written here) = reverse mode (the route) = central
 * differences; the gauge; the truncated Neumann series from a warm start at θ*; and the convergence
 * to the PARL gradient at the rate `ρ = max|1 + βμ|` over the nonzero eigenvalues μ of H(θ*).
 *
 * Code under test: `unrolledHypergradient`, `exactHypergradient` (src/hypergradient/routes.ts).
 * Used as proven elsewhere: `policyGradient` (policy-gradient-entropy.md), `hessianJ`,
 * `mixedHessianJ` (hessian-at-optimum.md, implicit-route.md), `nuScoreImplicitDense`
 * (implicit-route.md), `evaluatePolicy` (visitation.md), `upperPartsAt` for the preference
 * utility (parl-gradient.md). F, ∂_νF and ∇_θF of the additive utilities are written here from
 * their definitions (MATH.md §4, §7).
 */
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { hessianJ } from '../src/hessian/hessian.js';
import { mixedHessianJ } from '../src/hessian/mixedHessian.js';
import { exactHypergradient, unrolledHypergradient } from '../src/hypergradient/routes.js';
import { lowerPointAt, solveLowerLevel, type LowerProblem } from '../src/lowerLevel/lowerSolution.js';
import type { Mdp } from '../src/mdp/types.js';
import { nuScoreImplicitDense } from '../src/nuScore/implicit.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import type { AdditiveUtility } from '../src/upperLevel/additive.js';
import { upperPartsAt, type UpperLevelSpec } from '../src/upperLevel/objective.js';
import { bradleyTerryTeacher } from '../src/upperLevel/types.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, kappa, l1, garnetCase, maxAbs, mdpOf, norm2, randomLogits, randomTable, right } from './support.js';


// ---------------------------------------------------------------------------------------------
// Cases and the upper objective F(ν, θ) at any θ

/** What F is: a fixed utility table, the reward itself (u_ν = r_ν), or preferences. */
type Upper = { readonly kind: 'fixed'; readonly u: Float64Array } | { readonly kind: 'reward' } | { readonly kind: 'preference'; readonly rTrue: Float64Array; readonly H: number };

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly upper: Upper;
  readonly beta: number;
}

const specOf = (c: Case): UpperLevelSpec => {
  const up = c.upper;
  if (up.kind === 'preference') return { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: up.rTrue, H: up.H };
  const utility: AdditiveUtility = up.kind === 'fixed'
    ? { kind: 'additive', u: up.u }
    : { kind: 'additive-nu', u: (v) => rewardOf(c.model, v), jacobianTransposeApply: (w) => jrT(c.model, w) };
  return { kind: 'additive', utility };
};

const problemOf = (c: Case, nu: Readonly<Float64Array> = c.nu): LowerProblem =>
  ({ mdp: c.mdp, model: c.model, nu, lambda: c.lambda, r: rewardOf(c.model, nu) });

/** `J_rᵀ w` from the model's definition (r = ν, or r = Φν). */
const jrT = (model: RewardModel, w: ArrayLike<number>): Float64Array => {
  if (model.kind === 'tabular') return Float64Array.from(w);
  const out = new Float64Array(model.k);
  for (let sa = 0; sa < model.S * model.A; sa++) for (let i = 0; i < model.k; i++) out[i] += w[sa] * model.features[sa * model.k + i];
  return out;
};

interface UpperAt {
  readonly F: number;
  /** ∂_ν F at fixed θ (d-vector). */
  readonly dNu: Float64Array;
  /** ∇_θ F (S·A). */
  readonly dTheta: Float64Array;
  /** Rounding bound of F, of each entry of ∂_νF and of ∇_θF. */
  readonly deltaF: number;
  readonly deltaGrad: number;
}

/**
 * F(ν, θ), ∂_νF and ∇_θF. Additive (MATH.md §4, §7): F = ρᵀV^π[u] (plain values, λ = 0),
 * ∇_θF = d∘π∘Adv_u/(1−γ) (the policy gradient theorem for u), ∂_νF = J_uᵀ(d∘π)/(1−γ) (zero for a
 * fixed table). Preference: the objective's parts (parl-gradient.md), ∇_θF[s,b] = w[s,b] − π(b|s)Σ_a w[s,a].
 * Rounding: the evaluation's two LU solves are within 8S·κ·ε of ‖V‖ (κ∞(I − γP_π) ≤ κ(γ)), and the
 * gradients carry that on Q and V, times d∘π/(1−γ) ≤ 1/(1−γ); the preference sum over n pairs is
 * within n·ε·max|U| (|U| ≤ |Δ| + log 2, |Δ| ≤ 2H·max|r_ν|), ∂_ν and w likewise with ‖J_r‖.
 */
const upperAt = (c: Case, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): UpperAt => {
  const { S, A, gamma } = c.mdp;
  const up = c.upper;
  if (up.kind === 'preference') {
    const point = right(lowerPointAt(c.mdp, c.model, nu, theta, c.lambda));
    const parts = right(upperPartsAt(specOf(c), point));
    const pi = point.evaluation.pi;
    const dTheta = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      let sw = 0;
      for (let a = 0; a < A; a++) sw += parts.scoreWeights[s * A + a];
      for (let a = 0; a < A; a++) dTheta[s * A + a] = parts.scoreWeights[s * A + a] - pi[s * A + a] * sw;
    }
    const pairs = (S * A) ** (2 * up.H); // at most (S·A)^H segments of length H, squared
    const Jscale = c.model.kind === 'linear' ? maxAbs(c.model.features) * c.model.k : 1;
    const uMax = 2 * up.H * maxAbs(point.r) + Math.LN2;
    return { F: parts.G, dNu: parts.gradGMyopic, dTheta, deltaF: pairs * EPS * uMax, deltaGrad: 4 * pairs * EPS * uMax * up.H * Jscale };
  }
  const r = rewardOf(c.model, nu);
  const u = up.kind === 'fixed' ? up.u : r;
  const ev = evaluatePolicy(c.mdp, u, theta, 0);
  const dTheta = new Float64Array(S * A);
  const occ = new Float64Array(S * A);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      occ[i] = (ev.d[s] * ev.pi[i]) / (1 - gamma);
      dTheta[i] = occ[i] * ev.adv[i];
    }
  const dNu = up.kind === 'fixed' ? new Float64Array(rewardDimension(c.model)) : jrT(c.model, occ);
  const scale = Math.max(1, maxAbs(ev.V), maxAbs(ev.Q));
  const Jscale = c.model.kind === 'linear' ? maxAbs(c.model.features) * c.model.k : 1;
  return { F: ev.J, dNu, dTheta, deltaF: 8 * S * kappa(gamma) * EPS * scale, deltaGrad: (16 * S * kappa(gamma) * EPS * scale * Jscale) / (1 - gamma) };
};

/**
 * Absolute rounding of one step `θ + β∇J` (per entry): the addition (2ε(|θ| + β|∇J|)) and ∇J's
 * own rounding, 8S·κ·ε of the scale of Q, V and λ log π, times d∘π/(1−γ).
 */
const stepRounding = (c: Case, theta: Readonly<Float64Array>): number => {
  const { S, A, gamma } = c.mdp;
  const ev = evaluatePolicy(c.mdp, rewardOf(c.model, c.nu), theta, c.lambda);
  const g = policyGradient(c.mdp, rewardOf(c.model, c.nu), theta, c.lambda);
  const scale = Math.max(1, maxAbs(ev.Q), maxAbs(ev.V), c.lambda * maxAbs(ev.logPi));
  return 2 * EPS * (maxAbs(theta) + c.beta * maxAbs(g)) + (c.beta * 8 * S * A * kappa(gamma) * EPS * scale) / (1 - gamma);
};

/** θ₀, …, θ_K with θ_{k+1} = θ_k + β·policyGradient(θ_k) at r_ν (MATH.md §8). */
const thetaPath = (c: Case, nu: Readonly<Float64Array>, theta0: Readonly<Float64Array>, K: number): Float64Array[] => {
  const r = rewardOf(c.model, nu);
  const out = [Float64Array.from(theta0)];
  for (let k = 0; k < K; k++) {
    const g = policyGradient(c.mdp, r, out[k], c.lambda);
    out.push(out[k].map((t, i) => t + c.beta * g[i]));
  }
  return out;
};

/** Dense n×n product and ‖·‖∞, ‖·‖₁ (max row / column sum). */
const matMul = (X: Float64Array, Y: Float64Array, n: number, m: number): Float64Array => {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let l = 0; l < n; l++) {
      const x = X[i * n + l];
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += x * Y[l * m + j];
    }
  return out;
};
const normInf = (X: Float64Array, n: number, m: number): number => {
  let best = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.abs(X[i * m + j]);
    best = Math.max(best, s);
  }
  return best;
};
const norm1 = (X: Float64Array, n: number): number => {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(X[i * n + j]);
    best = Math.max(best, s);
  }
  return best;
};

interface Forward {
  /** d/dν F(ν, θ_K(ν)) = ∂_νF(θ_K) + Z_Kᵀ∇_θF(θ_K). */
  readonly gradient: Float64Array;
  /** Z_K = dθ_K/dν, (S·A)×d. */
  readonly Z: Float64Array;
  /** Rounding bound of each entry of Z_K. */
  readonly zError: number;
  /** Bound of how far rounding in the θ path moves θ_K: Σ_k ‖P_k‖∞·(step rounding), P_k = T_{K−1}⋯T_{k+1}. */
  readonly thetaError: number;
  /** max_k max(‖P_k‖∞, ‖P_k‖₁): the largest amplification of a perturbation (either direction). */
  readonly amplification: number;
  readonly at: UpperAt;
}

/**
 * Forward mode along the given path θ₀…θ_K: `Z_0 = 0`, `Z_{k+1} = T_k Z_k + βM_k` with
 * `T_k = I + βH_k`, H_k = hessianJ, M_k = mixedHessianJ (dense). Rounding of step k: the
 * product T_kZ_k and the sum, (n + 2)ε·(‖T_k‖∞·max|Z_k| + β‖M_k‖∞), plus the rounding already in
 * H_k and M_k (each entry from LU solves: 8S·κ·ε of its row scale); it reaches Z_K through
 * P_k = T_{K−1}⋯T_{k+1}, so the bound is Σ_k ‖P_k‖∞·local_k (computed, not Π‖T‖).
 */
const forwardMode = (c: Case, path: ReadonlyArray<Float64Array>): Forward => {
  const { S, A, gamma } = c.mdp;
  const n = S * A;
  const d = rewardDimension(c.model);
  const r = rewardOf(c.model, c.nu);
  const K = path.length - 1;
  let Z = new Float64Array(n * d);
  const Ts: Float64Array[] = [];
  const local: number[] = [];
  const localTheta: number[] = [];
  for (let k = 0; k < K; k++) {
    const H = hessianJ(c.mdp, r, path[k], c.lambda);
    const M = mixedHessianJ(c.mdp, c.model, c.nu, path[k], c.lambda);
    const T = H.map((h, ij) => (Math.floor(ij / n) === ij % n ? 1 : 0) + c.beta * h);
    Ts.push(T);
    const HZ = matMul(H, Z, n, d);
    const next = Z.map((z, ij) => z + c.beta * (HZ[ij] + M[ij]));
    const Tn = normInf(T, n, n);
    local.push((n + 2) * EPS * (Tn * maxAbs(Z) + c.beta * normInf(M, n, d)) + c.beta * 8 * S * kappa(gamma) * EPS * (normInf(H, n, n) * maxAbs(Z) + normInf(M, n, d)));
    localTheta.push(stepRounding(c, path[k]));
    Z = next;
  }
  // backward accumulation of P_k = T_{K−1}⋯T_{k+1}
  let P: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) P[i * n + i] = 1;
  let zError = 0;
  let thetaError = 0;
  let amplification = 1;
  for (let k = K - 1; k >= 0; k--) {
    const Pn = normInf(P, n, n);
    amplification = Math.max(amplification, Pn, norm1(P, n));
    zError += Pn * local[k];
    thetaError += Pn * localTheta[k];
    P = matMul(P, Ts[k], n, n);
  }
  const at = upperAt(c, c.nu, path[K]);
  const gradient = Float64Array.from(at.dNu);
  for (let sa = 0; sa < n; sa++) for (let i = 0; i < d; i++) gradient[i] += Z[sa * d + i] * at.dTheta[sa];
  return { gradient, Z, zError, thetaError, amplification, at };
};

const identityCases: Case[] = (() => {
  const out: Case[] = [];
  {
    const { mdp, reward } = garnetCase(4, 3, 2, 61, 0.9);
    out.push({ name: 'garnet(4,3) γ=0.9 λ=0.5 tabular, fixed u', mdp, model: { kind: 'tabular', S: 4, A: 3 }, nu: Float64Array.from(reward), lambda: 0.5, upper: { kind: 'fixed', u: randomTable(12, 62, -1, 1) }, beta: 0.5 });
  }
  {
    const { mdp } = garnetCase(4, 3, 2, 63, 0.8);
    const model: RewardModel = { kind: 'linear', S: 4, A: 3, k: 3, features: randomTable(36, 64, -1, 1) };
    out.push({ name: 'garnet(4,3) γ=0.8 λ=0 (plain RL) linear k=3, u = r_ν', mdp, model, nu: randomTable(3, 65, -1, 1), lambda: 0, upper: { kind: 'reward' }, beta: 0.5 });
  }
  {
    const { mdp, reward } = garnetCase(3, 2, 2, 66, 0.8);
    const model: RewardModel = { kind: 'linear', S: 3, A: 2, k: 2, features: randomTable(12, 67, -1, 1) };
    out.push({ name: 'garnet(3,2) γ=0.8 λ=1 linear k=2, preferences (H = 2, β_BT = 1)', mdp, model, nu: randomTable(2, 68, -1, 1), lambda: 1, upper: { kind: 'preference', rTrue: Float64Array.from(reward), H: 2 }, beta: 0.5 });
  }
  return out;
})();

const KS = [0, 1, 8, 30];

describe('unrolled derivative (proofs/unrolled-derivative.md)', () => {
  it('the route takes the steps θ_{k+1} = θ_k + β∇_θJ(θ_k) (Step 1)', () => {
    for (const c of identityCases) {
      const theta0 = randomLogits(c.mdp.S * c.mdp.A, 70, 1);
      const r = rewardOf(c.model, c.nu);
      let prev = theta0;
      for (let K = 1; K <= 12; K++) {
        const t = right(unrolledHypergradient(specOf(c), problemOf(c), theta0, { K, beta: c.beta })).thetaK;
        const g = policyGradient(c.mdp, r, prev, c.lambda);
        // one step from the route's own θ_{K−1}: only that step's rounding separates them
        const tol = stepRounding(c, prev);
        for (let i = 0; i < t.length; i++) expect(Math.abs(t[i] - (prev[i] + c.beta * g[i])), `${c.name} K=${K} entry ${i}`).toBeLessThanOrEqual(tol);
        prev = t;
      }
    }
  });

  it('forward mode (dense Z_k) = reverse mode (unrolledHypergradient) = central differences of ν ↦ F(ν, θ_K(ν)) (Steps 1–3)', () => {
    let worstFR = 0;
    let worstFD = 0;
    let worstFDrel = 0;
    const h = EPS ** (1 / 3);
    for (const c of identityCases) {
      const d = rewardDimension(c.model);
      const theta0 = randomLogits(c.mdp.S * c.mdp.A, 71, 1);
      for (const K of KS) {
        const route = right(unrolledHypergradient(specOf(c), problemOf(c), theta0, { K, beta: c.beta }));
        // the forward mode runs on the route's own iterates (θ_k = the route's θ_K for K = k), so
        // both modes differentiate at the same points and differ only by their own rounding
        const path: Float64Array[] = [Float64Array.from(theta0)];
        for (let k = 1; k <= K; k++) path.push(right(unrolledHypergradient(specOf(c), problemOf(c), theta0, { K: k, beta: c.beta })).thetaK);
        const fw = forwardMode(c, path);
        // Tolerance, forward vs reverse: the forward rounding bound on Z_K contracted with ∇_θF
        // (‖∇_θF‖₁·zError + (n+1)ε·max|Z|·‖∇_θF‖₁), the rounding of ∇_θF and ∂_νF themselves
        // (deltaGrad, times Σ|Z| + 1), and the same again for the reverse recursion, which
        // multiplies by the transposed T_k (bounded by ‖P_k‖₁ ≤ amplification).
        const n = c.mdp.S * c.mdp.A;
        const gl1 = l1(fw.at.dTheta);
        const oneMode = gl1 * fw.zError + (n + 1) * EPS * maxAbs(fw.Z) * gl1 + fw.at.deltaGrad * (l1(fw.Z) + 1);
        const tolFR = 2 * fw.amplification * oneMode + 4 * (n + d) * EPS * maxAbs(fw.gradient);
        for (let i = 0; i < d; i++) {
          const err = Math.abs(route.gradient[i] - fw.gradient[i]);
          expect(err, `${c.name} K=${K} entry ${i}: route ${route.gradient[i]}, forward ${fw.gradient[i]}`).toBeLessThanOrEqual(tolFR);
          worstFR = Math.max(worstFR, err / tolFR);
        }
        // Central differences of f(ν) = F(ν, θ_K(ν)) with θ_K(ν) from policyGradient steps here.
        // Evaluation error δ: F's own rounding plus ‖∇_θF‖₁ times the θ-path rounding bound
        // (Σ_k ‖P_k‖∞·step rounding), doubled for the nodes ν ± h (their paths are within O(h)
        // of this one). Tolerance: rounding δ/h plus twice the a-posteriori truncation estimate
        // |D(h) − D(2h)|/3 (D(h) − f' = ch² + O(h⁴), so D(2h) − D(h) = 3ch²).
        const f = (v: Readonly<Float64Array>): number[] => [upperAt(c, v, thetaPath(c, v, theta0, K)[K]).F];
        const delta = 2 * (fw.at.deltaF + gl1 * fw.thetaError);
        const fd = numericJacobian(f, c.nu, 1, { order: 2 });
        const fd2 = numericJacobian(f, c.nu, 1, { order: 2, h: 2 * h });
        for (let i = 0; i < d; i++) {
          const tol = delta / h + (2 * Math.abs(fd[i] - fd2[i])) / 3;
          const err = Math.abs(route.gradient[i] - fd[i]);
          expect(err, `${c.name} K=${K} entry ${i}: route ${route.gradient[i]}, FD ${fd[i]}`).toBeLessThanOrEqual(tol);
          worstFD = Math.max(worstFD, err / tol);
          worstFDrel = Math.max(worstFDrel, err / Math.max(1e-300, maxAbs(route.gradient)));
        }
        if (K > 0) expect(maxAbs(route.gradient), `${c.name} K=${K}: non-vacuous`).toBeGreaterThan(1e-3);
      }
    }
    console.log(`forward = reverse: worst err/tol = ${worstFR.toExponential(2)}; reverse = central FD: worst err/tol = ${worstFD.toExponential(2)}, worst err / ‖grad‖∞ = ${worstFDrel.toExponential(2)}`);
  });

  it('gauge: θ_k keeps θ₀\'s row means, Z_k has zero row sums, F ignores per-state constants (Step 4)', () => {
    let worstMean = 0;
    let worstZ = 0;
    let worstF = 0;
    for (const c of identityCases) {
      const { S, A } = c.mdp;
      const d = rewardDimension(c.model);
      const theta0 = randomLogits(S * A, 72, 2);
      const K = 30;
      const path = thetaPath(c, c.nu, theta0, K);
      const route = right(unrolledHypergradient(specOf(c), problemOf(c), theta0, { K, beta: c.beta }));
      // Row means are not amplified (1_sᵀT_k = 1_sᵀ up to rounding): the drift is the sum of each
      // step's rounding (addition and Σ_a ∇J = −d(s)·residual/(1−γ), inside stepRounding).
      let drift = 0;
      for (let k = 0; k < K; k++) drift += stepRounding(c, path[k]);
      for (let s = 0; s < S; s++) {
        let m0 = 0;
        let mK = 0;
        for (let a = 0; a < A; a++) {
          m0 += theta0[s * A + a] / A;
          mK += route.thetaK[s * A + a] / A;
        }
        expect(Math.abs(mK - m0), `${c.name} state ${s}`).toBeLessThanOrEqual(drift);
        worstMean = Math.max(worstMean, Math.abs(mK - m0) / drift);
      }
      // Z_k's rows: 1_sᵀZ_{k+1} = 1_sᵀZ_k + β(1_sᵀH_kZ_k + 1_sᵀM_k) and both 1_sᵀH, 1_sᵀM vanish:
      // each row sum is within A times the entrywise rounding bound of Z (plus A·ε·max|Z| for the sum)
      const fw = forwardMode(c, path);
      const tolZ = A * (fw.zError + EPS * maxAbs(fw.Z)) + 1e-300;
      for (let s = 0; s < S; s++)
        for (let i = 0; i < d; i++) {
          let sum = 0;
          for (let a = 0; a < A; a++) sum += fw.Z[(s * A + a) * d + i];
          expect(Math.abs(sum), `${c.name} Z row sum s=${s} i=${i}`).toBeLessThanOrEqual(tolZ);
          worstZ = Math.max(worstZ, Math.abs(sum) / tolZ);
        }
      // F(ν, θ + c·1_s) = F(ν, θ): π changes only by the rounding of θ + c (2ε(|θ| + |c|) per
      // logit, moving F by ≤ ‖∇_θF‖₁ times that), plus both evaluations' own rounding
      const shift = randomLogits(S, 73, 5);
      const shifted = route.thetaK.map((t, i) => t + shift[Math.floor(i / A)]);
      const a0 = upperAt(c, c.nu, route.thetaK);
      const a1 = upperAt(c, c.nu, shifted);
      const tolF = 2 * a0.deltaF + 4 * l1(a0.dTheta) * EPS * (maxAbs(route.thetaK) + maxAbs(shift));
      expect(Math.abs(a1.F - a0.F), c.name).toBeLessThanOrEqual(tolF);
      worstF = Math.max(worstF, Math.abs(a1.F - a0.F) / tolF);
    }
    console.log(`gauge: row-mean drift / bound = ${worstMean.toExponential(2)}; Z row sums / bound = ${worstZ.toExponential(2)}; F shift / bound = ${worstF.toExponential(2)}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Convergence to the PARL gradient (Steps 5–6)

/**
 * Garnet(4, 2, branching 2, seed 1, γ = 0.9), λ = 1, tabular, a fixed utility. With A = 2 the
 * block of H(θ*) for state s is `−λ/(1−γ)·d*(s)·π0π1·[[1, −1], [−1, 1]]` (hessian-at-optimum.md):
 * eigenvector v_s = (e_{s0} − e_{s1})/√2, eigenvalue μ_s = −2λ·d*(s)·π*(0|s)π*(1|s)/(1−γ), plus the
 * gauge (0). β = 1/(2 max|μ_s|), so every 1 + βμ_s lies in [½, 1) and ρ = max_s(1 + βμ_s).
 */
const rateSetup = (() => {
  let cache: ReturnType<typeof build> | undefined;
  const build = () => {
    const { mdp, reward } = garnetCase(4, 2, 2, 1, 0.9);
    const { S, A, gamma } = mdp;
    const lambda = 1;
    const model: RewardModel = { kind: 'tabular', S, A };
    const nu = Float64Array.from(reward);
    const u = randomTable(S * A, 7, -1, 1);
    const sol = right(solveLowerLevel(mdp, model, nu, lambda));
    const ev = sol.evaluation;
    const mu = Array.from({ length: S }, (_, s) => (-2 * lambda * ev.d[s] * ev.pi[s * A] * ev.pi[s * A + 1]) / (1 - gamma));
    const beta = 1 / (2 * Math.max(...mu.map(Math.abs)));
    const c: Case = { name: 'garnet(4,2) seed 1 γ=0.9 λ=1', mdp, model, nu, lambda, upper: { kind: 'fixed', u }, beta };
    const tau = mu.map((m) => 1 + beta * m);
    const rho = Math.max(...tau);
    const sMax = tau.indexOf(rho);
    const rho2 = Math.max(...tau.filter((_, s) => s !== sMax));
    const d = S * A;
    const g = upperAt(c, nu, sol.theta).dTheta;
    const M = mixedHessianJ(mdp, model, nu, sol.theta, lambda);
    // error vector of mode s: (v_sᵀg)(Mᵀv_s)/μ_s = ((g_{s0} − g_{s1})/2)(M_{s0,:} − M_{s1,:})/μ_s
    const coef = mu.map((m, s) => Float64Array.from({ length: d }, (_, i) => (((g[2 * s] - g[2 * s + 1]) / 2) * (M[2 * s * d + i] - M[(2 * s + 1) * d + i])) / m));
    // Z* = −H^†M: rows s0, s1 are ∓(M_{s0,:} − M_{s1,:})/(2μ_s)
    const Zstar = new Float64Array(d * d);
    for (let s = 0; s < S; s++)
      for (let i = 0; i < d; i++) {
        const v = (M[2 * s * d + i] - M[(2 * s + 1) * d + i]) / (2 * mu[s]);
        Zstar[2 * s * d + i] = -v;
        Zstar[(2 * s + 1) * d + i] = v;
      }
    const exact = right(exactHypergradient(specOf(c), sol)).gradient;
    return { c, sol, mu, beta, tau, rho, sMax, rho2, coef, Zstar, M, g, exact };
  };
  return () => (cache ??= build());
})();

describe('convergence of the unrolled derivative to the PARL gradient (proofs/unrolled-derivative.md)', () => {
  it('warm start at θ*: the error is the Neumann tail Σ_s (1+βμ_s)^K (v_sᵀ∇_θF)(Mᵀv_s)/μ_s, decaying at rate ρ (Step 5)', () => {
    const { c, sol, mu, tau, rho, sMax, coef, M, g, Zstar, exact } = rateSetup();
    const { S, gamma } = c.mdp;
    const n = S * 2;
    const predicted = (K: number): Float64Array => {
      const out = new Float64Array(n);
      for (let s = 0; s < S; s++) for (let i = 0; i < n; i++) out[i] += tau[s] ** K * coef[s][i];
      return out;
    };
    // Floor of |(route − exact) − predicted|: (i) θ* is optimal up to ‖Adv*‖, so the computed H
    // differs from the closed-form blocks by δH ≤ 4‖Adv*‖/(1−γ)² + (8Sκ+16)ε·2λ/(1−γ)
    // (hessian-at-optimum.md), which moves τ_s^K by K·β·δH·τ_s^{K−1} and 1/μ_s by δH/μ_s²;
    // (ii) the exact route's ψ vs −H^†M: ‖Adv*‖·‖Z*‖/λ per unit of ‖∇_θF‖₁ (implicit-route.md)
    // plus 4nε; (iii) the recursions' rounding, (K + 1/(1−ρ))·(n + d)·κ·ε·β‖M‖∞‖∇_θF‖₁.
    const advMax = maxAbs(sol.evaluation.adv);
    const dH = (4 * advMax) / (1 - gamma) ** 2 + (8 * S * kappa(gamma) + 16) * EPS * ((2 * c.lambda) / (1 - gamma));
    const floor = (K: number): number => {
      let f = 0;
      for (let s = 0; s < S; s++) f += maxAbs(coef[s]) * (K * c.beta * dH * tau[s] ** Math.max(0, K - 1) + (tau[s] ** K * dH) / Math.abs(mu[s]));
      const zMax = maxAbs(Zstar);
      f += (((advMax * zMax) / c.lambda + 4 * n * EPS * zMax) * l1(g)) / (1 - gamma);
      f += (K + 1 / (1 - rho)) * 2 * n * kappa(gamma) * EPS * c.beta * normInf(M, n, n) * l1(g);
      return f;
    };
    const K1 = 40;
    const K2 = 80;
    const err = (K: number): Float64Array => {
      const route = right(unrolledHypergradient(specOf(c), problemOf(c), sol.theta, { K, beta: c.beta }));
      return route.gradient.map((x, i) => x - exact[i]);
    };
    let worst = 0;
    for (const K of [0, 1, 5, K1, K2]) {
      const e = err(K);
      const p = predicted(K);
      const tol = floor(K);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(e[i] - p[i]), `K=${K} entry ${i}: error ${e[i]}, predicted ${p[i]}`).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, Math.abs(e[i] - p[i]) / tol);
      }
    }
    // Observed rate between K1 and K2 vs ρ. ‖e(K)‖ = ρ^K‖c_1 + Σ_{s≠1}(τ_s/ρ)^K c_s‖ ∈ ρ^K‖c_1‖[1 − R(K), 1 + R(K)]
    // with R(K) = Σ_{s≠1}(τ_s/ρ)^K‖c_s‖/‖c_1‖ (2-norms), and the floor adds ±floor(K)/‖e(K)‖; so
    // |ln(r_obs/ρ)| ≤ [ln(1 + R(K2) + φ2) − ln(1 − R(K1) − φ1)]/(K2 − K1), φ = floor/(ρ^K‖c_1‖).
    const e1 = norm2(err(K1));
    const e2 = norm2(err(K2));
    const rObs = (e2 / e1) ** (1 / (K2 - K1));
    const R = (K: number): number => {
      let acc = 0;
      for (let s = 0; s < S; s++) if (s !== sMax) acc += (tau[s] / rho) ** K * norm2(coef[s]);
      return acc / norm2(coef[sMax]);
    };
    const phi = (K: number): number => (Math.sqrt(n) * floor(K)) / (rho ** K * norm2(coef[sMax]));
    const bound = (Math.log1p(R(K2) + phi(K2)) - Math.log1p(-(R(K1) + phi(K1)))) / (K2 - K1);
    console.log(`warm start: (route − exact) vs Neumann tail, worst |diff|/floor = ${worst.toExponential(2)}; observed rate ${rObs.toFixed(12)} vs ρ = ${rho.toFixed(12)} (|ln ratio| = ${Math.abs(Math.log(rObs / rho)).toExponential(2)} ≤ ${bound.toExponential(2)}); μ_s = ${mu.map((m) => m.toFixed(4)).join(', ')}, β = ${c.beta.toFixed(4)}, τ_s = 1 + βμ_s = ${tau.map((t) => t.toFixed(4)).join(', ')}`);
    expect(Math.abs(Math.log(rObs / rho))).toBeLessThanOrEqual(bound);
  });

  it('cold start: θ_K → θ* (θ₀\'s gauge), Z_K → −H^†M, error ~ (a + bK)ρ^K (Step 6)', () => {
    const { c, sol, rho, rho2, Zstar, exact } = rateSetup();
    const { S, A } = c.mdp;
    const n = S * A;
    const theta0 = randomLogits(n, 11, 1);
    const K1 = 160;
    const K2 = 300;
    // θ₀'s gauge representative of θ*: θ̄*[s,a] = θ*[s,a] − mean_s(θ*) + mean_s(θ₀)
    const thetaBar = Float64Array.from(sol.theta);
    for (let s = 0; s < S; s++) {
      let m = 0;
      for (let a = 0; a < A; a++) m += (theta0[s * A + a] - sol.theta[s * A + a]) / A;
      for (let a = 0; a < A; a++) thetaBar[s * A + a] += m;
    }
    const at = (K: number) => right(unrolledHypergradient(specOf(c), problemOf(c), theta0, { K, beta: c.beta }));
    const r1 = at(K1);
    const r2 = at(K2);
    const dTheta1 = maxAbs(r1.thetaK.map((t, i) => t - thetaBar[i]));
    const dTheta2 = maxAbs(r2.thetaK.map((t, i) => t - thetaBar[i]));
    const e1 = norm2(r1.gradient.map((x, i) => x - exact[i]));
    const e2 = norm2(r2.gradient.map((x, i) => x - exact[i]));
    // Z_K from the forward mode on this path, against Z* = −H^†M (closed form above, and the
    // dense implicit route's gauge-free ∇_νθ*, which it must equal: implicit-route.md)
    const path = thetaPath(c, c.nu, theta0, K2);
    const z1 = maxAbs(forwardMode(c, path.slice(0, K1 + 1)).Z.map((z, i) => z - Zstar[i]));
    const z2 = maxAbs(forwardMode(c, path).Z.map((z, i) => z - Zstar[i]));
    const implicit = nuScoreImplicitDense(c.mdp, c.model, c.nu, sol.theta, c.lambda).gradThetaStar;
    expect(maxAbs(implicit.map((x, i) => x - Zstar[i]))).toBeLessThanOrEqual(1e-9 * maxAbs(Zstar));
    const dK = K2 - K1;
    const rate = (a: number, b: number): number => (b / a) ** (1 / dK);
    // Premise: the transient is over by K1 (linear regime): ‖θ_{K1} − θ̄*‖∞ ≤ 1e-3.
    expect(dTheta1).toBeLessThanOrEqual(1e-3);
    // Prediction. θ: δ_{k+1} = T δ_k + O(‖δ_k‖²), so ‖δ_K‖ ∝ ρ^K up to a relative O(‖δ_{K1}‖) and
    // subdominant modes (ρ₂/ρ)^{K1}. Z and the hypergradient: the pair (δ_k, Z_k − Z*) evolves by
    // the block-triangular [[T, 0], [βL, T]], a Jordan block per eigenvalue, so their error is
    // (a + bK)ρ^K: the two-point rate lies between ρ and ρ·(K2/K1)^{1/ΔK}, up to the
    // time-shift term |a/b|/(K1·K2) per step, ≤ 1/K2 while |a/b| ≤ K1 (the transient is shorter
    // than K1 — the premise above). Slack: 1/K2 + (ρ₂/ρ)^{K1}·K1 + ‖δ_{K1}‖∞.
    const slack = 1 / K2 + (rho2 / rho) ** K1 * K1 + dTheta1;
    const jordan = Math.log(K2 / K1) / dK;
    const inBracket = (r: number, withJordan: boolean): boolean => {
      const x = Math.log(r / rho);
      return x >= -slack && x <= (withJordan ? jordan : 0) + slack;
    };
    const rates = { theta: rate(dTheta1, dTheta2), Z: rate(z1, z2), grad: rate(e1, e2) };
    const corrected = rates.grad / Math.exp(jordan); // ((e2/K2)/(e1/K1))^{1/ΔK}: the Jordan factor removed
    console.log(`cold start: ρ = ${rho.toFixed(6)}, ρ·(K2/K1)^{1/ΔK} = ${(rho * Math.exp(jordan)).toFixed(6)}, slack ${slack.toExponential(2)}; observed rates θ ${rates.theta.toFixed(6)}, Z ${rates.Z.toFixed(6)}, hypergradient ${rates.grad.toFixed(6)} (K-corrected ${corrected.toFixed(6)}); errors at K = ${K1}, ${K2}: θ ${dTheta1.toExponential(2)} → ${dTheta2.toExponential(2)}, hypergradient ${e1.toExponential(2)} → ${e2.toExponential(2)}`);
    expect(inBracket(rates.theta, false), `θ rate ${rates.theta}`).toBe(true);
    expect(inBracket(rates.Z, true), `Z rate ${rates.Z}`).toBe(true);
    expect(inBracket(rates.grad, true), `hypergradient rate ${rates.grad}`).toBe(true);
    // the Jordan factor is real: v(K) = (g_K − ∇G)/ρ^K is affine in K, v = a + bK with b ≠ 0 (unlike
    // θ's error, whose v is constant). Three points: the third is predicted from the first two to 5%
    // (the subdominant modes (ρ₂/ρ)^{K1} and the quadratic term ‖δ_{K1}‖ are far below that), and
    // the slope moves v by at least 10% over the interval (b is not a rounding artefact).
    const Km = (K1 + K2) / 2;
    const vOf = (K: number, g: Readonly<Float64Array>): Float64Array => g.map((x, i) => (x - exact[i]) / rho ** K);
    const v1 = vOf(K1, r1.gradient);
    const vm = vOf(Km, at(Km).gradient);
    const v2 = vOf(K2, r2.gradient);
    const b = vm.map((x, i) => (x - v1[i]) / (Km - K1));
    const predicted = vm.map((x, i) => x + b[i] * (K2 - Km));
    expect(norm2(predicted.map((x, i) => x - v2[i]))).toBeLessThanOrEqual(0.05 * norm2(v2));
    expect(norm2(b) * (K2 - K1)).toBeGreaterThanOrEqual(0.1 * norm2(v2));
  });
});

// ---------------------------------------------------------------------------------------------
// Symbolically (mathjs): a bandit, K = 3

describe('unrolled derivative, symbolically (mathjs)', () => {
  it('bandit (S = 1, A = 2): d/dν F(ν, θ_3(ν)) by math.derivative of the composed steps equals the route', () => {
    // One state, a self-loop: J = Σ_a π_a(ν_a − λ log π_a)/(1−γ) and, with x = θ_0 − θ_1 (the
    // gauge-free coordinate), ∂J/∂θ_0 = −∂J/∂θ_1 = J'(x) = p(1 − p)(ν_0 − ν_1 − λx)/(1−γ),
    // p = σ(x). So x_{k+1} = x_k + 2βJ'(x_k). F = Σ_a π_a u_a(ν)/(1−γ), u(ν) = (ν_0ν_1, ν_1 + ½).
    const gamma = 0.5;
    const lambda = 0.7;
    const beta = 0.9;
    const mdp = mdpOf(1, 2, gamma, [1, 1], [1]);
    const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };
    const spec: UpperLevelSpec = {
      kind: 'additive',
      utility: { kind: 'additive-nu', u: (v) => Float64Array.of(v[0] * v[1], v[1] + 0.5), jacobianTransposeApply: (w, v) => Float64Array.of(w[0] * v[1], w[0] * v[0] + w[1]) },
    };
    const p = (x: string): string => `(1 / (1 + exp(-(${x}))))`;
    const Jx = `(${p('x')} * (n0 - lam * log(${p('x')})) + (1 - ${p('x')}) * (n1 - lam * log(1 - ${p('x')}))) / (1 - gam)`;
    const dJ = (x: string): string => `(${p(x)} * (1 - ${p(x)}) * (n0 - n1 - lam * (${x})) / (1 - gam))`;
    // the hand-derived J' is J's derivative (mathjs), at a few points
    const dJsym = derivative(parse(Jx), 'x', { simplify: false }).compile();
    const dJhand = parse(dJ('x')).compile();
    for (const x of [-1.3, 0.2, 2.1]) {
      const scope = { x, n0: 0.4, n1: -0.3, lam: lambda, gam: gamma };
      const a = dJsym.evaluate(scope) as number;
      expect(Math.abs(a - (dJhand.evaluate(scope) as number))).toBeLessThanOrEqual(64 * EPS * (1 + Math.abs(a)) / (1 - gamma));
    }
    let worst = 0;
    for (const [t0, t1] of [[0.3, -0.5], [-1.2, 0.4], [2, 2.5]]) {
      let x = `(${t0} - ${t1})`;
      for (let k = 0; k < 3; k++) x = `(${x} + 2 * ${beta} * ${dJ(x)})`;
      const F = parse(`(${p(x)} * n0 * n1 + (1 - ${p(x)}) * (n1 + 0.5)) / (1 - gam)`);
      const dF = [0, 1].map((i) => derivative(F, `n${i}`, { simplify: false }).compile());
      for (const nu of [Float64Array.of(0.4, -0.3), Float64Array.of(-0.8, 1.1)]) {
        const scope = { n0: nu[0], n1: nu[1], lam: lambda, gam: gamma };
        const problem: LowerProblem = { mdp, model, nu, lambda, r: rewardOf(model, nu) };
        const route = right(unrolledHypergradient(spec, problem, Float64Array.of(t0, t1), { K: 3, beta }));
        // Both evaluate the same smooth composition (three steps, values ≤ |u|/(1−γ) ≈ 3): rounding
        // of a few hundred operations, amplified by the steps' derivative |1 + 2βJ''| ≤ 1 + 2β/(1−γ)
        // per step: 256ε·(1 + 2β/(1−γ))³·scale.
        const scale = (1 + maxAbs(nu) ** 2 + 0.5) / (1 - gamma) * (1 + 1 / lambda);
        const tol = 256 * EPS * (1 + (2 * beta) / (1 - gamma)) ** 3 * scale;
        for (let i = 0; i < 2; i++) {
          const sym = dF[i].evaluate(scope) as number;
          const err = Math.abs(route.gradient[i] - sym);
          expect(err, `θ₀ = (${t0}, ${t1}) ν = ${nu} entry ${i}: route ${route.gradient[i]}, mathjs ${sym}`).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
        }
      }
    }
    console.log(`bandit, K = 3, symbolic: worst err/tol = ${worst.toExponential(2)}`);
  });
});
