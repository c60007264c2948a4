/**
 * Checks of `nu-score-vanishes.md`: at the optimum, the ν-score term of the additive PARL
 * gradient, `Σ_{s,a} w[s,a] ψ[s,a]` with `w = d*∘π*∘Adv_u/(1−γ)`, and the π*-weighted mass
 * `Σ_{s,a} d*(s)π*(a|s)‖ψ[s,a]‖₁` decay like `C·e^{−Δ/λ}/λ` as λ → 0 (Δ: the smallest action
 * gap of Q*₀), while at a finite-K iterate θ^K ≠ θ* the term need not vanish.
 *
 * Code under test: `nuScoreVjpClosedForm`, `nuScoreClosedForm` (src/nuScore/closedForm.ts),
 * `nuScoreVjpImplicit`, `nuScoreImplicitDense` (src/nuScore/implicit.ts), `softOptimum`,
 * `plainOptimum` (src/optimal/), `evaluatePolicy`, `evaluatePolicyTable`, `policyGradient`.
 */
import { describe, expect, it } from 'vitest';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { nuScoreClosedForm, nuScoreVjpClosedForm } from '../src/nuScore/closedForm.js';
import { nuScoreImplicitDense, nuScoreVjpImplicit } from '../src/nuScore/implicit.js';
import type { RewardModel } from '../src/reward/rewardModel.js';
import { evaluatePolicy, evaluatePolicyTable } from '../src/value/policyEvaluation.js';
import { garnetCase, maxAbs, norm2, plainOpt, randomTable, right, softOpt } from './support.js';

const LAMBDAS = [1, 0.3, 0.1, 0.03, 0.01] as const;

/** The fixed problems: Garnet(S = 4, A = 3, branching 2, γ = 0.9), utility u uniform in [0, 1). */
const problem = (seed: number) => {
  const S = 4;
  const A = 3;
  const { mdp, reward } = garnetCase(S, A, 2, seed, 0.9);
  const u = randomTable(S * A, seed + 100);
  const model: RewardModel = { kind: 'tabular', S, A };
  return { S, A, mdp, nu: Float64Array.from(reward), u, model };
};

/** `w = d∘π∘Adv_u/(1−γ)` for the policy table (π, log π) — the weights of ψ in the additive ∇G (MATH.md §7). */
const scoreWeights = (p: ReturnType<typeof problem>, pi: Float64Array, logPi: Float64Array, d: Readonly<Float64Array>): Float64Array => {
  const { S, A, mdp, u } = p;
  const evu = evaluatePolicyTable(mdp, u, pi, logPi, 0); // plain values of u under π: Adv_u = Q_u − V_u
  const w = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) w[s * A + a] = (d[s] * pi[s * A + a] * evu.adv[s * A + a]) / (1 - mdp.gamma);
  return w;
};

/** T(λ) = ‖Σ w ψ‖₂ at θ*(λ) and M(λ) = Σ d π* ‖ψ‖₁, both by the closed form. */
const atOptimum = (p: ReturnType<typeof problem>, lambda: number) => {
  const { S, A, mdp, nu, model } = p;
  const opt = softOpt(mdp, nu, lambda);
  const ev = evaluatePolicy(mdp, nu, opt.thetaStar, lambda);
  const w = scoreWeights(p, opt.piStar, opt.thetaStar, ev.d); // canonical θ* = log π*
  const T = norm2(right(nuScoreVjpClosedForm(mdp, model, opt.piStar, lambda, w)).value);
  const { psi } = right(nuScoreClosedForm(mdp, model, opt.piStar, lambda));
  const dim = S * A;
  let mass = 0;
  for (let sa = 0; sa < S * A; sa++) {
    let l1 = 0;
    for (let i = 0; i < dim; i++) l1 += Math.abs(psi[sa * dim + i]);
    mass += ev.d[Math.floor(sa / A)] * opt.piStar[sa] * l1;
  }
  return { T, mass, psiMax: maxAbs(psi) };
};

/** Least-squares slope of y on x. */
const lsSlope = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): number => {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
};

describe('the ν-score term vanishes at the optimum as λ → 0 (proofs/nu-score-vanishes.md)', () => {
  for (const seed of [1, 3]) {
    it(`Garnet seed ${seed}: T(λ), M(λ) decay once λ < Δ, log-linearly in 1/λ with slope ≈ −Δ`, () => {
      const p = problem(seed);
      const gap = plainOpt(p.mdp, p.nu).minActionGap; // Δ = min_s (Q*₀(s,a*) − max_{b≠a*} Q*₀(s,b))
      const rows = LAMBDAS.map((lambda) => ({ lambda, ...atOptimum(p, lambda) }));
      console.log(`seed ${seed}: Δ = ${gap.toFixed(4)}; ` + rows.map((r) => `λ=${r.lambda}: T=${r.T.toExponential(2)}, M=${r.mass.toExponential(2)}, ‖ψ‖∞=${r.psiMax.toExponential(1)}`).join('; '));
      // the fixture is chosen with Δ > 0.1, so λ ∈ {0.1, 0.03, 0.01} is the decaying branch
      // (d/dλ [e^{−Δ/λ}/λ] > 0 for λ < Δ) — and e^{−Δ/0.01}/0.01 stays far above the ~1e-12
      // rounding floor of the VJP (Δ < 0.25)
      expect(gap).toBeGreaterThan(0.1);
      expect(gap).toBeLessThan(0.25);
      const tail = rows.slice(2);
      for (let i = 1; i < tail.length; i++) {
        expect(tail[i].T).toBeLessThan(tail[i - 1].T);
        expect(tail[i].mass).toBeLessThan(tail[i - 1].mass);
      }
      // while ‖ψ‖∞ itself grows like 1/λ — it is the weighting that kills the term
      expect(rows[4].psiMax).toBeGreaterThan(rows[0].psiMax * 10);
      const peakT = Math.max(...rows.map((r) => r.T));
      expect(rows[4].T / peakT).toBeLessThan(1e-3);

      // log(λT) = log C(λ) − Δ/λ, where C(λ) = Σ_{(s,b): b≠a*} c_{s,b}(λ) e^{−(gap_{s,b} − Δ)/λ}
      // with c_{s,b}(λ) → c_{s,b}(0) ≠ 0. Over the fit range we allow log C to vary by
      // E = 1 + log(S(A−1)): a factor e from the c's converging, and at most S(A−1) terms
      // switching off. The slope between x₁ = 1/0.03 and x₂ = 1/0.01 is then within E/(x₂ − x₁)
      // of −Δ, and the 3-point least-squares slope (x = 10, 33.3, 100) within
      // E·Σ|x − x̄|/Σ(x − x̄)² (≈ 0.024·E) of −Δ.
      const E = 1 + Math.log(p.S * (p.A - 1));
      const x = tail.map((r) => 1 / r.lambda);
      for (const key of ['T', 'mass'] as const) {
        const y = tail.map((r) => Math.log(r.lambda * r[key]));
        const slope2 = (y[2] - y[1]) / (x[2] - x[1]);
        const slopeLs = lsSlope(x, y);
        const mx = (x[0] + x[1] + x[2]) / 3;
        const lsFactor = x.reduce((s, v) => s + Math.abs(v - mx), 0) / x.reduce((s, v) => s + (v - mx) ** 2, 0);
        console.log(`seed ${seed}, ${key}: slope (last two) = ${slope2.toFixed(4)}, least-squares slope = ${slopeLs.toFixed(4)}, −Δ = ${(-gap).toFixed(4)}; tolerances ${(E / (x[2] - x[1])).toFixed(3)}, ${(E * lsFactor).toFixed(3)}`);
        expect(Math.abs(slope2 + gap)).toBeLessThanOrEqual(E / (x[2] - x[1]));
        expect(Math.abs(slopeLs + gap)).toBeLessThanOrEqual(E * lsFactor);
      }
    });
  }

  it('at a finite-K iterate θ^K (K gradient steps from θ = 0) the ν-score term does not vanish', () => {
    const p = problem(1);
    const { S, A, mdp, nu, model } = p;
    const beta = 1;
    const iterate = (lambda: number, K: number): Float64Array => {
      let theta = new Float64Array(S * A);
      for (let k = 0; k < K; k++) {
        const g = policyGradient(mdp, nu, theta, lambda);
        theta = theta.map((t, i) => t + beta * g[i]);
      }
      return theta;
    };
    const lambda = 0.01;
    const tStar = atOptimum(p, lambda).T;
    for (const K of [100, 1000]) {
      const theta = iterate(lambda, K);
      const ev = evaluatePolicy(mdp, nu, theta, lambda);
      const w = scoreWeights(p, ev.pi, ev.logPi, ev.d);
      // the implicit route at θ^K (what A-PARL uses), by MINRES and by the dense pseudo-inverse
      const vjp = nuScoreVjpImplicit(mdp, model, nu, theta, lambda, w);
      expect(vjp.report.converged).toBe(true);
      const dense = nuScoreImplicitDense(mdp, model, nu, theta, lambda);
      const viaDense = new Float64Array(S * A);
      for (let sa = 0; sa < S * A; sa++) for (let i = 0; i < S * A; i++) viaDense[i] += w[sa] * dense.psi[sa * S * A + i];
      const tK = norm2(vjp.value);
      // the two implicit solvers agree to (MINRES relative residual + dense rounding n·ε) × κ(H)
      // relative to the size of the terms (here κ < 1e2, checked, so the comparison is meaningful)
      expect(dense.conditionEstimate).toBeLessThan(1e2);
      const agree = 10 * (vjp.report.relativeResidual + S * A * 2 ** -52) * dense.conditionEstimate * Math.max(1, norm2(w) * maxAbs(dense.psi));
      expect(Math.abs(norm2(viaDense) - tK)).toBeLessThanOrEqual(agree);
      console.log(`λ = ${lambda}, K = ${K}: ‖Σ w ψ‖ at θ^K = ${tK.toExponential(2)} vs ${tStar.toExponential(2)} at θ*; ‖∇J(θ^K)‖ = ${norm2(policyGradient(mdp, nu, theta, lambda)).toExponential(2)}`);
      expect(tK).toBeGreaterThan(100 * tStar);
    }
    // λ = 0: no θ* exists; at θ^K the implicit route still returns a finite, nonzero term
    const theta0 = iterate(0, 1000);
    const ev0 = evaluatePolicy(mdp, nu, theta0, 0);
    const t0 = norm2(nuScoreVjpImplicit(mdp, model, nu, theta0, 0, scoreWeights(p, ev0.pi, ev0.logPi, ev0.d)).value);
    console.log(`λ = 0, K = 1000: ‖Σ w ψ‖ at θ^K = ${t0.toExponential(2)}`);
    expect(t0).toBeGreaterThan(100 * tStar);
  });
});
