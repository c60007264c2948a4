/**
 * Checks of `penalty-gradient.md`: the value-gap penalty
 * `Φ_σ(ν) = max_θ [F(ν, θ) + σJ_λ(ν, θ)] − σJ*_λ(ν)` (Shen, Yang & Chen 2024), its Danskin gradient
 * `∂_νF(θ_σ) + σ(∂_νJ_λ(θ_σ) − ∂_νJ_λ(θ*))` with `∂_νJ_λ = J_rᵀ(d∘π)/(1−γ)`, the limit σ → ∞
 * (`θ_σ − θ* = θ₁/σ + O(σ⁻²)`, bias `C/σ + O(σ⁻²)` with `C = ∇_ν φ₁`,
 * `φ₁ = E_{d*,π*}[D_F²]/(2λ(1−γ))`), and the inner natural-gradient iteration (soft policy
 * iteration for the σJ part).
 *
 * Code under test: `firstOrderHypergradient`, `exactHypergradient` (src/hypergradient/routes.ts).
 * Φ_σ is computed here with its own inner solve: for an additive utility the soft optimum of the
 * tilted reward r_ν + u_ν/σ (`softOptimum`, Step 2), for preferences Newton's method on F + σJ.
 * Used as proven elsewhere: `evaluatePolicy` (visitation.md), `policyGradient`
 * (policy-gradient-entropy.md), `hessianJ` (hessian-at-optimum.md), `upperPartsAt` for the
 * preference utility (parl-gradient.md), `softOptimum` (nu-score-closed-form.md, Step 1).
 */
import { all, create, derivative, lusolve, parse, type MathNode } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { hessianJ } from '../src/hessian/hessian.js';
import { exactHypergradient, firstOrderHypergradient } from '../src/hypergradient/routes.js';
import { lowerPointAt, solveLowerLevel } from '../src/lowerLevel/lowerSolution.js';
import type { Mdp } from '../src/mdp/types.js';
import { mixedHessianJ } from '../src/hessian/mixedHessian.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import type { AdditiveUtility } from '../src/upperLevel/additive.js';
import { upperPartsAt, type UpperLevelSpec } from '../src/upperLevel/objective.js';
import { bradleyTerryTeacher } from '../src/upperLevel/types.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, kappa, l1, garnetCase, maxAbs, mdpOf, randomLogits, randomTable, right, softOpt } from './support.js';


// ---------------------------------------------------------------------------------------------
// Cases, F and ∂_νJ written from the definitions

type Upper = { readonly kind: 'fixed'; readonly u: Float64Array } | { readonly kind: 'reward' } | { readonly kind: 'preference'; readonly rTrue: Float64Array; readonly H: number };

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly upper: Upper;
}

/** `J_rᵀ w` from the model's definition. */
const jrT = (model: RewardModel, w: ArrayLike<number>): Float64Array => {
  if (model.kind === 'tabular') return Float64Array.from(w);
  const out = new Float64Array(model.k);
  for (let sa = 0; sa < model.S * model.A; sa++) for (let i = 0; i < model.k; i++) out[i] += w[sa] * model.features[sa * model.k + i];
  return out;
};
const jScale = (model: RewardModel): number => (model.kind === 'linear' ? maxAbs(model.features) * model.k : 1);

const specOf = (c: Case): UpperLevelSpec => {
  const up = c.upper;
  if (up.kind === 'preference') return { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: up.rTrue, H: up.H };
  const utility: AdditiveUtility = up.kind === 'fixed'
    ? { kind: 'additive', u: up.u }
    : { kind: 'additive-nu', u: (v) => rewardOf(c.model, v), jacobianTransposeApply: (w) => jrT(c.model, w) };
  return { kind: 'additive', utility };
};

/** u_ν of an additive case. */
const utilityOf = (c: Case, nu: Readonly<Float64Array>): Float64Array => (c.upper.kind === 'fixed' ? c.upper.u : rewardOf(c.model, nu));

interface UpperAt {
  readonly F: number;
  readonly dNu: Float64Array;
  /** ∇_θF, S×A. */
  readonly dTheta: Float64Array;
  /** D_F = (1−γ)∇_θF/(d∘π): the Fisher-preconditioned ∇_θF (Step 6). */
  readonly DF: Float64Array;
}

/** F(ν, θ), ∂_νF, ∇_θF: additive from plain values of u_ν under π_θ (MATH.md §4, §7); preferences from the objective's parts. */
const upperAt = (c: Case, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): UpperAt => {
  const { S, A, gamma } = c.mdp;
  const n = S * A;
  const dTheta = new Float64Array(n);
  const DF = new Float64Array(n);
  if (c.upper.kind === 'preference') {
    const point = right(lowerPointAt(c.mdp, c.model, nu, theta, c.lambda));
    const parts = right(upperPartsAt(specOf(c), point));
    const { pi, d } = point.evaluation;
    for (let s = 0; s < S; s++) {
      let sw = 0;
      for (let a = 0; a < A; a++) sw += parts.scoreWeights[s * A + a];
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        dTheta[i] = parts.scoreWeights[i] - pi[i] * sw;
        DF[i] = ((1 - gamma) * dTheta[i]) / (d[s] * pi[i]);
      }
    }
    return { F: parts.G, dNu: parts.gradGMyopic, dTheta, DF };
  }
  const u = utilityOf(c, nu);
  const ev = evaluatePolicy(c.mdp, u, theta, 0);
  const occ = new Float64Array(n);
  for (let s = 0; s < S; s++)
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      occ[i] = (ev.d[s] * ev.pi[i]) / (1 - gamma);
      dTheta[i] = occ[i] * ev.adv[i];
      DF[i] = ev.adv[i];
    }
  return { F: ev.J, dNu: c.upper.kind === 'fixed' ? new Float64Array(rewardDimension(c.model)) : jrT(c.model, occ), dTheta, DF };
};

/** `∂_νJ_λ(ν, θ) = J_rᵀ(d∘π)/(1−γ)`: J is linear in r with ∂J/∂r[s,a] = d(s)π(a|s)/(1−γ) (Step 3). */
const occupancyGradient = (c: Case, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): Float64Array => {
  const { S, A, gamma } = c.mdp;
  const ev = evaluatePolicy(c.mdp, rewardOf(c.model, nu), theta, c.lambda);
  const w = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) w[s * A + a] = (ev.d[s] * ev.pi[s * A + a]) / (1 - gamma);
  return jrT(c.model, w);
};

/**
 * θ_σ = argmax_θ F(ν, θ) + σJ_λ(ν, θ), solved here. Additive: the soft optimum of the tilted
 * reward r_ν + u_ν/σ (Step 2). Preferences: Newton's method from θ*, with the exact ∇²J
 * (hessianJ) and ∇²F by central differences of ∇_θF (step 1e-5: error ~1e-10 relative, so Newton
 * still contracts by that factor per step), on the gauge complement (−σ·1_s1_sᵀ added: both
 * Hessians vanish on 1_s), until the step is below 1e-15(1 + ‖θ‖∞).
 */
const thetaSigma = (c: Case, nu: Readonly<Float64Array>, sigma: number): Float64Array => {
  const r = rewardOf(c.model, nu);
  if (c.upper.kind !== 'preference') {
    const u = utilityOf(c, nu);
    return softOpt(c.mdp, r.map((x, i) => x + u[i] / sigma), c.lambda).thetaStar;
  }
  const { S, A } = c.mdp;
  const n = S * A;
  let th = Float64Array.from(softOpt(c.mdp, r, c.lambda).thetaStar);
  for (let it = 0; it < 30; it++) {
    const gJ = policyGradient(c.mdp, r, th, c.lambda);
    const grad = upperAt(c, nu, th).dTheta.map((x, i) => x + sigma * gJ[i]);
    const HJ = hessianJ(c.mdp, r, th, c.lambda);
    const hF = 1e-5;
    const KF = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const tp = Float64Array.from(th);
      tp[j] += hF;
      const tm = Float64Array.from(th);
      tm[j] -= hF;
      const gp = upperAt(c, nu, tp).dTheta;
      const gm = upperAt(c, nu, tm).dTheta;
      for (let i = 0; i < n; i++) KF[i * n + j] = (gp[i] - gm[i]) / (2 * hF);
    }
    const Mx = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) =>
      0.5 * (KF[i * n + j] + KF[j * n + i]) + 0.5 * sigma * (HJ[i * n + j] + HJ[j * n + i]) - (Math.floor(i / A) === Math.floor(j / A) ? sigma : 0)));
    const x = (lusolve(Mx, Array.from(grad, (g) => [-g])) as unknown as number[][]).map((row) => row[0]);
    th = th.map((t, i) => t + x[i]);
    if (maxAbs(x) <= 1e-15 * (1 + maxAbs(th))) break;
  }
  return th;
};

/** Φ_σ(ν) = F(ν, θ_σ) + σ(J_λ(ν, θ_σ) − J_λ(ν, θ*)), with the J's from exact evaluations (so solver errors enter quadratically). */
const phiSigma = (c: Case, nu: Readonly<Float64Array>, sigma: number): number => {
  const r = rewardOf(c.model, nu);
  const ts = thetaSigma(c, nu, sigma);
  const J0 = evaluatePolicy(c.mdp, r, softOpt(c.mdp, r, c.lambda).thetaStar, c.lambda).J;
  return upperAt(c, nu, ts).F + sigma * (evaluatePolicy(c.mdp, r, ts, c.lambda).J - J0);
};

/** φ₁(ν) = E_{s∼d*, a∼π*}[D_F(s,a)²]/(2λ(1−γ)) at θ*(ν) (Step 5). */
const phi1 = (c: Case, nu: Readonly<Float64Array>): number => {
  const { S, A, gamma } = c.mdp;
  const r = rewardOf(c.model, nu);
  const th = softOpt(c.mdp, r, c.lambda).thetaStar;
  const ev = evaluatePolicy(c.mdp, r, th, c.lambda);
  const { DF } = upperAt(c, nu, th);
  let acc = 0;
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) acc += ev.d[s] * ev.pi[s * A + a] * DF[s * A + a] ** 2;
  return acc / (2 * c.lambda * (1 - gamma));
};

const cases: Case[] = (() => {
  const out: Case[] = [];
  {
    const { mdp, reward } = garnetCase(4, 3, 2, 81, 0.9);
    out.push({ name: 'garnet(4,3) γ=0.9 λ=1 tabular, fixed u', mdp, model: { kind: 'tabular', S: 4, A: 3 }, nu: Float64Array.from(reward), lambda: 1, upper: { kind: 'fixed', u: randomTable(12, 82, -1, 1) } });
  }
  {
    const { mdp } = garnetCase(4, 3, 2, 83, 0.9);
    const model: RewardModel = { kind: 'linear', S: 4, A: 3, k: 3, features: randomTable(36, 84, -1, 1) };
    out.push({ name: 'garnet(4,3) γ=0.9 λ=0.3 linear k=3, u = r_ν', mdp, model, nu: randomTable(3, 85, -1, 1), lambda: 0.3, upper: { kind: 'reward' } });
  }
  {
    const { mdp, reward } = garnetCase(3, 2, 2, 4, 0.8);
    const model: RewardModel = { kind: 'linear', S: 3, A: 2, k: 2, features: randomTable(12, 9, -1, 1) };
    out.push({ name: 'garnet(3,2) γ=0.8 λ=1 linear k=2, preferences (H = 2, β_BT = 1)', mdp, model, nu: randomTable(2, 10, -1, 1), lambda: 1, upper: { kind: 'preference', rTrue: Float64Array.from(reward), H: 2 } });
  }
  return out;
})();

const solOf = (c: Case) => right(solveLowerLevel(c.mdp, c.model, c.nu, c.lambda));

/**
 * Rounding scale of one evaluation at θ: 8S·κ·ε of max(1, ‖Q‖, ‖V‖, λ‖log π‖) (two LU solves,
 * κ∞(I − γP_π) ≤ κ(γ)); for preferences the pair sum, n_pairs·ε·max|U|, |U| ≤ 2H·max|r_ν| + log 2.
 */
const evalRounding = (c: Case, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): number => {
  const { S, A, gamma } = c.mdp;
  const r = rewardOf(c.model, nu);
  const ev = evaluatePolicy(c.mdp, r, theta, c.lambda);
  let scale = Math.max(1, maxAbs(ev.Q), maxAbs(ev.V), c.lambda * maxAbs(ev.logPi));
  if (c.upper.kind !== 'preference') {
    const eu = evaluatePolicy(c.mdp, utilityOf(c, nu), theta, 0);
    scale = Math.max(scale, maxAbs(eu.Q), maxAbs(eu.V));
    return 8 * S * kappa(gamma) * EPS * scale;
  }
  const H = c.upper.H;
  return 8 * S * kappa(gamma) * EPS * scale + (S * A) ** (2 * H) * EPS * (2 * H * maxAbs(r) + Math.LN2);
};

describe('value-gap penalty and its Danskin gradient (proofs/penalty-gradient.md)', () => {
  it('additive utility: F(ν, θ) + σJ_λ(ν, θ; r_ν) = σJ_λ(θ; r_ν + u_ν/σ) at any θ (Step 2)', () => {
    let worst = 0;
    for (const c of cases.filter((k) => k.upper.kind !== 'preference')) {
      const { S, A, gamma } = c.mdp;
      const r = rewardOf(c.model, c.nu);
      const u = utilityOf(c, c.nu);
      for (const sigma of [1, 10, 1e3])
        for (let seed = 0; seed < 3; seed++) {
          const theta = randomLogits(S * A, 90 + seed, 2);
          const lhs = upperAt(c, c.nu, theta).F + sigma * evaluatePolicy(c.mdp, r, theta, c.lambda).J;
          const rhs = sigma * evaluatePolicy(c.mdp, r.map((x, i) => x + u[i] / sigma), theta, c.lambda).J;
          // V is linear in the reward and the entropy term belongs to J only; three evaluations,
          // each within 8S·κ·ε of its scale (σ·‖V‖ for the two σ-weighted ones)
          const tol = (1 + 2 * sigma) * evalRounding(c, c.nu, theta) + (16 * EPS * sigma * (maxAbs(r) + maxAbs(u))) / (1 - gamma);
          expect(Math.abs(lhs - rhs), `${c.name} σ=${sigma}`).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, Math.abs(lhs - rhs) / tol);
        }
    }
    console.log(`F + σJ[r] = σJ[r + u/σ]: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('Danskin: firstOrderHypergradient = central differences of Φ_σ(ν) (own inner solve) (Steps 1–3)', () => {
    const h = EPS ** (1 / 3);
    let worst = 0;
    let worstRel = 0;
    for (const c of cases) {
      const d = rewardDimension(c.model);
      const sol = solOf(c);
      for (const sigma of c.upper.kind === 'preference' ? [10, 100] : [1, 10, 100]) {
        const route = right(firstOrderHypergradient(specOf(c), sol, { sigma }));
        // Evaluation error δ of Φ_σ: F and the two σ-weighted J's, (1 + 2σ)·(evaluation rounding);
        // the inner solves' errors enter quadratically (θ_σ and θ* are stationary points of what
        // is evaluated) and are below ε·δ here. Doubled for the nodes. Tolerance: δ/h plus twice
        // the a-posteriori truncation estimate |D(h) − D(2h)|/3.
        const ts = thetaSigma(c, c.nu, sigma);
        const delta = 2 * (1 + 2 * sigma) * Math.max(evalRounding(c, c.nu, ts), evalRounding(c, c.nu, sol.theta));
        const f = (v: Readonly<Float64Array>): number[] => [phiSigma(c, v, sigma)];
        const fd = numericJacobian(f, c.nu, 1, { order: 2 });
        const fd2 = numericJacobian(f, c.nu, 1, { order: 2, h: 2 * h });
        for (let i = 0; i < d; i++) {
          const tol = delta / h + (2 * Math.abs(fd[i] - fd2[i])) / 3;
          const err = Math.abs(route.gradient[i] - fd[i]);
          expect(err, `${c.name} σ=${sigma} entry ${i}: route ${route.gradient[i]}, FD ${fd[i]}`).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
          worstRel = Math.max(worstRel, err / maxAbs(route.gradient));
        }
      }
    }
    console.log(`∇Φ_σ (route) vs central FD of Φ_σ: worst err/tol = ${worst.toExponential(2)}, worst err/‖∇Φ‖∞ = ${worstRel.toExponential(2)}`);
  });

  it('the route\'s inner solve reaches θ_σ: its gradient is the Danskin formula at the independently solved θ_σ (Steps 3, 6)', () => {
    let worst = 0;
    for (const c of cases) {
      const { S, A, gamma } = c.mdp;
      const sol = solOf(c);
      const M = mixedHessianJ(c.mdp, c.model, c.nu, sol.theta, c.lambda);
      const d = rewardDimension(c.model);
      // ‖M‖ per output coordinate (column sums): how far a θ error moves ∂_νJ
      let mCol = 0;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < S * A; k++) s += Math.abs(M[k * d + i]);
        mCol = Math.max(mCol, s);
      }
      for (const sigma of [10, 100, 1e3, 1e4]) {
        const route = right(firstOrderHypergradient(specOf(c), sol, { sigma }));
        expect(route.detail?.innerSteps, c.name).toBeLessThan(2000); // converged, not capped
        const ts = thetaSigma(c, c.nu, sigma);
        const danskin = upperAt(c, c.nu, ts).dNu;
        const dJs = occupancyGradient(c, c.nu, ts);
        const dJ0 = occupancyGradient(c, c.nu, sol.theta);
        for (let i = 0; i < d; i++) danskin[i] += sigma * (dJs[i] - dJ0[i]);
        // Both θ_σ are fixed points known to the rounding of their stationarity conditions:
        // the natural-gradient direction (Adv + D_F/σ)/λ has absolute rounding η = evaluation
        // rounding/λ, and its Jacobian is ≈ −I on the gauge complement (policy iteration is
        // Newton's method), so θ is off by ≈ η; the route also stops once its step is below
        // 1e-13(1 + ‖θ‖∞) (default tolerance). Moving θ by δθ moves σ∂_νJ by σ·‖M‖·δθ and ∂_νF by
        // at most 2H·‖M‖·δθ (preferences; equal to ‖M‖δθ for u = r_ν, 0 for a fixed u) — with ‖M‖
        // the column sums of ∇²_θνJ. Rounding of the σ-weighted difference: σ·16S·κ·ε·‖J_r‖/(1−γ).
        const eta = (2 * evalRounding(c, c.nu, ts) * (1 + maxAbs(upperAt(c, c.nu, ts).DF) / sigma)) / c.lambda;
        const dTheta = 2 * (eta + 1e-13 * (1 + maxAbs(ts)));
        const fWeight = c.upper.kind === 'preference' ? 2 * c.upper.H : 1;
        const tol = (sigma + fWeight) * mCol * dTheta + (sigma * 16 * S * kappa(gamma) * EPS * jScale(c.model)) / (1 - gamma);
        for (let i = 0; i < d; i++) {
          const err = Math.abs(route.gradient[i] - danskin[i]);
          expect(err, `${c.name} σ=${sigma} entry ${i}`).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
        }
      }
    }
    console.log(`route vs the Danskin formula at an independent θ_σ: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('σ → ∞: σ(θ_σ − θ*) → θ₁ = D_F/λ (mod gauge), and Hθ₁ = −∇_θF, i.e. θ₁ = −H^†∇_θF (Step 4)', () => {
    let worstH = 0;
    const lines: string[] = [];
    for (const c of cases) {
      const { S, A } = c.mdp;
      const n = S * A;
      const sol = solOf(c);
      const at = upperAt(c, c.nu, sol.theta);
      const theta1 = at.DF.map((x) => x / c.lambda);
      // Hθ₁ + ∇_θF = 0 at θ*: H is the closed-form block matrix up to δH (hessian-at-optimum.md),
      // each row a sum of n products: (n + 2)ε·Σ|H||θ₁| + ‖θ₁‖·4‖Adv*‖/(1−γ)² + the rounding of ∇_θF
      const H = hessianJ(c.mdp, sol.r, sol.theta, c.lambda);
      const advMax = maxAbs(sol.evaluation.adv);
      for (let i = 0; i < n; i++) {
        let acc = at.dTheta[i];
        let size = Math.abs(at.dTheta[i]);
        for (let j = 0; j < n; j++) {
          acc += H[i * n + j] * theta1[j];
          size += Math.abs(H[i * n + j] * theta1[j]);
        }
        const tol = (n + 2 + 16 * S * kappa(c.mdp.gamma)) * EPS * size + (4 * advMax * maxAbs(theta1)) / (1 - c.mdp.gamma) ** 2 + evalRounding(c, c.nu, sol.theta) * 16;
        expect(Math.abs(acc), `${c.name} row ${i}`).toBeLessThanOrEqual(tol);
        worstH = Math.max(worstH, Math.abs(acc) / tol);
      }
      // σ(θ_σ − θ*) − θ₁, per-state means removed (the gauge): O(1/σ)
      const gaugeFree = (x: Float64Array): Float64Array => {
        const out = Float64Array.from(x);
        for (let s = 0; s < S; s++) {
          let m = 0;
          for (let a = 0; a < A; a++) m += out[s * A + a] / A;
          for (let a = 0; a < A; a++) out[s * A + a] -= m;
        }
        return out;
      };
      const errs = [100, 1000].map((sigma) => {
        const ts = thetaSigma(c, c.nu, sigma);
        return maxAbs(gaugeFree(ts.map((t, i) => sigma * (t - sol.theta[i]) - theta1[i])));
      });
      // first order: the error shrinks with σ like 1/σ (a factor ≈ 10 per decade; ≥ 5 asserted,
      // leaving room for the O(1/σ²) part of the remainder and the solves' rounding·σ)
      expect(errs[1], c.name).toBeLessThanOrEqual(errs[0] / 5);
      lines.push(`${c.name}: ‖θ₁‖∞ = ${maxAbs(theta1).toFixed(3)}, ‖σ(θ_σ − θ*) − θ₁‖ = ${errs[0].toExponential(2)} (σ = 1e2), ${errs[1].toExponential(2)} (σ = 1e3)`);
    }
    console.log(`Hθ₁ + ∇_θF: worst |·|/tol = ${worstH.toExponential(2)}\n  ${lines.join('\n  ')}`);
  });

  it('bias: σ(∇Φ_σ − ∇G) → C = ∇_ν φ₁ = (D_ν∇_θF)ᵀθ₁ + ½θ₁ᵀ(D_νH)θ₁ (Step 5), at σ = 1e2, 1e3, 1e4', () => {
    const h = EPS ** 0.2;
    const lines: string[] = [];
    let worstTwoWays = 0;
    let worstDecay = 0;
    for (const c of cases) {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const d = rewardDimension(c.model);
      const sol = solOf(c);
      const exact = right(exactHypergradient(specOf(c), sol)).gradient;
      // C by Richardson differences of φ₁(ν) (θ*(ν) re-solved at every node). Per-evaluation error
      // δφ: rounding 32S·κ·ε·φ₁, and the optimum's residual res moves the logits by
      // Δθ = 2res/(λ(1−γ)) + 4ε‖Q*‖/λ, hence π by 2Δθ, d by 2Δθ/(1−γ), D_F by 2Δθ·(1 + 2/(1−γ)):
      // relative 8Δθ(1 + 2/(1−γ)). Tolerance 1.5δφ/h + 2|D(h) − D(2h)|/15.
      const res = sol.optimum.residual;
      const dTh = (2 * res) / (c.lambda * (1 - gamma)) + (4 * EPS * maxAbs(sol.optimum.QStar)) / c.lambda;
      const p0 = phi1(c, c.nu);
      const dphi = p0 * (32 * S * kappa(gamma) * EPS + 8 * dTh * (1 + 2 / (1 - gamma)));
      const C = numericJacobian((v) => [phi1(c, v)], c.nu, 1, { order: 4 });
      const C2h = numericJacobian((v) => [phi1(c, v)], c.nu, 1, { order: 4, h: 2 * h });
      const errC = Float64Array.from({ length: d }, (_, i) => (1.5 * dphi) / h + (2 * Math.abs(C[i] - C2h[i])) / 15);
      // The same C as the second-order terms with θ₁ frozen: (D_ν g)ᵀθ₁ + ½θ₁ᵀ(D_νH)θ₁ along
      // θ*(ν), g = ∇_θF, H = ∇²_θθJ (Danskin on the quadratic model max_δ gᵀδ + ½δᵀHδ).
      const theta1 = upperAt(c, c.nu, sol.theta).DF.map((x) => x / c.lambda);
      const second = (v: Readonly<Float64Array>): number[] => {
        const r = rewardOf(c.model, v);
        const th = softOpt(c.mdp, r, c.lambda).thetaStar;
        const g = upperAt(c, v, th).dTheta;
        const H = hessianJ(c.mdp, r, th, c.lambda);
        let gq = 0;
        let hq = 0;
        for (let i = 0; i < n; i++) {
          gq += g[i] * theta1[i];
          for (let j = 0; j < n; j++) hq += theta1[i] * H[i * n + j] * theta1[j];
        }
        return [gq + 0.5 * hq];
      };
      const C2 = numericJacobian(second, c.nu, 1, { order: 4 });
      const C2b = numericJacobian(second, c.nu, 1, { order: 4, h: 2 * h });
      // size of the frozen-θ₁ sum, Σ|g_iθ₁_i| + ½Σ|θ₁_iH_ijθ₁_j|: its rounding is (n² + 32S·κ)ε of
      // it, and the optimum's residual moves g and H by the same relative 8Δθ(1 + 2/(1−γ))
      const q = (() => {
        const g = upperAt(c, c.nu, sol.theta).dTheta;
        const H = hessianJ(c.mdp, sol.r, sol.theta, c.lambda);
        let acc = 0;
        for (let i = 0; i < n; i++) {
          acc += Math.abs(g[i] * theta1[i]);
          for (let j = 0; j < n; j++) acc += 0.5 * Math.abs(theta1[i] * H[i * n + j] * theta1[j]);
        }
        return acc;
      })();
      const dq = q * ((n * n + 32 * S * kappa(gamma)) * EPS + 8 * dTh * (1 + 2 / (1 - gamma)));
      for (let i = 0; i < d; i++) {
        // both Richardson estimates, each with its rounding 1.5δ/h and truncation 2|D(h) − D(2h)|/15
        const tol = errC[i] + (1.5 * dq) / h + (2 * Math.abs(C2[i] - C2b[i])) / 15;
        expect(Math.abs(C[i] - C2[i]), `${c.name}: C two ways, entry ${i}: ${C[i]} vs ${C2[i]}`).toBeLessThanOrEqual(tol);
        worstTwoWays = Math.max(worstTwoWays, Math.abs(C[i] - C2[i]) / tol);
      }
      // r(σ) = σ(route − exact) − C = C₂/σ + O(σ⁻²): it must shrink like 1/σ. Floor of σ·(route −
      // exact) at large σ (derived in the previous test): σ·[(σ + 2H)‖M‖·δθ + σ·16Sκε‖J_r‖/(1−γ)]
      // with δθ = 2(η + 1e-13(1 + ‖θ‖)), plus σ times the exact route's error
      // (4nε + ‖Adv*‖/λ)·‖∇_θF‖₁·‖ψ‖ with ‖ψ‖ ≤ 2‖J_r‖/(λ(1−γ)) (ψ is the advantage of J_r over λ).
      const M = mixedHessianJ(c.mdp, c.model, c.nu, sol.theta, c.lambda);
      let mCol = 0;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += Math.abs(M[k * d + i]);
        mCol = Math.max(mCol, s);
      }
      const gl1 = l1(upperAt(c, c.nu, sol.theta).dTheta);
      const psiMax = (2 * jScale(c.model)) / (c.lambda * (1 - gamma));
      const fWeight = c.upper.kind === 'preference' ? 2 * c.upper.H : 1;
      const floor = (sigma: number): number => {
        const ts = thetaSigma(c, c.nu, sigma);
        const eta = (2 * evalRounding(c, c.nu, ts) * (1 + maxAbs(upperAt(c, c.nu, ts).DF) / sigma)) / c.lambda;
        const dTheta = 2 * (eta + 1e-13 * (1 + maxAbs(ts)));
        return sigma * ((sigma + fWeight) * mCol * dTheta + (sigma * 16 * S * kappa(gamma) * EPS * jScale(c.model)) / (1 - gamma))
          + sigma * (4 * n * EPS + maxAbs(sol.evaluation.adv) / c.lambda) * gl1 * psiMax;
      };
      const rOf = (sigma: number): number => {
        const fo = right(firstOrderHypergradient(specOf(c), sol, { sigma }));
        let worst = 0;
        for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(sigma * (fo.gradient[i] - exact[i]) - C[i]));
        return worst;
      };
      const r = [1e2, 1e3, 1e4].map(rOf);
      const cErr = maxAbs(errC);
      // (a) at σ = 1e2 the remainder is below ‖C‖∞·‖θ₁‖∞/(σ(1−γ)): the expansion parameter is
      // ‖θ_σ − θ*‖ ≈ ‖θ₁‖/σ, and each further order of d, π, V in θ costs at most a factor
      // 1/(1−γ) (one more derivative of (I − γP_π)⁻¹);
      const tol0 = (maxAbs(C) * maxAbs(theta1)) / (1e2 * (1 - gamma)) + cErr + floor(1e2);
      expect(r[0], `${c.name} σ = 1e2`).toBeLessThanOrEqual(tol0);
      worstDecay = Math.max(worstDecay, r[0] / tol0);
      // (b) from 1e2 to 1e3 and 1e4 it shrinks like 1/σ: ≤ 1.5·(1e2/σ)·r(1e2) (the factor 1.5
      // leaves room for the O(σ⁻²) part of r(1e2), ≤ ⅓ of it when |C₃/C₂| ≤ 50), plus floors.
      for (const [k, sigma] of [[1, 1e3], [2, 1e4]] as const) {
        const tol = 1.5 * (1e2 / sigma) * r[0] + 2 * cErr + floor(sigma) + floor(1e2) * (1e2 / sigma);
        expect(r[k], `${c.name} σ = ${sigma}: |σ·err − C| = ${r[k]}, tol ${tol}`).toBeLessThanOrEqual(tol);
        worstDecay = Math.max(worstDecay, r[k] / tol);
      }
      lines.push(`${c.name}: ‖C‖∞ = ${maxAbs(C).toExponential(3)}; |σ(∇Φ_σ − ∇G) − C|∞/‖C‖∞ = ${r.map((x) => (x / maxAbs(C)).toExponential(2)).join(', ')} at σ = 1e2, 1e3, 1e4`);
    }
    console.log(`C two ways: worst |diff|/tol = ${worstTwoWays.toExponential(2)}; remainder r(σ) vs its bounds: worst ratio ${worstDecay.toFixed(3)}\n${lines.join('\n')}`);
  });

  it('inner iteration: θ + (Adv + D_F/σ)/λ is natural-gradient ascent with η = (1−γ)/λ; for σ = ∞ it is soft policy iteration (Step 6)', () => {
    let worstSPI = 0;
    let worstFisher = 0;
    let worstFixed = 0;
    for (const c of cases) {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const r = rewardOf(c.model, c.nu);
      for (let seed = 0; seed < 3; seed++) {
        const theta = randomLogits(n, 95 + seed, 1.5);
        const ev = evaluatePolicy(c.mdp, r, theta, c.lambda);
        // (a) SPI: π_{θ + Adv/λ} = softmax(Q^π/λ). θ + Adv/λ = θ + (Q − λlog π − V)/λ = Q/λ + (θ − log π) − V/λ,
        //     and θ − log π is a per-state constant. Rounding: 4ε(|θ| + |Adv|/λ + |Q|/λ) in the exponents.
        const next = evaluatePolicy(c.mdp, r, theta.map((t, i) => t + ev.adv[i] / c.lambda), c.lambda).pi;
        for (let s = 0; s < S; s++) {
          let m = -Infinity;
          for (let a = 0; a < A; a++) m = Math.max(m, ev.Q[s * A + a] / c.lambda);
          let z = 0;
          for (let a = 0; a < A; a++) z += Math.exp(ev.Q[s * A + a] / c.lambda - m);
          const tol = 8 * EPS * (maxAbs(theta) + (2 * maxAbs(ev.Q) + maxAbs(ev.adv)) / c.lambda + A) + (2 * evalRounding(c, c.nu, theta)) / c.lambda;
          for (let a = 0; a < A; a++) {
            const spi = Math.exp(ev.Q[s * A + a] / c.lambda - m) / z;
            const err = Math.abs(next[s * A + a] - spi);
            expect(err, `${c.name} SPI s=${s} a=${a}`).toBeLessThanOrEqual(tol);
            worstSPI = Math.max(worstSPI, err / tol);
          }
        }
        // (b) Fisher identity: F_ρ·(Adv + D_F/σ)/(1−γ) = ∇_θJ + ∇_θF/σ, F_ρ = blockdiag d(s)(diag π_s − π_sπ_sᵀ)
        //     (the Fisher information of the occupancy measure), so the step is η·F_ρ^†(∇J + ∇F/σ)
        //     with η = (1−γ)/λ. Rounding: 8(A + 2)ε of the terms' size, plus D_F's own.
        const sigma = 10;
        const at = upperAt(c, c.nu, theta);
        const gJ = policyGradient(c.mdp, r, theta, c.lambda);
        for (let s = 0; s < S; s++) {
          const x = Array.from({ length: A }, (_, a) => (ev.adv[s * A + a] + at.DF[s * A + a] / sigma) / (1 - gamma));
          let px = 0;
          for (let a = 0; a < A; a++) px += ev.pi[s * A + a] * x[a];
          for (let a = 0; a < A; a++) {
            const i = s * A + a;
            const fx = ev.d[s] * ev.pi[i] * (x[a] - px);
            const target = gJ[i] + at.dTheta[i] / sigma;
            const size = ev.d[s] * ev.pi[i] * (Math.abs(x[a]) + Math.abs(px)) + Math.abs(target);
            const tol = 8 * (A + 2) * EPS * size + (ev.d[s] * ev.pi[i] * 4 * evalRounding(c, c.nu, theta)) / (1 - gamma) ** 2;
            expect(Math.abs(fx - target), `${c.name} Fisher s=${s} a=${a}`).toBeLessThanOrEqual(tol);
            worstFisher = Math.max(worstFisher, Math.abs(fx - target) / tol);
          }
        }
      }
      // (c) the fixed point is the stationary point: at the independent θ_σ the direction vanishes
      //     to its rounding η (see the route test), for σ = 10 and 1e3
      for (const sigma of [10, 1e3]) {
        const ts = thetaSigma(c, c.nu, sigma);
        const ev = evaluatePolicy(c.mdp, r, ts, c.lambda);
        const at = upperAt(c, c.nu, ts);
        const dir = ev.adv.map((x, i) => (x + at.DF[i] / sigma) / c.lambda);
        const eta = (2 * evalRounding(c, c.nu, ts) * (1 + maxAbs(at.DF) / sigma)) / c.lambda;
        // (the Newton solve for preferences stops at a step of 1e-15(1 + ‖θ‖), far below η; factor 4
        // for the sums in the direction)
        expect(maxAbs(dir), `${c.name} σ=${sigma}`).toBeLessThanOrEqual(4 * eta);
        worstFixed = Math.max(worstFixed, maxAbs(dir) / (4 * eta));
      }
    }
    console.log(`SPI step: worst err/tol = ${worstSPI.toExponential(2)}; Fisher identity: worst err/tol = ${worstFisher.toExponential(2)}; direction at θ_σ: worst |dir|/tol = ${worstFixed.toExponential(2)}`);
  });
});

// ---------------------------------------------------------------------------------------------
// A bandit, symbolically (mathjs), and in 64-digit arithmetic for the σ → ∞ expansion

describe('value-gap penalty on a bandit, symbolically (mathjs)', () => {
  // S = 1, A = 2, a self-loop with γ = 0.5, tabular ν = (n0, n1), u(ν) = (n0·n1, n1 + ½).
  // With x = θ_0 − θ_1, p = σ(x): J = [p(n0 − λ log p) + (1−p)(n1 − λ log(1−p))]/(1−γ),
  // F = [p u0 + (1−p) u1]/(1−γ). F + σJ = σ·J[r + u/σ], so x_σ = (n0 − n1 + (u0 − u1)/σ)/λ and
  // x* = (n0 − n1)/λ (Step 2); Φ_σ(ν) = F(x_σ) + σ(J(x_σ) − J(x*)), G = F(x*),
  // φ₁ = E_π[Adv_u²]/(2λ(1−γ)) = p(1−p)(u0 − u1)²/(2λ(1−γ)) at x*.
  const gamma = 0.5;
  const lambda = 0.7;
  const p = (x: string): string => `(1 / (1 + exp(-(${x}))))`;
  const u0 = '(n0 * n1)';
  const u1 = '(n1 + 0.5)';
  const J = (x: string): string => `((${p(x)} * (n0 - lam * log(${p(x)})) + (1 - ${p(x)}) * (n1 - lam * log(1 - ${p(x)}))) / (1 - gam))`;
  const F = (x: string): string => `((${p(x)} * ${u0} + (1 - ${p(x)}) * ${u1}) / (1 - gam))`;
  const xs = `((n0 - n1 + (${u0} - ${u1}) / sig) / lam)`;
  const xst = '((n0 - n1) / lam)';
  const Phi = parse(`${F(xs)} + sig * (${J(xs)} - ${J(xst)})`);
  const G = parse(F(xst));
  const phi1 = parse(`${p(xst)} * (1 - ${p(xst)}) * (${u0} - ${u1})^2 / (2 * lam * (1 - gam))`);
  const d = (e: MathNode, v: string): MathNode => derivative(e, v, { simplify: false });
  const mdp = mdpOf(1, 2, gamma, [1, 1], [1]);
  const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };
  const spec: UpperLevelSpec = {
    kind: 'additive',
    utility: { kind: 'additive-nu', u: (v) => Float64Array.of(v[0] * v[1], v[1] + 0.5), jacobianTransposeApply: (w, v) => Float64Array.of(w[0] * v[1], w[0] * v[0] + w[1]) },
  };
  const nus = [Float64Array.of(0.4, -0.3), Float64Array.of(-0.9, 0.6), Float64Array.of(1.2, 0.8)];

  it('x_σ is stationary; Danskin: dΦ_σ/dν = ∂_νF(x_σ) + σ(∂_νJ(x_σ) − ∂_νJ(x*)); ∂_νJ = π/(1−γ); the route equals it (Steps 1–3)', () => {
    const big = create(all, { number: 'BigNumber', precision: 64 });
    const bigOf = (e: MathNode) => big.parse(e.toString()).compile();
    const stat = bigOf(d(parse(`${F('x')} + sig * ${J('x')}`), 'x'));
    const total = [0, 1].map((i) => bigOf(d(Phi, `n${i}`)));
    const dFx = [0, 1].map((i) => bigOf(d(parse(F('x')), `n${i}`)));
    const dJx = [0, 1].map((i) => bigOf(d(parse(J('x')), `n${i}`)));
    const xsC = big.parse(xs).compile();
    const xstC = big.parse(xst).compile();
    const totalF = [0, 1].map((i) => d(Phi, `n${i}`).compile());
    let worstRoute = 0;
    for (const nu of nus)
      for (const sigma of [1, 10, 1e3]) {
        const scope = { n0: big.bignumber(nu[0]), n1: big.bignumber(nu[1]), lam: big.bignumber(lambda), gam: big.bignumber(gamma), sig: big.bignumber(sigma) };
        const xsv = xsC.evaluate(scope);
        const xstv = xstC.evaluate(scope);
        // 64 significant digits: identities that hold exactly come out below 1e-50 (compared as
        // numbers: mathjs's own comparisons treat differences below absTol = 1e-15 as equal)
        const tiny = (x: unknown): number => Math.abs(Number(x));
        expect(tiny(stat.evaluate({ ...scope, x: xsv }))).toBeLessThanOrEqual(1e-50);
        for (let i = 0; i < 2; i++) {
          const danskin = big.add(dFx[i].evaluate({ ...scope, x: xsv }), big.multiply(scope.sig, big.subtract(dJx[i].evaluate({ ...scope, x: xsv }), dJx[i].evaluate({ ...scope, x: xstv }))));
          expect(tiny(big.subtract(total[i].evaluate(scope), danskin)), `Danskin ν=${nu} σ=${sigma} entry ${i}`).toBeLessThanOrEqual(1e-50);
          // occupancy formula: ∂J/∂ν_a = d·π_a/(1−γ) with d = 1 on one state
          const pa = big.evaluate(i === 0 ? '1 / (1 + exp(-x))' : '1 - 1 / (1 + exp(-x))', { x: xsv });
          expect(tiny(big.subtract(dJx[i].evaluate({ ...scope, x: xsv }), big.divide(pa, big.subtract(1, scope.gam))))).toBeLessThanOrEqual(1e-50);
        }
        // the route in float64 vs the symbolic derivative in float64: the route's inner solve
        // stops at step 1e-13(1+|θ|), moving σ∂_νJ by σ·δθ/(1−γ); the σ-weighted difference rounds
        // to σ·8ε/(1−γ); the symbolic expression's own rounding ~ 64ε·σ·(|ν|+1)/(λ(1−γ))
        const problemSol = right(solveLowerLevel(mdp, model, nu, lambda));
        const route = right(firstOrderHypergradient(spec, problemSol, { sigma }));
        const fscope = { n0: nu[0], n1: nu[1], lam: lambda, gam: gamma, sig: sigma };
        const scale = (1 + maxAbs(nu)) ** 2 / (lambda * (1 - gamma));
        const tol = (sigma * (4e-13 * (2 + maxAbs(problemSol.theta)) + 128 * EPS * scale)) / (1 - gamma) + 64 * EPS * scale;
        for (let i = 0; i < 2; i++) {
          const err = Math.abs(route.gradient[i] - (totalF[i].evaluate(fscope) as number));
          expect(err, `route vs mathjs ν=${nu} σ=${sigma} entry ${i}`).toBeLessThanOrEqual(tol);
          worstRoute = Math.max(worstRoute, err / tol);
        }
      }
    console.log(`bandit: stationarity, Danskin and ∂_νJ = π/(1−γ) hold to < 1e-50 (64 digits); route vs mathjs: worst err/tol = ${worstRoute.toExponential(2)}`);
  });

  it('σ(∇Φ_σ − ∇G) = C + C₂/σ + O(σ⁻²) with C = ∇φ₁ (64 digits), and the route\'s bias at σ = 1e2, 1e3, 1e4 (Step 5)', () => {
    const big = create(all, { number: 'BigNumber', precision: 64 });
    const bigOf = (e: MathNode) => big.parse(e.toString()).compile();
    const dPhi = [0, 1].map((i) => bigOf(d(Phi, `n${i}`)));
    const dG = [0, 1].map((i) => bigOf(d(G, `n${i}`)));
    const dphi1 = [0, 1].map((i) => bigOf(d(phi1, `n${i}`)));
    const lines: string[] = [];
    for (const nu of nus) {
      const base = { n0: big.bignumber(nu[0]), n1: big.bignumber(nu[1]), lam: big.bignumber(lambda), gam: big.bignumber(gamma) };
      const C = dphi1.map((c) => c.evaluate(base));
      // q(σ) = σ·(σ(∇Φ_σ − ∇G) − C) → C₂: successive values over decades differ by O(1/σ)
      const q = (sigma: string) => [0, 1].map((i) => {
        const s = big.bignumber(sigma);
        const scope = { ...base, sig: s };
        const b = big.multiply(s, big.subtract(dPhi[i].evaluate(scope), dG[i].evaluate(scope)));
        return big.multiply(s, big.subtract(b, C[i]));
      });
      const qs = ['1e4', '1e6', '1e8', '1e10'].map(q);
      const C2 = qs[3].map((x) => Number(x));
      for (let k = 1; k < qs.length; k++)
        for (let i = 0; i < 2; i++) {
          // |q(σ) − C₂| = O(1/σ): between σ = 10^{2k+2} and 10^{2k+4}, ≤ 100·(|C₂| + |C|)/σ (C₃ of the size of C₂ or C)
          const sigma = 10 ** (2 * k + 2);
          expect(Math.abs(Number(big.subtract(qs[k][i], qs[k - 1][i]))), `ν=${nu} entry ${i} σ=${sigma}`).toBeLessThanOrEqual((100 * (Math.abs(C2[i]) + Math.abs(Number(C[i])))) / (sigma / 100));
        }
      // the route in float64: |σ(route − exact) − C| ≤ |C₂|/σ·(1 + 1e-2) + rounding, the rounding
      // σ·[σ·δθ/(1−γ) + σ·8ε/(1−γ)] with δθ = 4e-13(2 + |θ|) (inner stop) plus σ·(exact's rounding)
      const sol = right(solveLowerLevel(mdp, model, nu, lambda));
      const exact = right(exactHypergradient(spec, sol)).gradient;
      const rel: string[] = [];
      for (const sigma of [1e2, 1e3, 1e4]) {
        const fo = right(firstOrderHypergradient(spec, sol, { sigma }));
        for (let i = 0; i < 2; i++) {
          const Ci = Number(C[i]);
          const dev = Math.abs(sigma * (fo.gradient[i] - exact[i]) - Ci);
          const tol = (Math.abs(C2[i]) / sigma) * 1.01 + (sigma * sigma * (4e-13 * (2 + maxAbs(sol.theta)) + 8 * EPS)) / (1 - gamma) + sigma * 64 * EPS * (1 + maxAbs(nu)) ** 2 / (lambda * (1 - gamma));
          expect(dev, `route ν=${nu} σ=${sigma} entry ${i}`).toBeLessThanOrEqual(tol);
        }
        rel.push(`σ=${sigma}: ${Math.max(...[0, 1].map((i) => Math.abs(sigma * (fo.gradient[i] - exact[i]) - Number(C[i])))).toExponential(2)}`);
      }
      lines.push(`ν = (${nu[0]}, ${nu[1]}): C = (${C.map((x) => Number(x).toPrecision(8)).join(', ')}), C₂ = (${C2.map((x) => x.toPrecision(6)).join(', ')}); route |σ·err − C|∞ ${rel.join(', ')}`);
    }
    console.log(lines.join('\n'));
  });
});
