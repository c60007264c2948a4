/**
 * The ν-score routes of a solved lower level (MATH.md §6) and their reports: a route that says its ψ
 * is reliable must agree with the closed form to the bound it states, and a route handed a wrong
 * Hessian must say it is unreliable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../../src/check/finiteDifference.js';
import { hessianFromContext, hessianVectorProductWith } from '../../src/hessian/index.js';
import { lowerPointAt, solveLowerLevel, type LowerSolution } from '../../src/lowerLevel/lowerSolution.js';
import { garnetOrThrow } from '../../src/mdp/index.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';
import { contractPsi, hessianContextOf, nuScoreOf, nuScoreVjpOf, type NuScoreRoute } from '../../src/nuScore/routes.js';
import { nuScoreImplicitDenseWith } from '../../src/nuScore/implicit.js';
import { nuScoreClosedFormWith } from '../../src/nuScore/closedForm.js';
import { softOptimum } from '../../src/optimal/index.js';
import { rewardDimension, rewardJacobianDense, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { arbMdp, bounded, boundedVector } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';
import { right } from '../support/either.js';


interface Case {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
}

/** Tabular or linear (k ≥ 1) rewards on MDPs from S = A = 1 up, λ ∈ [λmin, 1]. */
const arbCase = (o: { maxGamma: number; lambdaMin: number; nuMax: number }): fc.Arbitrary<Case> =>
  arbMdp({ maxS: 5, maxA: 3, maxGamma: o.maxGamma }).chain((mdp) =>
    fc.oneof(
      boundedVector(mdp.S * mdp.A, -o.nuMax, o.nuMax).map((nu) => ({ model: { kind: 'tabular', S: mdp.S, A: mdp.A } as RewardModel, nu })),
      fc.integer({ min: 1, max: 3 }).chain((k) =>
        fc.tuple(boundedVector(mdp.S * mdp.A * k, -1, 1), boundedVector(k, -o.nuMax, o.nuMax)).map(([features, nu]) => ({
          model: { kind: 'linear', S: mdp.S, A: mdp.A, k, features } as RewardModel,
          nu,
        })),
      ),
    ).chain((c) => bounded(o.lambdaMin, 1).map((lambda) => ({ ...c, mdp, lambda }))),
  );

const solve = (c: Case): LowerSolution => right(solveLowerLevel(c.mdp, c.model, c.nu, c.lambda));

describe('ψ routes of a solved lower level (MATH.md §6)', () => {
  it('closed: reliable on well-conditioned problems and equal to finite differences of θ*(ν)', () => {
    fc.assert(
      fc.property(arbCase({ maxGamma: 0.9, lambdaMin: 0.1, nuMax: 1 }), (c) => {
        const sol = solve(c);
        const closed = right(nuScoreOf(sol, 'closed'));
        // γ ≤ 0.9 and λ ≥ 0.1: κ(I − γP) ≤ 19 and θ* solved to its error bound, so the report must vouch for both
        expect(sol.optimum.report.reliable).toBe(true);
        expect(closed.report.reliable).toBe(true);
        const d = rewardDimension(c.model);
        const fd = numericJacobian((nu) => right(softOptimum(c.mdp, rewardOf(c.model, nu), c.lambda)).thetaStar, c.nu, c.mdp.S * c.mdp.A, { order: 4 });
        // as in nuScore.test.ts: θ*'s error ≲ 1e-12·scale/(λ(1−γ)), divided by the 4-point step ≈ 7.4e-4
        const tol = 5e-8 / (c.lambda * (1 - c.mdp.gamma));
        for (let j = 0; j < closed.psi.length; j++) {
          const sa = Math.floor(j / d);
          expect(Math.abs(closed.psi[j] - fd[sa * d + (j % d)])).toBeLessThanOrEqual(tol * (1 + Math.abs(closed.psi[j])));
        }
      }),
      fcParams(20),
    );
  });

  for (const route of ['implicit', 'dense'] as const) {
    it(`${route}: a ψ reported reliable agrees with the closed form to its stated bound (hard cases included)`, () => {
      let reliable = 0;
      let total = 0;
      fc.assert(
        fc.property(arbCase({ maxGamma: 0.99, lambdaMin: 0.01, nuMax: 5 }), (c) => {
          const sol = solve(c);
          const closed = right(nuScoreOf(sol, 'closed'));
          const other = right(nuScoreOf(sol, route));
          total++;
          if (!other.report.reliable || !closed.report.reliable || !sol.optimum.report.reliable) return;
          reliable++;
          const scale = maxAbs(closed.psi);
          // the closed form builds ψ = (J_r + γP∂V* − ∂V*)/λ from ∂V* of size ≤ ‖J_r‖/(1−γ): its solve error
          // and rounding are relative to ‖J_r‖/(λ(1−γ)), not to ψ (which cancels to 0 when A = 1)
          const jrScale = maxAbs(rewardJacobianDense(c.model)) / (c.lambda * (1 - c.mdp.gamma));
          // each route's stated relative bound, θ*'s own (both routes are evaluated at the same computed θ*),
          // and 16ε of the closed form's working scale for its final subtraction and division
          const bound = other.report.errorBound! * scale
            + (closed.report.errorBound! + sol.optimum.report.errorBound!) * (scale + jrScale)
            + 16 * EPS * jrScale;
          expect(maxAbsDiff(other.psi, closed.psi)).toBeLessThanOrEqual(bound);
        }),
        fcParams(40),
      );
      // the property must not hold vacuously: most generated cases are well enough conditioned
      expect(reliable).toBeGreaterThanOrEqual(Math.ceil(total / 4));
    });
  }

  it('the VJP of every route equals Σ w ψ of the same route, with the route\'s report', () => {
    const g = garnetOrThrow({ S: 6, A: 3, branching: 3, gamma: 0.9, seed: 11 });
    const model: RewardModel = { kind: 'tabular', S: 6, A: 3 };
    const sol = right(solveLowerLevel(g.mdp, model, g.reward, 0.3));
    const w = Float64Array.from({ length: 18 }, (_, i) => Math.sin(i + 1));
    for (const route of ['closed', 'implicit', 'dense'] as NuScoreRoute[]) {
      const psi = right(nuScoreOf(sol, route)).psi;
      const direct = new Float64Array(18);
      for (let sa = 0; sa < 18; sa++) for (let i = 0; i < 18; i++) direct[i] += w[sa] * psi[sa * 18 + i];
      const vjp = right(nuScoreVjpOf(sol, route, w));
      expect(vjp.report.route).toBe(route);
      expect(vjp.report.reliable).toBe(true);
      // one solve against d solves: the same linear algebra in another order, ψ of size ~1/λ
      expect(maxAbsDiff(vjp.value, direct)).toBeLessThanOrEqual(1e-12 * (1 + maxAbs(direct)));
    }
  });
});

describe('a wrong Hessian is reported, never trusted', () => {
  const g = garnetOrThrow({ S: 5, A: 3, branching: 3, gamma: 0.9, seed: 4 });
  const model: RewardModel = { kind: 'tabular', S: 5, A: 3 };
  const sol = right(solveLowerLevel(g.mdp, model, g.reward, 0.5));
  const ctx = hessianContextOf(sol);
  const exact = (v: Readonly<Float64Array>) => hessianVectorProductWith(ctx, v);
  // a 5% scaling keeps H symmetric and negative semi-definite with the same null space: MINRES and
  // the eigen-solve converge as happily as with the right H, only the answer is wrong by 5%
  const scaled = (v: Readonly<Float64Array>) => exact(v).map((x) => 1.05 * x);

  it('the exact Hessian passed explicitly is reliable (the check is not always failing)', () => {
    expect(right(nuScoreOf(sol, 'implicit', { hessianVectorProduct: exact })).report.reliable).toBe(true);
    expect(right(nuScoreOf(sol, 'dense', { hessian: hessianFromContext(ctx) })).report.reliable).toBe(true);
  });

  it('implicit (MINRES) with a scaled Hessian: converged, yet unreliable, naming the finite-difference check', () => {
    const r = right(nuScoreOf(sol, 'implicit', { hessianVectorProduct: scaled })).report;
    expect(r.converged).toBe(true);
    expect(r.reliable).toBe(false);
    expect(r.warning).toMatch(/disagrees with finite differences/);
    const v = right(nuScoreVjpOf(sol, 'implicit', Float64Array.from({ length: 15 }, (_, i) => i % 4), { hessianVectorProduct: scaled })).report;
    expect(v.reliable).toBe(false);
  });

  it('dense with a perturbed Hessian: unreliable, naming the finite-difference check', () => {
    const H = hessianFromContext(ctx);
    const n = 15;
    const Hs = H.map((x) => 1.05 * x);
    expect(right(nuScoreOf(sol, 'dense', { hessian: Hs })).report).toMatchObject({ reliable: false });
    // a symmetric perturbation of 1% of ‖H‖ that leaves the gauge alone is caught as well
    const Hp = Float64Array.from(H);
    const h = 0.01 * maxAbs(H);
    for (let s = 0; s < 5; s++) {
      const i = s * 3;
      Hp[i * n + i] -= h;
      Hp[(i + 1) * n + (i + 1)] -= h;
      Hp[i * n + (i + 1)] += h;
      Hp[(i + 1) * n + i] += h;
    }
    const r = right(nuScoreOf(sol, 'dense', { hessian: Hp })).report;
    expect(r.reliable).toBe(false);
    expect(r.warning).toMatch(/disagrees with finite differences/);
  });
});

describe('the hard cases the routes must flag (MATH.md §6)', () => {
  it('a near-deterministic bandit (π* ≈ 1e-58 on one action): dense drops the numerically zero block instead of inverting it', () => {
    const bandit = right(validateMdp({ S: 1, A: 2, gamma: 0.9, P: Float64Array.of(1, 1), rho: Float64Array.of(1) }));
    const sol = right(solveLowerLevel(bandit, { kind: 'tabular', S: 1, A: 2 }, Float64Array.of(0, 1.33), 0.01));
    expect(sol.optimum.piStar[0]).toBeLessThan(1e-57);
    const closed = right(nuScoreOf(sol, 'closed'));
    // ψ[a] = (e_a − π*)/λ: (100, −100) on the rare action, ≈ 0 on the certain one
    expect(Math.abs(closed.psi[0] - 100)).toBeLessThanOrEqual(1e-12);
    expect(closed.report.reliable).toBe(true);
    for (const route of ['dense', 'implicit'] as const) {
      const r = right(nuScoreOf(sol, route));
      expect(r.report.reliable).toBe(false);
      // never the 3e47 that a purely relative eigenvalue cutoff produced
      expect(maxAbs(r.psi)).toBeLessThan(1e3);
    }
    expect(right(nuScoreOf(sol, 'dense')).report.warning).toMatch(/numerically zero Hessian block/);
  });

  it('γ = 0.999, λ = 1, rewards ~1e3: the implicit route does not converge and says so', () => {
    const g = garnetOrThrow({ S: 12, A: 3, branching: 3, gamma: 0.999, seed: 5 });
    const model: RewardModel = { kind: 'tabular', S: 12, A: 3 };
    const sol = right(solveLowerLevel(g.mdp, model, g.reward.map((x) => 1000 * x), 1));
    expect(sol.optimum.report.reliable).toBe(true);
    const closed = right(nuScoreOf(sol, 'closed'));
    const implicit = right(nuScoreOf(sol, 'implicit', { maxIterations: 200 }));
    const err = maxAbsDiff(implicit.psi, closed.psi) / maxAbs(closed.psi);
    // either it is right to its bound, or it says it is unreliable: never wrong and silent
    if (implicit.report.reliable) expect(err).toBeLessThanOrEqual(implicit.report.errorBound! + closed.report.errorBound!);
    else expect(implicit.report.warning).toMatch(/did not converge|ill-conditioned|error bound|disagrees/);
    expect(implicit.report.reliable || err > 1e-8 || implicit.report.errorBound! > 1e-8).toBe(true);
  });
});

describe('the closed form for a tabular reward (S solves) equals the general path (d right-hand sides)', () => {
  it('tabular ψ and ∂V*/∂ν = those of a linear model with identity features, on generated problems', () => {
    fc.assert(
      fc.property(arbMdp({ maxS: 5, maxA: 3, maxGamma: 0.95 }).chain((mdp) => fc.tuple(fc.constant(mdp), boundedVector(mdp.S * mdp.A, -2, 2), bounded(0.05, 1))), ([mdp, nu, lambda]) => {
        const n = mdp.S * mdp.A;
        const tab = right(solveLowerLevel(mdp, { kind: 'tabular', S: mdp.S, A: mdp.A }, nu, lambda));
        const features = new Float64Array(n * n);
        for (let i = 0; i < n; i++) features[i * n + i] = 1;
        const lin = right(solveLowerLevel(mdp, { kind: 'linear', S: mdp.S, A: mdp.A, k: n, features }, nu, lambda));
        const a = nuScoreClosedFormWith(mdp, tab.model, tab.optimum.piStar, lambda, tab.evaluation);
        const b = nuScoreClosedFormWith(mdp, lin.model, lin.optimum.piStar, lambda, lin.evaluation);
        // the same mathematics in two orders of operations: M⁻¹ then scaling vs M⁻¹B; both are backward
        // stable, so they agree to the closed form's own bound (2κ·residual) on its working scale 1/(λ(1−γ))
        const scale = 1 / (lambda * (1 - mdp.gamma));
        const tol = (a.report.errorBound! + b.report.errorBound! + 16 * EPS) * scale;
        expect(maxAbsDiff(a.psi, b.psi)).toBeLessThanOrEqual(tol);
        expect(maxAbsDiff(a.dVdNu, b.dVdNu)).toBeLessThanOrEqual(tol);
      }),
      fcParams(60),
    );
  });
});

describe("the implicit VJP's direct solver (closed-form H, LU on a gauge complement)", () => {
  const w1 = (w: Readonly<Float64Array>) => w.reduce((m, x) => m + Math.abs(x), 0);

  it('at θ*: a VJP reported reliable agrees with Σ w ψ of the closed form to the stated bounds (hard cases included)', () => {
    let reliable = 0;
    let total = 0;
    fc.assert(
      fc.property(arbCase({ maxGamma: 0.99, lambdaMin: 0.01, nuMax: 5 }), fc.integer({ min: 1, max: 1000 }), (c, seed) => {
        const sol = solve(c);
        const n = c.mdp.S * c.mdp.A;
        const w = Float64Array.from({ length: n }, (_, i) => Math.sin(seed + 3 * i));
        const closed = right(nuScoreOf(sol, 'closed'));
        const v = right(nuScoreVjpOf(sol, 'implicit', w, { solver: 'direct' }));
        total++;
        if (!v.report.reliable || !closed.report.reliable || !sol.optimum.report.reliable) return;
        reliable++;
        expect(v.report.route).toBe('gauge-lu');
        const ref = contractPsi(closed.psi, w);
        // as for ψ above, through |Σ w ψ| ≤ ‖w‖₁‖ψ‖∞
        const jrScale = maxAbs(rewardJacobianDense(c.model)) / (c.lambda * (1 - c.mdp.gamma));
        const scale = maxAbs(closed.psi);
        const bound = w1(w) * (v.report.errorBound! * scale + (closed.report.errorBound! + sol.optimum.report.errorBound!) * (scale + jrScale) + 16 * EPS * jrScale);
        expect(maxAbsDiff(v.value, ref)).toBeLessThanOrEqual(bound);
      }),
      fcParams(40),
    );
    expect(reliable).toBeGreaterThanOrEqual(Math.ceil(total / 4));
  });

  it('at any θ: agrees with MINRES and with the dense pseudo-inverse route to their stated bounds', () => {
    let reliable = 0;
    let total = 0;
    fc.assert(
      fc.property(arbCase({ maxGamma: 0.95, lambdaMin: 0.05, nuMax: 2 }), fc.integer({ min: 1, max: 1000 }), (c, seed) => {
        const n = c.mdp.S * c.mdp.A;
        const theta = Float64Array.from({ length: n }, (_, i) => 2 * Math.cos(seed + 7 * i));
        const p = right(lowerPointAt(c.mdp, c.model, c.nu, theta, c.lambda));
        const w = Float64Array.from({ length: n }, (_, i) => Math.sin(seed + 3 * i));
        const direct = right(nuScoreVjpOf(p, 'implicit', w, { solver: 'direct' }));
        const minres = right(nuScoreVjpOf(p, 'implicit', w));
        const dense = nuScoreImplicitDenseWith(hessianContextOf(p), p.r, p.theta, c.model);
        total++;
        if (!direct.report.reliable || !minres.report.reliable || !dense.report.reliable) return;
        reliable++;
        const scale = w1(w) * maxAbs(dense.psi);
        // each bound is relative to ‖ψ‖∞ (implicit.ts: implicitReport), pushed through ‖w‖₁
        expect(maxAbsDiff(direct.value, contractPsi(dense.psi, w))).toBeLessThanOrEqual((direct.report.errorBound! + dense.report.errorBound!) * scale);
        expect(maxAbsDiff(direct.value, minres.value)).toBeLessThanOrEqual((direct.report.errorBound! + minres.report.errorBound!) * scale);
      }),
      fcParams(40),
    );
    expect(reliable).toBeGreaterThanOrEqual(Math.ceil(total / 4));
  });

  it('sizes of one: A = 1 has nothing to solve (ψ·w = 0, reliable)', () => {
    const g = garnetOrThrow({ S: 3, A: 1, branching: 2, gamma: 0.9, seed: 2 });
    const model: RewardModel = { kind: 'tabular', S: 3, A: 1 };
    const sol = solve({ mdp: g.mdp, model, nu: Float64Array.from(g.reward), lambda: 0.5 });
    const v = right(nuScoreVjpOf(sol, 'implicit', Float64Array.from([1, -2, 3]), { solver: 'direct' }));
    // −Mᵀz with z = 0 (±0 alike)
    expect([...v.value].map(Math.abs)).toEqual([0, 0, 0]);
    expect(v.report.reliable).toBe(true);
  });

  it('a wrong Hessian is flagged; a singular reduced Hessian falls back to MINRES', () => {
    const g = garnetOrThrow({ S: 5, A: 3, branching: 3, gamma: 0.9, seed: 4 });
    const model: RewardModel = { kind: 'tabular', S: 5, A: 3 };
    const sol = right(solveLowerLevel(g.mdp, model, g.reward, 0.5));
    const w = Float64Array.from({ length: 15 }, (_, i) => i % 4);
    const H = hessianFromContext(hessianContextOf(sol));
    expect(right(nuScoreVjpOf(sol, 'implicit', w, { solver: 'direct', hessian: H })).report.reliable).toBe(true);
    const scaled = right(nuScoreVjpOf(sol, 'implicit', w, { solver: 'direct', hessian: H.map((x) => 1.05 * x) })).report;
    expect(scaled.route).toBe('gauge-lu');
    expect(scaled.reliable).toBe(false);
    expect(scaled.warning).toMatch(/disagrees with finite differences/);
    // a zero "Hessian": the reduced matrix is singular, so the direct solve declines and MINRES answers
    const fallback = right(nuScoreVjpOf(sol, 'implicit', w, { solver: 'direct', hessian: new Float64Array(225) })).report;
    expect(fallback.route).toBe('implicit');
  });
});
