/**
 * Checks of `policy-gradient-entropy.md`: the entropy-regularised policy gradient theorem
 * `∂J/∂θ[s,a] = d(s) π(a|s) Adv[s,a] / (1−γ)`, `Adv = Q − λ log π − V` (MATH.md §3–§4).
 *
 * Code under test: `policyGradient` (src/gradient/policyGradient.ts), `evaluatePolicy`
 * (src/value/policyEvaluation.ts), `softmaxLogProbs` (src/policy/softmax.ts).
 */
import { derivative, parse, type EvalFunction } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericGradient } from '../src/check/finiteDifference.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { twoStateChain } from '../src/mdp/chain.js';
import { validateMdp, getOrThrow } from '../src/mdp/validate.js';
import type { Mdp } from '../src/mdp/types.js';
import { softmaxLogProbs } from '../src/policy/softmax.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, maxAbsDiff, randomLogits, symbolicJ } from './support.js';

/**
 * Size of the terms that make up `J` (and `V`, `Q`): `(‖r‖∞ + λ‖log π‖∞)/(1−γ)`. Rounding
 * errors of J and of the gradient are relative to this, not to |J| (which may be small by
 * cancellation).
 */
const valueScale = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): number =>
  Math.max(1, (maxAbs(r) + lambda * maxAbs(softmaxLogProbs(theta, mdp.S, mdp.A))) / (1 - mdp.gamma));

/** ∞-norm condition bound of `M = I − γP_π`: ‖M‖∞ ≤ 1 + γ and ‖M⁻¹‖∞ ≤ 1/(1−γ). */
const kappa = (gamma: number): number => (1 + gamma) / (1 - gamma);

/** The generated cases: Garnet shapes × γ × λ × logit scale (seeded, deterministic). */
const cases = (() => {
  const out: { S: number; A: number; b: number; gamma: number; lambda: number; scale: number; seed: number }[] = [];
  let seed = 100;
  for (const [S, A, b] of [[3, 2, 2], [5, 3, 3], [6, 4, 6]] as const)
    for (const gamma of [0, 0.5, 0.9, 0.99])
      for (const lambda of [0, 0.1, 1])
        for (const scale of [1, 4]) out.push({ S, A, b, gamma, lambda, scale, seed: seed++ });
  return out;
})();

describe('policy gradient theorem with entropy (proofs/policy-gradient-entropy.md)', () => {
  it('Σ_a π(a|s) Adv[s,a] = 0 in every state (step 4 of the derivation)', () => {
    let worst = 0;
    for (const c of cases) {
      const { mdp, reward } = garnetCase(c.S, c.A, c.b, c.seed, c.gamma);
      const theta = randomLogits(c.S * c.A, c.seed + 7, c.scale);
      const ev = evaluatePolicy(mdp, reward, theta, c.lambda);
      // Σ_a π Adv = (r_π + γP_πV̂ − V̂)(s) = −(residual of the LU solve of M V = r_π), plus the
      // rounding of the sums. A backward-stable solve leaves a residual ≤ c·S·ε·‖M‖∞‖V̂‖∞ with
      // ‖M‖∞ ≤ 1+γ — no condition number: 8(S+A)ε(1+γ)·scale covers it with c = 8.
      const tol = 8 * (c.S + c.A) * EPS * (1 + c.gamma) * valueScale(mdp, reward, theta, c.lambda);
      for (let s = 0; s < c.S; s++) {
        let acc = 0;
        for (let a = 0; a < c.A; a++) acc += ev.pi[s * c.A + a] * ev.adv[s * c.A + a];
        expect(Math.abs(acc)).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, Math.abs(acc) / tol);
      }
    }
    console.log(`Σ_a π Adv: worst |·|/tol = ${worst.toExponential(2)}`);
  });

  it('soft performance difference lemma: J(θ′) − J(θ) = Σ_s d′(s) [Σ_a π′(Q − λ log π′) − V](s) / (1−γ)', () => {
    let worst = 0;
    for (const c of cases) {
      const { mdp, reward } = garnetCase(c.S, c.A, c.b, c.seed, c.gamma);
      const theta = randomLogits(c.S * c.A, c.seed + 7, c.scale);
      const theta2 = randomLogits(c.S * c.A, c.seed + 8, c.scale);
      const ev = evaluatePolicy(mdp, reward, theta, c.lambda);
      const ev2 = evaluatePolicy(mdp, reward, theta2, c.lambda);
      let rhs = 0;
      for (let s = 0; s < c.S; s++) {
        let inner = -ev.V[s];
        for (let a = 0; a < c.A; a++) {
          const i = s * c.A + a;
          inner += ev2.pi[i] * (ev.Q[i] - c.lambda * ev2.logPi[i]);
        }
        rhs += ev2.d[s] * inner;
      }
      rhs /= 1 - c.gamma;
      const lhs = ev2.J - ev.J;
      // both sides carry the solve error of J (relative κ(M)·S·ε of the value scale, twice)
      // and the sums' rounding; 4·S·κ·ε·scale per side.
      const scale = Math.max(valueScale(mdp, reward, theta, c.lambda), valueScale(mdp, reward, theta2, c.lambda));
      const tol = 8 * c.S * kappa(c.gamma) * EPS * scale;
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, Math.abs(lhs - rhs) / tol);
    }
    console.log(`performance difference: worst |lhs − rhs|/tol = ${worst.toExponential(2)}`);
  });

  it('∇J equals Richardson finite differences of J on generated cases', () => {
    const h = EPS ** 0.2; // MATH.md §10: h = ε^{1/5}·max(1,|θ_i|)
    let worstRatio = 0;
    let worstAbs = 0;
    for (const c of cases) {
      const { mdp, reward } = garnetCase(c.S, c.A, c.b, c.seed, c.gamma);
      const theta = randomLogits(c.S * c.A, c.seed + 7, c.scale);
      const J = (t: Readonly<Float64Array>): number => evaluatePolicy(mdp, reward, t, c.lambda).J;
      const g = policyGradient(mdp, reward, theta, c.lambda);
      const fd = numericGradient(J, theta, { order: 4 });
      const fd2h = numericGradient(J, theta, { order: 4, h: 2 * h * Math.max(1, maxAbs(theta)) });
      // Error model of the Richardson difference (src/check/tolerance.ts):
      //   rounding   1.5·u·ε·scale/h_i, with u = 4·S·κ(M) the per-evaluation error of J in
      //              units of ε·scale (an LU solve of M, κ∞(M) ≤ (1+γ)/(1−γ)), h_i ≥ h;
      //   truncation ≈ |D(h) − D(2h)|/15 (the h⁴ term is 16× larger at 2h), counted twice
      //              for safety; it is ≲ 1/10 of the rounding term on these cases.
      const rounding = (1.5 * 4 * c.S * kappa(c.gamma) * EPS * valueScale(mdp, reward, theta, c.lambda)) / h;
      for (let i = 0; i < g.length; i++) {
        const tol = rounding + (2 * Math.abs(fd[i] - fd2h[i])) / 15;
        const err = Math.abs(g[i] - fd[i]);
        expect(err).toBeLessThanOrEqual(tol);
        worstRatio = Math.max(worstRatio, err / tol);
        worstAbs = Math.max(worstAbs, err);
      }
    }
    console.log(`∇J vs Richardson FD: worst |err| = ${worstAbs.toExponential(2)}, worst err/tol = ${worstRatio.toFixed(3)}`);
  });

  it('without the −λ log π term the formula is wrong for λ > 0 (the term is necessary)', () => {
    // Adv_plain = Q − V: the "plain" advantage ignores that moving θ also changes the entropy
    // bonus collected in s itself. The difference d(s)π(a|s)(−λ log π(a|s))/(1−γ) is not in
    // the span of the gauge, so the FD check must reject it by a wide margin.
    const { mdp, reward } = garnetCase(4, 3, 3, 7, 0.9);
    const theta = randomLogits(12, 8, 2);
    const lambda = 0.5;
    const ev = evaluatePolicy(mdp, reward, theta, lambda);
    const wrong = new Float64Array(12);
    for (let s = 0; s < 4; s++)
      for (let a = 0; a < 3; a++) {
        const i = s * 3 + a;
        wrong[i] = (ev.d[s] * ev.pi[i] * (ev.Q[i] - ev.V[s])) / (1 - mdp.gamma);
      }
    const fd = numericGradient((t) => evaluatePolicy(mdp, reward, t, lambda).J, theta, { order: 4 });
    const good = policyGradient(mdp, reward, theta, lambda);
    const errGood = maxAbsDiff(good, fd);
    const errWrong = maxAbsDiff(wrong, fd);
    console.log(`λ = 0.5: ‖formula − FD‖∞ = ${errGood.toExponential(2)}, ‖plain-advantage formula − FD‖∞ = ${errWrong.toExponential(2)}`);
    expect(errGood).toBeLessThan(1e-9);
    expect(errWrong).toBeGreaterThan(1e-3);
  });
});

describe('policy gradient theorem, symbolically (mathjs) on a two-state MDP', () => {
  const chain = twoStateChain({ rho: [0.3, 0.7] });
  const expr = parse(symbolicJ(chain.mdp.P, chain.reward, chain.mdp.rho));
  const names = ['t00', 't01', 't10', 't11'] as const;
  const Jsym: EvalFunction = expr.compile();
  // math.derivative of the closed-form J: chain rule through the softmax, the entropy bonus and
  // the 2×2 inverse — nothing of parl-ts's formula is used.
  const dJ: EvalFunction[] = names.map((v) => derivative(expr, v, { simplify: false }).compile());

  const mdpAt = (gamma: number): Mdp =>
    getOrThrow(validateMdp({ S: 2, A: 2, gamma, P: chain.mdp.P, rho: chain.mdp.rho }), 'two-state chain');

  it('∂J/∂θ from math.derivative equals d π Adv/(1−γ) at several (θ, λ, γ)', () => {
    let worstRatio = 0;
    let worstAbs = 0;
    let points = 0;
    for (const gamma of [0, 0.5, 0.9])
      for (const lambda of [0, 0.1, 1])
        for (let seed = 1; seed <= 4; seed++) {
          const theta = randomLogits(4, 500 + seed, seed === 4 ? 6 : 2); // seed 4: near-deterministic
          const mdp = mdpAt(gamma);
          const scope = { t00: theta[0], t01: theta[1], t10: theta[2], t11: theta[3], lam: lambda, gam: gamma };
          const sym = dJ.map((f) => f.evaluate(scope) as number);
          const g = policyGradient(mdp, chain.reward, theta, lambda);
          // two float64 evaluations of the same exact derivative: each within a few S·κ(M)
          // ulps of the value scale (the symbolic one evaluates the closed-form inverse, whose
          // determinant is ≥ (1−γ)² — covered by κ); 16·S·κ·ε·scale.
          const tol = 16 * 2 * kappa(gamma) * EPS * valueScale(mdp, chain.reward, theta, lambda);
          const err = maxAbsDiff(sym, g);
          expect(err).toBeLessThanOrEqual(tol);
          // J itself, as a sanity check of the expression
          expect(Math.abs((Jsym.evaluate(scope) as number) - evaluatePolicy(mdp, chain.reward, theta, lambda).J)).toBeLessThanOrEqual(tol);
          worstRatio = Math.max(worstRatio, err / tol);
          worstAbs = Math.max(worstAbs, err);
          points++;
        }
    console.log(`symbolic ∂J/∂θ vs policyGradient at ${points} points: worst |err| = ${worstAbs.toExponential(2)}, err/tol = ${worstRatio.toExponential(2)}`);
  });
});
