/**
 * Sizes of one (S = 1, A = 1, k = 1, H = 1) through every public function that takes them, against
 * values computed by hand: a one-state bandit with a self-loop has V = r_π/(1−γ), π* = softmax(ν/λ),
 * ψ[a] = (∂r[a] − Σ_b π*(b) ∂r[b])/λ, and with one action π ≡ 1, ψ ≡ 0, H is empty.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { runAparl, type BilevelProblem } from '../../src/algorithm/aparl.js';
import { validateAparlConfig } from '../../src/algorithm/config.js';
import { formatParlError } from '../../src/errors/parlError.js';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import { hessianJ } from '../../src/hessian/index.js';
import { lowerPointAt, solveLowerLevel } from '../../src/lowerLevel/lowerSolution.js';
import { garnet } from '../../src/mdp/index.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';
import { NU_SCORE_ROUTES, nuScoreOf, nuScoreVjpOf } from '../../src/nuScore/routes.js';
import { plainOptimum, softOptimum } from '../../src/optimal/index.js';
import { makeRng } from '../../src/random/rng.js';
import type { RewardModel } from '../../src/reward/rewardModel.js';
import { upperLevelExact, upperLevelSampled } from '../../src/upperLevel/objective.js';
import { policyPointAtLower, policyPointOf } from '../../src/upperLevel/policyPoint.js';
import { preferenceObjectiveExact } from '../../src/upperLevel/preference.js';
import { sampleSegment } from '../../src/upperLevel/sampler.js';
import { bradleyTerryTeacher } from '../../src/upperLevel/types.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { maxAbs, maxAbsDiff } from '../support/numeric.js';
import { arbMdp } from '../arbitraries/mdp.js';
import { FC_SEED } from '../support/fcParams.js';
import fc from 'fast-check';
import { right } from '../support/either.js';


/** One state with a self-loop under every action. */
const bandit = (A: number, gamma: number): Mdp =>
  right(validateMdp({ S: 1, A, gamma, P: new Float64Array(A).fill(1), rho: Float64Array.of(1) }));

const softmax = (x: ReadonlyArray<number>, lambda: number): number[] => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp((v - m) / lambda));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};

// every value below is a sum of a few float64 terms divided by 1 − γ = 0.5 or λ = 0.5: a few ulps
const TOL = 1e-14;

describe('S = 1 (a bandit), A = 2, tabular ν', () => {
  const gamma = 0.5;
  const lambda = 0.5;
  const mdp = bandit(2, gamma);
  const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };
  const nu = Float64Array.of(0.3, -0.4);
  const piStar = softmax([0.3, -0.4], lambda);

  it('evaluation, gradient and Hessian at θ = 0 match the hand formulas', () => {
    const ev = evaluatePolicy(mdp, nu, new Float64Array(2), lambda);
    const rPi = 0.5 * 0.3 + 0.5 * -0.4 + lambda * Math.log(2);
    expect(Math.abs(ev.V[0] - rPi / (1 - gamma))).toBeLessThanOrEqual(TOL);
    expect(ev.d[0]).toBe(1);
    // ∂J/∂θ[a] = π(a) Adv[a]/(1−γ), Adv[a] = r[a] − λ log π(a) − r_π  (Q = r + γV, V = r_π + γV)
    const g = policyGradient(mdp, nu, new Float64Array(2), lambda);
    const adv = [0.3 + lambda * Math.log(2) - rPi, -0.4 + lambda * Math.log(2) - rPi];
    expect(Math.abs(g[0] - (0.5 * adv[0]) / (1 - gamma))).toBeLessThanOrEqual(TOL);
    expect(Math.abs(g[0] + g[1])).toBeLessThanOrEqual(TOL);
    const H = hessianJ(mdp, nu, new Float64Array(2), lambda);
    expect(H.length).toBe(4);
    // the gauge: H·(1, 1) = 0
    expect(Math.abs(H[0] + H[1])).toBeLessThanOrEqual(TOL);
  });

  it('θ*, V* and ψ by every route match softmax(ν/λ) and (e_a − π*)/λ', () => {
    const sol = right(solveLowerLevel(mdp, model, nu, lambda));
    expect(sol.optimum.report.reliable).toBe(true);
    expect(maxAbsDiff(sol.optimum.piStar, piStar)).toBeLessThanOrEqual(TOL);
    const vStar = (lambda * Math.log(Math.exp(0.3 / lambda) + Math.exp(-0.4 / lambda))) / (1 - gamma);
    expect(Math.abs(sol.optimum.VStar[0] - vStar)).toBeLessThanOrEqual(TOL);
    const psi = [(1 - piStar[0]) / lambda, -piStar[1] / lambda, -piStar[0] / lambda, (1 - piStar[1]) / lambda];
    for (const route of NU_SCORE_ROUTES) {
      const r = right(nuScoreOf(sol, route));
      expect(r.report.reliable, route).toBe(true);
      expect(maxAbsDiff(r.psi, psi), route).toBeLessThanOrEqual(1e-12);
      const vjp = right(nuScoreVjpOf(sol, route, Float64Array.of(1, 0)));
      expect(maxAbsDiff(vjp.value, psi.slice(0, 2)), route).toBeLessThanOrEqual(1e-12);
    }
    expect(right(plainOptimum(mdp, nu)).policy[0]).toBe(0);
  });

  it('additive G and ∇G (H = 1 preference too) at θ*', () => {
    const sol = right(solveLowerLevel(mdp, model, nu, lambda));
    const u = Float64Array.of(1, 2);
    const v = right(upperLevelExact({ kind: 'additive', utility: { kind: 'additive', u } }, policyPointOf(sol)));
    // G = Σ π* u/(1−γ); ∇G = Σ_a π*(a)(u_a − Ū) ψ[a]/(1−γ) with Ū = Σ π* u
    const ubar = piStar[0] * 1 + piStar[1] * 2;
    expect(Math.abs(v.G - ubar / (1 - gamma))).toBeLessThanOrEqual(TOL);
    const grad = [0, 1].map((i) => [0, 1].reduce((acc, a) => acc + (piStar[a] * (u[a] - ubar) * ((a === i ? 1 : 0) - piStar[i])) / lambda, 0) / (1 - gamma));
    expect(maxAbsDiff(v.gradG, grad)).toBeLessThanOrEqual(1e-13);
    expect(maxAbs(v.gradGMyopic)).toBe(0);
    expect(v.reports.every((r) => r.reliable)).toBe(true);
    // preference with segments of length H = 1: pairs (a, b) with probability π*(a)π*(b)
    const pref = right(preferenceObjectiveExact(policyPointOf(sol), bradleyTerryTeacher(1), Float64Array.of(1, 0), 1));
    let G = 0;
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
      const y = sig(1 * ([1, 0][a] - [1, 0][b]));
      const delta = nu[a] - nu[b];
      G += piStar[a] * piStar[b] * (y * Math.log(sig(delta)) + (1 - y) * Math.log(sig(-delta)));
    }
    expect(Math.abs(pref.G - G)).toBeLessThanOrEqual(TOL);
    expect(pref.segments).toBe(2);
    expect(sampleSegment(mdp, sol.optimum.piStar, 1, makeRng(3)).states.length).toBe(1);
  });
});

describe('A = 1 with one linear feature (k = 1), S = 2', () => {
  const mdp = right(validateMdp({ S: 2, A: 1, gamma: 0.8, P: Float64Array.of(0, 1, 1, 0), rho: Float64Array.of(1, 0) }));
  const model: RewardModel = { kind: 'linear', S: 2, A: 1, k: 1, features: Float64Array.of(1, -2) };
  const nu = Float64Array.of(0.7);

  it('π ≡ 1, V = (I − γP)⁻¹ r, ψ ≡ 0 by every route, ∇G of a fixed u is 0', () => {
    const sol = right(solveLowerLevel(mdp, model, nu, 0.3));
    expect(Array.from(sol.optimum.piStar)).toEqual([1, 1]);
    // V0 = r0 + γ V1, V1 = r1 + γ V0 with r = (0.7, −1.4)
    const V0 = (0.7 + 0.8 * -1.4) / (1 - 0.64);
    expect(Math.abs(sol.optimum.VStar[0] - V0)).toBeLessThanOrEqual(TOL);
    for (const route of NU_SCORE_ROUTES) {
      const r = right(nuScoreOf(sol, route));
      expect(r.psi.length, route).toBe(2);
      expect(maxAbs(r.psi), route).toBeLessThanOrEqual(1e-15);
      expect(r.report.reliable, route).toBe(true);
    }
    const v = right(upperLevelExact({ kind: 'additive', utility: { kind: 'additive', u: Float64Array.of(1, 1) } }, policyPointOf(sol)));
    expect(v.gradG.length).toBe(1);
    expect(Math.abs(v.gradG[0])).toBeLessThanOrEqual(1e-15);
    // the implicit route at any θ (A-PARL's θ^K): also defined, also zero
    const p = policyPointAtLower(right(lowerPointAt(mdp, model, nu, Float64Array.of(3, -1), 0.3)));
    expect(maxAbs(p.nuScoreVjp(Float64Array.of(1, 1)).value)).toBe(0);
  });
});

describe('S = 1, A = 1: the smallest problem through everything', () => {
  const mdp = bandit(1, 0.9);
  const model: RewardModel = { kind: 'tabular', S: 1, A: 1 };

  it('garnet, optimum solvers, evaluation and the ν-score accept it', () => {
    const g = right(garnet({ S: 1, A: 1, branching: 1, seed: 1 }));
    expect(g.mdp.P.length).toBe(1);
    expect(right(softOptimum(mdp, Float64Array.of(2), 0.1)).VStar[0]).toBeCloseTo(20, 12);
    expect(right(plainOptimum(mdp, Float64Array.of(2))).VStar[0]).toBeCloseTo(20, 12);
    const sol = right(solveLowerLevel(mdp, model, Float64Array.of(2), 0.1));
    // one action: ψ ≡ 0 exactly (the implicit routes return −0 from their sign flip)
    for (const route of NU_SCORE_ROUTES) expect(maxAbs(right(nuScoreOf(sol, route)).psi), route).toBe(0);
  });

  it('A-PARL runs in exact, oracle and sampled mode, with reports in every record', () => {
    for (const upper of [
      { kind: 'additive' as const, utility: { kind: 'additive' as const, u: Float64Array.of(1) } },
      { kind: 'preference' as const, teacher: bradleyTerryTeacher(1), rTrue: Float64Array.of(1), H: 1 },
    ]) {
      const problem: BilevelProblem = { name: 'one', mdp, model, upper, rTrue: Float64Array.of(1), nu0: Float64Array.of(0), theta0: Float64Array.of(0) };
      for (const mode of ['exact', 'oracle', 'sampled'] as const) {
        const cfg = right(validateAparlConfig({ mode, T: 3, K: 2, N: 4, lambda: 0.2, seed: 1, trackTrueGradient: true }));
        const run = runAparl(problem, cfg);
        if (E.isLeft(run)) throw new Error(formatParlError(run.left));
        for (const r of run.right.records) {
          expect(Number.isFinite(r.G) || mode === 'sampled').toBe(true);
          expect(r.solves.length).toBeGreaterThan(0);
          expect(r.solves.find((s) => s.quantity === 'V*')?.reliable).toBe(true);
          // one action: nothing to learn, ν never moves from 0 and the lower gap is 0
          expect(Math.abs(r.lowerGap)).toBeLessThanOrEqual(1e-14);
        }
      }
    }
  });

  it('the sampled upper level accepts N = 1 and H = 1', () => {
    const sol = right(solveLowerLevel(mdp, model, Float64Array.of(0), 0.2));
    const s = upperLevelSampled({ kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: Float64Array.of(1), H: 1 }, 'parl', mdp, model, sol.nu, sol.optimum.piStar, new Float64Array(1), 1, makeRng(2));
    expect(Array.from(s.gradient)).toEqual([0]);
    expect(s.queries).toBe(1);
  });

  it('invalid sizes are a Left naming the field', () => {
    const bad = solveLowerLevel(mdp, model, Float64Array.of(0, 1), 0.2);
    expect(E.isLeft(bad) && formatParlError(bad.left)).toMatch(/^nu: expected 1 reward parameters, got 2/);
    const theta = lowerPointAt(mdp, model, Float64Array.of(0), Float64Array.of(NaN), 0.2);
    expect(E.isLeft(theta) && theta.left._tag === 'InvalidInput' && [theta.left.field, theta.left.index]).toEqual(['theta', [0, 0]]);
  });
});

describe('the property-test generators produce sizes of one', () => {
  it('arbMdp yields S = 1 and A = 1 (and both at once) under the CI seed', () => {
    const sample = fc.sample(arbMdp({ maxS: 5, maxA: 3 }), { seed: FC_SEED, numRuns: 300 });
    expect(sample.some((m) => m.S === 1)).toBe(true);
    expect(sample.some((m) => m.A === 1)).toBe(true);
    expect(sample.some((m) => m.S === 1 && m.A === 1)).toBe(true);
  });
});
