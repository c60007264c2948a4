/**
 * Checks of `hessian-closed-form.md`: at any θ,
 * `H[i,j] = c(β_iκ_jG[j,s_i] + κ_iβ_jG[i,s_j] + [s_i=s_j]d(s)(π_i(Adv_i−λ)[i=j] + λπ_iπ_j))`
 * (MATH.md §6), `hessianStructuredFromContext`, against three independent routes: the Hessian
 * assembled from S·A Hessian-vector products, Richardson differences of the exact policy gradient,
 * and (mathjs) the symbolic second derivatives of a two-state J.
 *
 * Rounding model (as in test/hessian/hessian.test.ts): with α = max|Adv|, mag = max|Q| + λ max|log π|
 * + max|V| and κ = (1+γ)/(1−γ), every entry of H is bounded by `bound(α) = (5α/(1−γ) + λ)/(1−γ)`
 * and each route computes it to ≲ `(S+A+2)·ε·κ·bound(mag)`.
 */
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { hessianFromContext } from '../src/hessian/hessian.js';
import { hessianContext } from '../src/hessian/hessianVectorProduct.js';
import { optimumHessianClosedForm } from '../src/hessian/optimumHessian.js';
import { hessianStructuredFromContext } from '../src/hessian/structuredHessian.js';
import { twoStateChain } from '../src/mdp/chain.js';
import type { Mdp } from '../src/mdp/types.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, maxAbsDiff, randomLogits, softOpt, symbolicJ } from './support.js';

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly lambda: number;
  readonly theta: Float64Array;
}

const cases: Case[] = (() => {
  const out: Case[] = [];
  let seed = 90;
  for (const [S, A, b] of [[1, 3, 1], [3, 1, 2], [4, 3, 3], [6, 4, 3]] as const)
    for (const gamma of [0, 0.9, 0.99])
      for (const lambda of [0, 0.1, 1])
        for (const scale of [1, 8]) {
          const { mdp, reward } = garnetCase(S, A, b, seed++, gamma);
          out.push({ name: `garnet(${S},${A}) γ=${gamma} λ=${lambda} θ~${scale}·N`, mdp, r: Float64Array.from(reward), lambda, theta: randomLogits(S * A, seed, scale) });
        }
  return out;
})();

/** The rounding bound of one route's H (module comment). */
const roundingOf = (c: Case): number => {
  const { S, A, gamma } = c.mdp;
  const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
  const mag = maxAbs(ev.Q) + c.lambda * maxAbs(ev.logPi) + maxAbs(ev.V);
  const kappa = (1 + gamma) / (1 - gamma);
  return (S + A + 2) * EPS * kappa * (((5 * mag) / (1 - gamma) + c.lambda) / (1 - gamma)) + 1e-300;
};

describe('the Hessian in closed form (proofs/hessian-closed-form.md)', () => {
  it('equals the Hessian from S·A Hessian-vector products, and is exactly symmetric', () => {
    let worst = 0;
    for (const c of cases) {
      const ctx = hessianContext(c.mdp, c.r, c.theta, c.lambda);
      const H = hessianStructuredFromContext(ctx);
      const Hv = hessianFromContext(ctx);
      const tol = 2 * roundingOf(c);
      const err = maxAbsDiff(H, Hv);
      expect(err, c.name).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, err / tol);
      const n = c.mdp.S * c.mdp.A;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(H[i * n + j], c.name).toBe(H[j * n + i]);
    }
    console.log(`closed form vs HVP columns: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('is the Jacobian of ∇J (Richardson differences of policyGradient, no Hessian code)', () => {
    const h = EPS ** 0.2;
    let worst = 0;
    for (const c of cases.filter((k) => k.mdp.S <= 4 && k.mdp.gamma < 0.99)) {
      const { S, A, gamma } = c.mdp;
      const H = hessianStructuredFromContext(hessianContext(c.mdp, c.r, c.theta, c.lambda));
      const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
      const g = (t: Readonly<Float64Array>) => policyGradient(c.mdp, c.r, t, c.lambda);
      const fd = numericJacobian(g, c.theta, S * A, { order: 4 });
      const fd2 = numericJacobian(g, c.theta, S * A, { order: 4, h: 2 * h * Math.max(1, maxAbs(c.theta)) });
      // as in hessian-at-optimum.check.ts: the gradient's rounding (4·S·κ·ε of its value scale)
      // over the step h·max(1, |θ_i|) ≥ h, 1.5 for the Richardson weights, plus twice the
      // a-posteriori truncation estimate |D(h) − D(2h)|/15, plus the closed form's own rounding
      const kappa = (1 + gamma) / (1 - gamma);
      const scale = Math.max(1, maxAbs(ev.Q) + c.lambda * maxAbs(ev.logPi)) / (1 - gamma);
      const rounding = (1.5 * 4 * S * kappa * EPS * scale) / h + roundingOf(c);
      for (let k = 0; k < H.length; k++) {
        const tol = rounding + (2 * Math.abs(fd[k] - fd2[k])) / 15;
        const err = Math.abs(fd[k] - H[k]);
        expect(err, `${c.name} [${k}]`).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, err / tol);
      }
    }
    console.log(`FD Jacobian of ∇J vs closed form: worst err/tol = ${worst.toFixed(3)}`);
  });

  it('at θ* (λ > 0) it is the optimum form −cλ blockdiag d(diag π − ππᵀ), within the optimum residual', () => {
    for (const c of cases.filter((k) => k.lambda > 0)) {
      const opt = softOpt(c.mdp, c.r, c.lambda);
      const ctx = hessianContext(c.mdp, c.r, opt.thetaStar, c.lambda);
      const H = hessianStructuredFromContext(ctx);
      const Hc = optimumHessianClosedForm(c.mdp, opt.piStar, ctx.ev.d, c.lambda);
      // the G terms carry β = π∘Adv*, ≤ 4‖Adv*‖∞/(1−γ)² per entry (hessian-at-optimum.md), plus rounding
      const tol = (4 * maxAbs(ctx.ev.adv)) / (1 - c.mdp.gamma) ** 2 + 2 * roundingOf({ ...c, theta: opt.thetaStar });
      expect(maxAbsDiff(H, Hc), c.name).toBeLessThanOrEqual(tol);
    }
  });

  it('symbolically (mathjs): second derivatives of the closed-form J of a two-state MDP at random θ', () => {
    const chain = twoStateChain({ rho: [0.3, 0.7] });
    const expr = parse(symbolicJ(chain.mdp.P, chain.reward, chain.mdp.rho));
    const names = ['t00', 't01', 't10', 't11'];
    const first = names.map((v) => derivative(expr, v, { simplify: false }));
    const second = names.map((_, i) => names.map((w, j) => (j >= i ? derivative(first[i], w, { simplify: false }).compile() : null)));
    let worst = 0;
    let worstAbs = 0;
    for (const lambda of [1, 0.3, 0]) {
      for (const seed of [5, 6, 7]) {
        const t = randomLogits(4, seed, 2);
        const H = hessianStructuredFromContext(hessianContext(chain.mdp, chain.reward, t, lambda));
        const scope = { t00: t[0], t01: t[1], t10: t[2], t11: t[3], lam: lambda, gam: chain.mdp.gamma };
        // the symbolic expression is evaluated in float64 too: its rounding is that of the first
        // derivatives (16·S·κ·ε of the value scale, policy-gradient-entropy.check.ts) once more
        // differentiated, plus the closed form's own
        const c: Case = { name: 'chain', mdp: chain.mdp, r: Float64Array.from(chain.reward), lambda, theta: t };
        const kappa = (1 + chain.mdp.gamma) / (1 - chain.mdp.gamma);
        const ev = evaluatePolicy(chain.mdp, chain.reward, t, lambda);
        const scale = Math.max(1, maxAbs(chain.reward) + lambda * maxAbs(ev.logPi)) / (1 - chain.mdp.gamma);
        const tol = 16 * 2 * kappa * EPS * scale + roundingOf(c);
        for (let i = 0; i < 4; i++)
          for (let j = i; j < 4; j++) {
            const v = second[i][j]!.evaluate(scope) as number;
            const err = Math.abs(v - H[i * 4 + j]);
            expect(err, `λ=${lambda} seed ${seed} [${i},${j}]`).toBeLessThanOrEqual(tol);
            worst = Math.max(worst, err / tol);
            worstAbs = Math.max(worstAbs, err);
          }
      }
    }
    console.log(`symbolic ∂²J at random θ vs closed form: worst |err| = ${worstAbs.toExponential(2)}, err/tol = ${worst.toExponential(2)}`);
  });
});
