import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { meiLojasiewiczConstant } from '../../src/gradient/lojasiewicz.js';
import { policyGradientFromEvaluation } from '../../src/gradient/policyGradient.js';
import { garnetOrThrow, getOrThrow, validateMdp } from '../../src/mdp/index.js';
import type { Mdp } from '../../src/mdp/types.js';
import { plainOptimum } from '../../src/optimal/index.js';
import { makeRng } from '../../src/random/rng.js';
import { evaluatePolicy, evaluatePolicyTable } from '../../src/value/policyEvaluation.js';
import { arbProblem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, norm2 } from '../support/numeric.js';

interface Optimum {
  readonly policy: Int32Array;
  /** `J^{π*}` of the deterministic optimal policy `policy` (the π* of the lemma). */
  readonly Jstar: number;
  readonly dStar: Float64Array;
  readonly converged: boolean;
}

/** A deterministic optimal policy π* (λ = 0), its value and its visitation d^{π*}_ρ. */
const optimumOf = (mdp: Mdp, r: Readonly<Float64Array>): Optimum => {
  const o = plainOptimum(mdp, r);
  if (E.isLeft(o)) throw new Error(o.left.message);
  const ev = evaluatePolicyTable(mdp, r, o.right.piStar, new Float64Array(mdp.S * mdp.A), 0);
  return { policy: o.right.policy, Jstar: ev.J, dStar: ev.d, converged: o.right.converged };
};

/** ‖∇J(θ)‖₂, c(θ) and J* − J(θ) at λ = 0, with the rounding each may carry. */
const lemmaAt = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, opt: Optimum) => {
  const { S, A, gamma } = mdp;
  const ev = evaluatePolicy(mdp, r, theta, 0);
  const gradNorm = norm2(policyGradientFromEvaluation(mdp, ev));
  const c = meiLojasiewiczConstant(S, A, ev.pi, opt.policy, opt.dStar, ev.d);
  // backward-stable solves: J and J* to κ(S + 2)ε of the value scale, each ∂J/∂θ to that over (1 − γ)
  const kappa = (1 + gamma) / (1 - gamma);
  const valueErr = 64 * kappa * (S + A + 2) * EPS * (maxAbs(r) / (1 - gamma) + 1);
  return { gradNorm, c, gap: opt.Jstar - ev.J, gapErr: 2 * valueErr, gradErr: (Math.sqrt(S * A) * valueErr) / (1 - gamma) };
};

/** ‖∇J‖ ≥ c(θ)·(J* − J) (Mei et al. 2020, Lemma 8), up to the rounding of each side. */
const expectLemma = (l: ReturnType<typeof lemmaAt>): void => {
  expect(Number.isNaN(l.c)).toBe(false);
  expect(l.gradNorm + l.gradErr).toBeGreaterThanOrEqual(l.c * (l.gap - l.gapErr));
};

/** S = 2, A = 2, γ = ½, ρ = e₀: action 0 stays, action 1 switches state; r[1, 0] = 1 (stay in state 1). */
const switching = (extraUnreachable: boolean): { mdp: Mdp; r: Float64Array } => {
  const S = extraUnreachable ? 3 : 2;
  const P = new Float64Array(S * 2 * S);
  const to = (s: number, a: number, t: number): void => void (P[(s * 2 + a) * S + t] = 1);
  to(0, 0, 0);
  to(0, 1, 1);
  to(1, 0, 1);
  to(1, 1, 0);
  if (extraUnreachable) {
    to(2, 0, 2);
    to(2, 1, 2);
  }
  const rho = new Float64Array(S);
  rho[0] = 1;
  const r = new Float64Array(S * 2);
  r[1 * 2 + 0] = 1;
  return { mdp: getOrThrow(validateMdp({ S, A: 2, gamma: 0.5, P, rho }), 'fixture'), r };
};

describe('Mei et al. (2020, Lemma 8) non-uniform Łojasiewicz constant (MATH.md §9)', () => {
  it('one-state bandit: d = d* = 1, so c(θ) = π_θ(a*)', () => {
    // r = (0, 1, ½), θ = (0, log 2, 0): π = (¼, ½, ¼), a* = 1
    const mdp = getOrThrow(validateMdp({ S: 1, A: 3, gamma: 0.9, P: Float64Array.of(1, 1, 1), rho: Float64Array.of(1) }), 'bandit');
    const r = Float64Array.of(0, 1, 0.5);
    const opt = optimumOf(mdp, r);
    expect(Array.from(opt.policy)).toEqual([1]);
    expect(Array.from(opt.dStar)).toEqual([1]);
    const theta = Float64Array.of(0, Math.log(2), 0);
    const l = lemmaAt(mdp, r, theta, opt);
    expect(l.c).toBeCloseTo(0.5, 15);
    // J* = 1/(1 − γ) = 10, J = (½ + ⅛)/(1 − γ) = 6.25; ∇J = π(r − πᵀr)/(1 − γ) = (−1.5625, 1.875, −0.3125)
    expect(l.gap).toBeCloseTo(3.75, 12);
    expect(l.gradNorm).toBeCloseTo(Math.hypot(1.5625, 1.875, 0.3125), 12);
    expectLemma(l);
    // the example of the doc comment
    expect(meiLojasiewiczConstant(1, 3, Float64Array.of(0.25, 0.5, 0.25), Int32Array.of(1), Float64Array.of(1), Float64Array.of(1))).toBe(0.5);
  });

  it('two states: the visitation ratio ‖d*/d‖∞ = 2 and √S enter as in the lemma', () => {
    // π* = (switch, stay): d* = (½, ½); uniform π: d = (¾, ¼), so ‖d*/d‖∞ = 2 and c = ½/(√2·2)
    const { mdp, r } = switching(false);
    const opt = optimumOf(mdp, r);
    expect(Array.from(opt.policy)).toEqual([1, 0]);
    expect(opt.dStar[0]).toBeCloseTo(0.5, 15);
    expect(opt.dStar[1]).toBeCloseTo(0.5, 15);
    const l = lemmaAt(mdp, r, new Float64Array(4), opt);
    expect(l.c).toBeCloseTo(1 / (4 * Math.SQRT2), 15);
    expectLemma(l);
  });

  it('a state π* never visits adds nothing to the ratio (0/0 is 0, not NaN); one π_θ never visits makes c = 0', () => {
    // the two-state problem with a third, absorbing state that no policy reaches from ρ
    const { mdp, r } = switching(true);
    const opt = optimumOf(mdp, r);
    expect(opt.dStar[2]).toBe(0);
    const l = lemmaAt(mdp, r, new Float64Array(6), opt);
    expect(l.c).toBeCloseTo(0.5 / (Math.sqrt(3) * 2), 15);
    expectLemma(l);
    // d(1) = 0 < d*(1): the ratio is ∞ and the bound trivial
    expect(meiLojasiewiczConstant(2, 2, Float64Array.of(0.5, 0.5, 0.5, 0.5), Int32Array.of(1, 0), Float64Array.of(0.5, 0.5), Float64Array.of(1, 0))).toBe(0);
  });

  it('‖∇J‖ ≥ c(θ)(J* − J) on random θ of small Garnets at λ = 0', () => {
    const rng = makeRng(7);
    let nonTrivial = 0;
    let checked = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const S = 1 + (seed % 6);
      const A = 2 + (seed % 3);
      const gamma = [0.5, 0.9, 0.99][seed % 3];
      const { mdp, reward } = garnetOrThrow({ S, A, branching: Math.min(S, 2), gamma, seed });
      const r = Float64Array.from(reward);
      const opt = optimumOf(mdp, r);
      expect(opt.converged).toBe(true);
      for (let k = 0; k < 30; k++) {
        // gaussian θ at three scales, and θ = c·e_{a*} + z near the deterministic optimum
        const scale = [0.5, 2, 8][k % 3];
        const theta = Float64Array.from({ length: S * A }, () => scale * rng.normal());
        if (k % 2 === 1) for (let s = 0; s < S; s++) theta[s * A + opt.policy[s]] += 2 + k / 3;
        const l = lemmaAt(mdp, r, theta, opt);
        expectLemma(l);
        checked++;
        if (l.c > 0 && l.gap > l.gapErr) nonTrivial++;
      }
    }
    expect(checked).toBe(24 * 30);
    // ρ is uniform on a Garnet, so d > 0 and c > 0: the bound says something on almost every sample
    expect(nonTrivial).toBeGreaterThan(0.9 * checked);
  });

  it('holds on generated MDPs (ρ with zeros, γ up to 0.99, near-deterministic θ)', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 6, maxA: 4 }), (p) => {
        const opt = optimumOf(p.mdp, p.r);
        fc.pre(opt.converged);
        expectLemma(lemmaAt(p.mdp, p.r, p.theta, opt));
      }),
      fcParams(200),
    );
  });
});
