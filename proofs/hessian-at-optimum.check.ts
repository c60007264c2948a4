/**
 * Checks of `hessian-at-optimum.md`: at θ*(ν) (λ > 0), where every advantage vanishes,
 * `H = ∇²_θθ J = −λ/(1−γ) · blockdiag_s d*(s)(diag π*_s − π*_s π*_sᵀ)` (MATH.md §6).
 *
 * Code under test: `hessianJ` (src/hessian/hessian.ts, built from the exact HVP of
 * hessianVectorProduct.ts), `optimumHessianClosedForm` (src/hessian/optimumHessian.ts),
 * `policyGradient`, `softOptimum`.
 */
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { hessianJ } from '../src/hessian/hessian.js';
import { optimumHessianClosedForm } from '../src/hessian/optimumHessian.js';
import { twoStateChain } from '../src/mdp/chain.js';
import type { Mdp } from '../src/mdp/types.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, maxAbsDiff, randomLogits, softOpt, symbolicJ } from './support.js';

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly lambda: number;
}

const cases: Case[] = (() => {
  const out: Case[] = [];
  let seed = 40;
  for (const [S, A, b] of [[3, 2, 2], [4, 3, 3], [6, 4, 3]] as const)
    for (const gamma of [0, 0.5, 0.9, 0.99])
      for (const lambda of [1, 0.3, 0.1]) {
        const { mdp, reward } = garnetCase(S, A, b, seed++, gamma);
        out.push({ name: `garnet(${S},${A}) γ=${gamma} λ=${lambda}`, mdp, r: Float64Array.from(reward), lambda });
      }
  return out;
})();

/**
 * Error budget of `hessianJ(θ*)` against the closed form. The three HVP terms at θ̃ ≈ θ*:
 * `d∘π∘dAdv` with `dAdv = −λu + γP dV − dV`, `dV = M⁻¹Σπu·Adv` = O(‖Adv*‖/(1−γ)), and
 * `(dd + d u)∘π∘Adv` with ‖dd‖₁ ≤ 2γ/(1−γ): the Adv-terms are ≤ 4‖Adv*‖/(1−γ)² per entry
 * (‖u‖∞ ≤ 2). Rounding: each HVP uses two LU solves (8·S·κ ulps) of terms of size
 * λ·‖u‖/(1−γ) ≤ 2λ/(1−γ), and the closed form a few products.
 */
const hessianTolerance = (mdp: Mdp, lambda: number, advMax: number): number => {
  const { S, gamma } = mdp;
  const kappa = (1 + gamma) / (1 - gamma);
  return (4 * advMax) / (1 - gamma) ** 2 + (8 * S * kappa + 16) * EPS * ((2 * lambda) / (1 - gamma));
};

describe('Hessian at the optimum (proofs/hessian-at-optimum.md)', () => {
  it('hessianJ(θ*) = −λ/(1−γ) blockdiag d*(diag π* − π*π*ᵀ) (optimumHessianClosedForm)', () => {
    let worst = 0;
    let worstAbs = 0;
    for (const c of cases) {
      const opt = softOpt(c.mdp, c.r, c.lambda);
      const ev = evaluatePolicy(c.mdp, c.r, opt.thetaStar, c.lambda);
      const H = hessianJ(c.mdp, c.r, opt.thetaStar, c.lambda);
      const Hc = optimumHessianClosedForm(c.mdp, opt.piStar, ev.d, c.lambda);
      const tol = hessianTolerance(c.mdp, c.lambda, maxAbs(ev.adv));
      const err = maxAbsDiff(H, Hc);
      expect(err, c.name).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, err / tol);
      worstAbs = Math.max(worstAbs, err);
    }
    console.log(`hessianJ(θ*) vs closed form: worst |err| = ${worstAbs.toExponential(2)}, worst err/tol = ${worst.toExponential(2)}`);
  });

  it('the closed form is the Jacobian of ∇J at θ* (Richardson differences of policyGradient)', () => {
    const h = EPS ** 0.2;
    let worst = 0;
    for (const c of cases.filter((k) => k.mdp.S <= 4)) {
      const { S, A, gamma } = c.mdp;
      const opt = softOpt(c.mdp, c.r, c.lambda);
      const ev = evaluatePolicy(c.mdp, c.r, opt.thetaStar, c.lambda);
      const Hc = optimumHessianClosedForm(c.mdp, opt.piStar, ev.d, c.lambda);
      const g = (t: Readonly<Float64Array>) => policyGradient(c.mdp, c.r, t, c.lambda);
      const fd = numericJacobian(g, opt.thetaStar, S * A, { order: 4 });
      const fd2 = numericJacobian(g, opt.thetaStar, S * A, { order: 4, h: 2 * h * Math.max(1, maxAbs(opt.thetaStar)) });
      // gradient evaluation error ≤ 4·S·κ·ε of the value scale ‖Q‖∞ + λ‖log π‖∞ (policy-gradient-
      // entropy.check.ts), divided by the step h·max(1,|θ_i|) ≥ h; plus 2× the a-posteriori truncation
      const kappa = (1 + gamma) / (1 - gamma);
      const scale = Math.max(1, maxAbs(ev.Q) + c.lambda * maxAbs(ev.logPi)) / (1 - gamma);
      const rounding = (1.5 * 4 * S * kappa * EPS * scale) / h;
      for (let k = 0; k < Hc.length; k++) {
        const tol = rounding + (2 * Math.abs(fd[k] - fd2[k])) / 15;
        const err = Math.abs(fd[k] - Hc[k]);
        expect(err, c.name).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, err / tol);
      }
    }
    console.log(`FD Jacobian of ∇J at θ* vs closed form: worst err/tol = ${worst.toFixed(3)}`);
  });

  it('structure: symmetric, negative semidefinite, gauge vectors 1_s in the null space', () => {
    for (const c of cases) {
      const { S, A } = c.mdp;
      const n = S * A;
      const opt = softOpt(c.mdp, c.r, c.lambda);
      const ev = evaluatePolicy(c.mdp, c.r, opt.thetaStar, c.lambda);
      const H = hessianJ(c.mdp, c.r, opt.thetaStar, c.lambda);
      const tol = hessianTolerance(c.mdp, c.lambda, maxAbs(ev.adv));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(H[i * n + j] - H[j * n + i]), c.name).toBeLessThanOrEqual(2 * tol);
      for (let s = 0; s < S; s++) {
        // H·1_s: the row sums of each block, A·tol at most
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let a = 0; a < A; a++) acc += H[i * n + s * A + a];
          expect(Math.abs(acc), c.name).toBeLessThanOrEqual(A * tol);
        }
      }
      // vᵀHv ≤ 0 for random v (up to the entrywise tolerance times ‖v‖₁²)
      for (let k = 0; k < 5; k++) {
        const v = randomLogits(n, 700 + k);
        let q = 0;
        let l1 = 0;
        for (let i = 0; i < n; i++) {
          l1 += Math.abs(v[i]);
          for (let j = 0; j < n; j++) q += v[i] * H[i * n + j] * v[j];
        }
        expect(q, c.name).toBeLessThanOrEqual(tol * l1 * l1);
      }
    }
  });

  it('away from θ* the Adv-terms matter: the closed form (with d, π at θ) is not the Hessian', () => {
    // the closed form uses Adv* = 0; at a generic θ the terms (dd + d u)∘π∘Adv and the dV
    // coupling are O(‖Adv‖) and the formula is off by that much
    const c = cases.find((k) => k.mdp.S === 4 && k.mdp.gamma === 0.9 && k.lambda === 0.3)!;
    const theta = randomLogits(12, 41, 1);
    const ev = evaluatePolicy(c.mdp, c.r, theta, c.lambda);
    const H = hessianJ(c.mdp, c.r, theta, c.lambda);
    const Hc = optimumHessianClosedForm(c.mdp, ev.pi, ev.d, c.lambda);
    console.log(`at a random θ: ‖Adv‖∞ = ${maxAbs(ev.adv).toExponential(2)}, ‖H − closed form‖max = ${maxAbsDiff(H, Hc).toExponential(2)}`);
    expect(maxAbsDiff(H, Hc)).toBeGreaterThan(1e-3);
  });

  it('symbolically (mathjs): second derivatives of the closed-form J of a two-state MDP at θ*', () => {
    const chain = twoStateChain({ rho: [0.3, 0.7] });
    const expr = parse(symbolicJ(chain.mdp.P, chain.reward, chain.mdp.rho));
    const names = ['t00', 't01', 't10', 't11'];
    const first = names.map((v) => derivative(expr, v, { simplify: false }));
    // the upper triangle of the 4×4 Hessian, by differentiating the first derivatives again
    const second = names.map((_, i) => names.map((w, j) => (j >= i ? derivative(first[i], w, { simplify: false }).compile() : null)));
    let worst = 0;
    let worstAbs = 0;
    for (const lambda of [1, 0.3, 0.1]) {
      const opt = softOpt(chain.mdp, chain.reward, lambda);
      const ev = evaluatePolicy(chain.mdp, chain.reward, opt.thetaStar, lambda);
      const Hc = optimumHessianClosedForm(chain.mdp, opt.piStar, ev.d, lambda);
      const t = opt.thetaStar;
      const scope = { t00: t[0], t01: t[1], t10: t[2], t11: t[3], lam: lambda, gam: chain.mdp.gamma };
      // the symbolic value is the exact Hessian at the computed θ*, so the Adv-term budget
      // applies; its own rounding is that of the first derivatives (16·S·κ·ε of the value
      // scale, policy-gradient-entropy.check.ts) once more differentiated: the same bound
      const kappa = (1 + chain.mdp.gamma) / (1 - chain.mdp.gamma);
      const scale = Math.max(1, maxAbs(chain.reward) + lambda * maxAbs(ev.logPi)) / (1 - chain.mdp.gamma);
      const tol = hessianTolerance(chain.mdp, lambda, maxAbs(ev.adv)) + 16 * 2 * kappa * EPS * scale;
      for (let i = 0; i < 4; i++)
        for (let j = i; j < 4; j++) {
          const v = second[i][j]!.evaluate(scope) as number;
          const err = Math.abs(v - Hc[i * 4 + j]);
          expect(err).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
          worstAbs = Math.max(worstAbs, err);
        }
    }
    console.log(`symbolic ∂²J at θ* vs closed form: worst |err| = ${worstAbs.toExponential(2)}, err/tol = ${worst.toExponential(2)}`);
  });
});
