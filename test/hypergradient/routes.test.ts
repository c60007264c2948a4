/**
 * The hypergradient routes (src/hypergradient/routes.ts; MATH.md §6–§7), each against finite
 * differences of the function it claims to differentiate, on generated problems from
 * S = A = k = H = 1 up (S ≤ 4, A ≤ 3, tabular and linear rewards with k ∈ {1, 2}, additive and
 * preference utilities with H ∈ {1, 2}, λ ∈ [0.2, 1], γ ≤ 0.9):
 *
 * - exact = FD of G(ν) = F(ν, θ*(ν)) with θ* re-solved at every node; implicit within its report's
 *   bound of exact; myopic = FD of ν ↦ F(ν, θ) at θ = θ*(ν) held fixed;
 * - unrolled = FD of ν ↦ F(ν, θ_K(ν)) (θ_K by an independent policy-gradient loop), and its error
 *   to exact vanishing as K grows;
 * - first-order = FD of the value-gap penalty Φ_σ(ν) (its inner maximiser written here), bias C/σ;
 * - zeroth-order: unbiased for ∇G (statistical), error ∝ 1/√N;
 * - costs counted by wrapping the evaluation, solve and Hessian-product functions the routes call;
 * - invalid options are Lefts naming the field;
 * - defects found here are kept as regression tests under "regressions".
 *
 * Finite differences are Richardson's (order 4) with the default step h = ε^{1/5}·max(1,|νᵢ|)
 * ≈ 7.4e-4 (MATH.md §10): truncation h⁴|f⁽⁵⁾|/30 ≈ 1e-14·|f⁽⁵⁾| and rounding ≈ 1.5·δ/h ≈ 2000·δ
 * for an evaluation error δ. Tolerances below are in units of κ(1 + ‖g‖∞), κ = 1/(λ(1−γ)) (≤ 50
 * here): an O(ε) residual of the soft Bellman solve moves θ* = (Q* − V*)/λ by O(εκ), and ψ (the
 * derivative of θ*, MATH.md §6) has that size too.
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it, vi } from 'vitest';
import { numericGradient } from '../../src/check/finiteDifference.js';
import type { ParlError } from '../../src/errors/parlError.js';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import {
  exactHypergradient,
  firstOrderHypergradient,
  implicitHypergradient,
  myopicHypergradient,
  unrolledHypergradient,
  zerothOrderHypergradient,
  type Hypergradient,
} from '../../src/hypergradient/routes.js';
import { lowerPointFor, solveLowerLevel, type LowerProblem, type LowerSolution } from '../../src/lowerLevel/lowerSolution.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';
import { nuScoreOf } from '../../src/nuScore/routes.js';
import { makeRng, type Rng } from '../../src/random/rng.js';
import { rewardDimension, rewardJacobianDense, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import type { AdditiveUtility } from '../../src/upperLevel/additive.js';
import { upperPartsAt, type UpperLevelSpec } from '../../src/upperLevel/objective.js';
import { bradleyTerryTeacher } from '../../src/upperLevel/types.js';
import { arbMdp } from '../arbitraries/mdp.js';
import { right } from '../support/either.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';
import { inverseNormal } from '../support/statistics.js';

// ---------------------------------------------------------------------------------------------
// Call counters: the functions the routes spend their budget on, wrapped so a test can count them.
// Calls inside one module (evaluatePolicy → evaluatePolicyTable) are not seen, so each counts once.

const calls = vi.hoisted(() => ({ evaluations: 0, lowerSolves: 0, hessianProducts: 0 }));
const resetCalls = (): void => {
  calls.evaluations = 0;
  calls.lowerSolves = 0;
  calls.hessianProducts = 0;
};

vi.mock('../../src/value/policyEvaluation.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/value/policyEvaluation.js')>();
  return {
    ...m,
    evaluatePolicy: (...a: Parameters<typeof m.evaluatePolicy>) => {
      calls.evaluations++;
      return m.evaluatePolicy(...a);
    },
    evaluatePolicyTable: (...a: Parameters<typeof m.evaluatePolicyTable>) => {
      calls.evaluations++;
      return m.evaluatePolicyTable(...a);
    },
  };
});

vi.mock('../../src/optimal/softOptimum.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/optimal/softOptimum.js')>();
  return {
    ...m,
    softOptimum: (...a: Parameters<typeof m.softOptimum>) => {
      calls.lowerSolves++;
      return m.softOptimum(...a);
    },
  };
});

vi.mock('../../src/hessian/index.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/hessian/index.js')>();
  return {
    ...m,
    hessianVectorProductWith: (...a: Parameters<typeof m.hessianVectorProductWith>) => {
      calls.hessianProducts++;
      return m.hessianVectorProductWith(...a);
    },
    mixedHessianTransposeVectorProductWith: (...a: Parameters<typeof m.mixedHessianTransposeVectorProductWith>) => {
      calls.hessianProducts++;
      return m.mixedHessianTransposeVectorProductWith(...a);
    },
  };
});

// ---------------------------------------------------------------------------------------------
// Generated problems

interface Case {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly spec: UpperLevelSpec;
}

/**
 * A double on the grid {min + (max − min)·i/2²⁰}, uniform: `bounded` of test/arbitraries leans
 * toward magnitudes like 1e-300, which would make most ν, features and utilities vanish and most
 * gradients trivially zero. The MDPs still come from `arbMdp`, near-zero probabilities included.
 */
const grid = (min: number, max: number): fc.Arbitrary<number> =>
  fc.noBias(fc.integer({ min: 0, max: 1 << 20 })).map((i) => min + ((max - min) * i) / (1 << 20));
const gridVector = (n: number, min: number, max: number): fc.Arbitrary<Float64Array> =>
  fc.array(grid(min, max), { minLength: n, maxLength: n }).map((x) => Float64Array.from(x));

/** `u_ν = u₀ + tanh(r_ν)`: an additive utility that depends on ν nonlinearly (its Jacobian depends on ν). */
const tanhUtility = (model: RewardModel, u0: Readonly<Float64Array>): AdditiveUtility => ({
  kind: 'additive-nu',
  u: (nu) => rewardOf(model, nu).map((x, i) => u0[i] + Math.tanh(x)),
  jacobianTransposeApply: (w, nu) => {
    const r = rewardOf(model, nu);
    return rewardJacobianTransposeApply(model, w.map((x, i) => x * (1 - Math.tanh(r[i]) ** 2)));
  },
});

const arbModel = (S: number, A: number, nuMax: number): fc.Arbitrary<{ model: RewardModel; nu: Float64Array }> =>
  fc.oneof(
    gridVector(S * A, -nuMax, nuMax).map((nu) => ({ model: { kind: 'tabular', S, A } as RewardModel, nu })),
    fc.integer({ min: 1, max: 2 }).chain((k) =>
      fc.tuple(gridVector(S * A * k, -1, 1), gridVector(k, -nuMax, nuMax)).map(([features, nu]) => ({
        model: { kind: 'linear', S, A, k, features } as RewardModel,
        nu,
      })),
    ),
  );

/** A fixed utility table, a ν-dependent one, or Bradley–Terry preferences over segments of length H ∈ {1, 2}. */
const arbSpec = (model: RewardModel): fc.Arbitrary<UpperLevelSpec> => {
  const n = model.S * model.A;
  return fc.oneof(
    gridVector(n, -1, 1).map((u): UpperLevelSpec => ({ kind: 'additive', utility: { kind: 'additive', u } })),
    gridVector(n, -1, 1).map((u0): UpperLevelSpec => ({ kind: 'additive', utility: tanhUtility(model, u0) })),
    fc.record({ beta: grid(0.5, 3), rTrue: gridVector(n, -1, 1), H: fc.integer({ min: 1, max: 2 }) })
      .map(({ beta, rTrue, H }): UpperLevelSpec => ({ kind: 'preference', teacher: bradleyTerryTeacher(beta), rTrue, H })),
  );
};

const arbCaseOn = (arbM: fc.Arbitrary<Mdp>, lambdaMin: number, nuMax: number): fc.Arbitrary<Case> =>
  fc.tuple(arbM, grid(lambdaMin, 1)).chain(([mdp, lambda]) =>
    arbModel(mdp.S, mdp.A, nuMax).chain(({ model, nu }) => arbSpec(model).map((spec) => ({ mdp, model, nu, lambda, spec }))),
  );

/** The problems of this file: S ≤ 4, A ≤ 3, γ ∈ [0, 0.9], λ ∈ [0.2, 1], |ν| ≤ 1. */
const arbCase = arbCaseOn(arbMdp({ maxS: 4, maxA: 3, maxGamma: 0.9 }), 0.2, 1);

/**
 * Well-conditioned problems: S ≤ 2, A ∈ {2, 3}, transition and start weights in [0.2, 1] before
 * normalising (so ρ(s) ≥ 1/6 and d*(s) ≥ (1−γ)/6), γ ≤ 0.5; used with λ ∈ [0.5, 1], |ν| ≤ 0.5.
 */
const arbWellConditioned: fc.Arbitrary<Mdp> = fc
  .record({ S: fc.integer({ min: 1, max: 2 }), A: fc.integer({ min: 2, max: 3 }), gamma: grid(0, 0.5) })
  .chain(({ S, A, gamma }) =>
    fc.tuple(fc.array(grid(0.2, 1), { minLength: S * A * S, maxLength: S * A * S }), fc.array(grid(0.2, 1), { minLength: S, maxLength: S })).map(([p, q]) => {
      const P = Float64Array.from(p);
      for (let i = 0; i < S * A; i++) {
        let z = 0;
        for (let t = 0; t < S; t++) z += P[i * S + t];
        for (let t = 0; t < S; t++) P[i * S + t] /= z;
      }
      const z = q.reduce((x, y) => x + y, 0);
      return right(validateMdp({ S, A, gamma, P, rho: Float64Array.from(q, (x) => x / z) }));
    }),
  );

/** Three states, two actions, γ = 0.8, λ = 0.5, tabular ν, u_ν = u₀ + tanh(r_ν): the fixed case of the costs and statistics. */
const THREE_STATES: Case = (() => {
  const mdp = right(validateMdp({ S: 3, A: 2, gamma: 0.8, P: Float64Array.of(0.5, 0.3, 0.2, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4, 0.6, 0.2, 0.2, 0.2, 0.5, 0.3, 0.1, 0.7, 0.2), rho: Float64Array.of(0.5, 0.3, 0.2) }));
  const model: RewardModel = { kind: 'tabular', S: 3, A: 2 };
  return { mdp, model, nu: Float64Array.of(0.3, -0.2, 0.5, 0.1, -0.4, 0.2), lambda: 0.5, spec: { kind: 'additive', utility: tanhUtility(model, Float64Array.of(0.2, -0.1, 0.4, 0, 0.3, -0.3)) } };
})();

/** One state, one action: the smallest problem, which every property runs first. */
const oneState = right(validateMdp({ S: 1, A: 1, gamma: 0.5, P: Float64Array.of(1), rho: Float64Array.of(1) }));
const SIZES_OF_ONE: ReadonlyArray<[Case]> = [
  [{ mdp: oneState, model: { kind: 'linear', S: 1, A: 1, k: 1, features: Float64Array.of(0.7) }, nu: Float64Array.of(0.4), lambda: 0.5, spec: { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: Float64Array.of(0.3), H: 1 } }],
  [{ mdp: oneState, model: { kind: 'linear', S: 1, A: 1, k: 1, features: Float64Array.of(-0.6) }, nu: Float64Array.of(0.9), lambda: 0.2, spec: { kind: 'additive', utility: tanhUtility({ kind: 'linear', S: 1, A: 1, k: 1, features: Float64Array.of(-0.6) }, Float64Array.of(0.1)) } }],
];
/** fast-check parameters whose first runs are the sizes-of-one cases, with `extra` as the other arguments. */
const withSizesOfOne = <T extends unknown[]>(runs: number, ...extra: T) => ({ ...fcParams(runs), examples: SIZES_OF_ONE.map(([c]) => [c, ...extra] as [Case, ...T]) });

const label = (c: Case): string =>
  `S=${c.mdp.S} A=${c.mdp.A} γ=${c.mdp.gamma} λ=${c.lambda} ${c.model.kind}${c.model.kind === 'linear' ? ` k=${c.model.k}` : ''} ` +
  `${c.spec.kind === 'preference' ? `preference H=${c.spec.H}` : c.spec.utility.kind}`;

// ---------------------------------------------------------------------------------------------
// The functions the routes differentiate, computed here from the lower level's public parts

const problemAt = (c: Case, nu: Readonly<Float64Array>): LowerProblem => ({ mdp: c.mdp, model: c.model, nu, lambda: c.lambda, r: rewardOf(c.model, nu) });
const solve = (c: Case, nu: Readonly<Float64Array> = c.nu): LowerSolution => right(solveLowerLevel(c.mdp, c.model, nu, c.lambda));

/** F(ν, θ): the upper objective at the policy π_θ. */
const F = (c: Case, nu: Readonly<Float64Array>, theta: Readonly<Float64Array>): number =>
  right(upperPartsAt(c.spec, lowerPointFor(problemAt(c, nu), theta))).G;

/** G(ν) = F(ν, θ*(ν)), θ* solved afresh at ν. */
const G = (c: Case, nu: Readonly<Float64Array>): number => right(upperPartsAt(c.spec, solve(c, nu))).G;

/** θ_K(ν): K steps θ ← θ + β∇_θJ_λ(ν, θ) from θ₀ (src/gradient's policy gradient, not the route's loop). */
const thetaK = (c: Case, nu: Readonly<Float64Array>, theta0: Readonly<Float64Array>, K: number, beta: number): Float64Array => {
  const r = rewardOf(c.model, nu);
  let theta = Float64Array.from(theta0);
  for (let k = 0; k < K; k++) {
    const g = policyGradient(c.mdp, r, theta, c.lambda);
    theta = theta.map((x, i) => x + beta * g[i]);
  }
  return theta;
};

/**
 * The value-gap penalty `Φ_σ(ν) = max_θ F(ν, θ) + σ(J_λ(ν, θ) − J*_λ(ν))` with its maximiser θ_σ,
 * found from θ*(ν) by natural-gradient steps `θ ← θ + (Adv_λ + (1−γ)∇_θF/(σ d∘π))/λ` (soft policy
 * iteration for σJ, the Fisher-preconditioned F part beside it), `∇_θF[s,b] = w[s,b] − π(b|s)Σ_a w[s,a]`
 * from F's score weights. Φ is stationary in θ at θ_σ, so an inner error δ moves Φ by O(σδ²) only.
 */
const penalty = (c: Case, nu: Readonly<Float64Array>, sigma: number): { readonly Phi: number; readonly theta: Float64Array } => {
  const sol = solve(c, nu);
  const { S, A, gamma } = c.mdp;
  let theta = Float64Array.from(sol.theta);
  for (let step = 0; step < 2000; step++) {
    const p = lowerPointFor(sol, theta);
    const w = right(upperPartsAt(c.spec, p)).scoreWeights;
    const { pi, d, adv } = p.evaluation;
    const next = Float64Array.from(theta);
    let moved = 0;
    for (let s = 0; s < S; s++) {
      let ws = 0;
      for (let a = 0; a < A; a++) ws += w[s * A + a];
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        const fisher = d[s] * pi[i];
        const gradF = w[i] - pi[i] * ws;
        const dir = (adv[i] + (fisher > 0 ? ((1 - gamma) * gradF) / (sigma * fisher) : 0)) / c.lambda;
        next[i] += dir;
        moved = Math.max(moved, Math.abs(dir));
      }
    }
    theta = next;
    if (moved <= 1e-14 * (1 + maxAbs(theta))) break;
  }
  const p = lowerPointFor(sol, theta);
  return { Phi: right(upperPartsAt(c.spec, p)).G + sigma * (p.evaluation.J - sol.evaluation.J), theta };
};

const fd = (f: (x: Readonly<Float64Array>) => number, x: Readonly<Float64Array>): Float64Array => numericGradient(f, x, { order: 4 });

/** κ = 1/(λ(1−γ)) (see the header). */
const kappa = (c: Case): number => 1 / (c.lambda * (1 - c.mdp.gamma));

/**
 * FD tolerance, in units of κ(1 + ‖g‖∞), when θ* is re-solved at every node: the soft optimum
 * stops at a residual of a few ε, so δ ≈ c·ε·κ(1 + ‖g‖∞) with c ≈ 100 (sums over S·A terms, the
 * LU of I − γP_π), and 2000·δ ≈ 5e-11; truncation is far below (λ ≥ 0.2 keeps π* smooth in ν).
 * Measured worst 5.9e-11 over 3100 generated cases: ×17.
 */
const FD_TOL_SOLVED = 1e-9;
/**
 * The same with θ fixed (or stepped K ≤ 5 times): exact evaluations only, no iterative solve, so
 * δ ≈ c·ε·(1 + |F|)/(1−γ) (κ∞(I − γP_π) ≤ (1+γ)/(1−γ)). Measured worst 1.6e-12 over 3100 generated
 * cases (unrolled, K = 5; myopic ≤ 3.1e-13): ×30.
 */
const FD_TOL_FIXED = 5e-11;

const expectClose = (what: string, c: Case, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void => {
  const err = maxAbsDiff(got, want);
  expect(err, `${what} on ${label(c)}: got ${Array.from(got)}, want ${Array.from(want)}`).toBeLessThanOrEqual(tol);
};

/**
 * The unrolled route's step size β = (1−γ)/(λ + max|r_ν|). Near θ*, −∇²_θθJ_λ = λ/(1−γ)·blockdiag_s
 * d(s)(diag π − ππᵀ) (MATH.md §6), whose eigenvalues are ≤ λ/(2(1−γ)) (a variance under π is at most
 * half the squared norm of a vector summing to zero), so βL ≤ ½: every non-gauge direction contracts
 * monotonically, by 1 − βμ per step with μ ≥ λ/(1−γ)·min_s d(s)·min_a π(a|s) (the variance is at
 * least π_min times that squared norm). The max|r| term shortens the step where the iterate is far
 * from θ* and the curvature of J is that of the rewards (∝ max|r|/(1−γ)) rather than the entropy's.
 */
const stepSize = (c: Case, r: Readonly<Float64Array>): number => (1 - c.mdp.gamma) / (c.lambda + maxAbs(r));

// ---------------------------------------------------------------------------------------------

describe('exact, implicit and myopic routes against finite differences (MATH.md §6–§7)', () => {
  it('exact = FD of G(ν) = F(ν, θ*(ν)); implicit within its bound; myopic = FD of F(·, θ*) at θ* fixed', () => {
    const sizes = new Set<string>();
    let reliableImplicit = 0;
    let total = 0;
    fc.assert(
      fc.property(arbCase, fc.constantFrom(undefined, 1, 2), (c, maxIterations) => {
        sizes.add(`S${c.mdp.S}`).add(`A${c.mdp.A}`).add(c.model.kind === 'linear' ? `k${c.model.k}` : 'tabular').add(c.spec.kind === 'preference' ? `H${c.spec.H}` : c.spec.utility.kind);
        total++;
        const sol = solve(c);
        const exact = right(exactHypergradient(c.spec, sol));
        const scale = 1 + maxAbs(exact.gradient);
        expectClose('exact vs FD of G', c, exact.gradient, fd((nu) => G(c, nu), c.nu), FD_TOL_SOLVED * kappa(c) * scale);

        const myopic = right(myopicHypergradient(c.spec, sol));
        expectClose('myopic vs FD of F(·, θ*)', c, myopic.gradient, fd((nu) => F(c, nu, sol.theta), c.nu), FD_TOL_FIXED * kappa(c) * (1 + maxAbs(myopic.gradient)));

        // implicit = myopic + Σ w ψ with ψ by MINRES: its error is that of Σ w ψ. The report bounds ψ's
        // error relative to ‖ψ‖∞, so |Σ w (ψ̃ − ψ)| ≤ ‖w‖₁·bound·‖ψ‖∞; the closed form (the exact route)
        // adds its own LU bound and θ*'s, relative to ‖ψ‖∞ + ‖J_r‖/(λ(1−γ)) (as in test/nuScore/routes.test.ts)
        const implicit = right(implicitHypergradient(c.spec, sol, maxIterations));
        const report = implicit.reports[implicit.reports.length - 1];
        expect(implicit.budget).toBe(report.iterations);
        if (maxIterations !== undefined) expect(implicit.budget).toBeLessThanOrEqual(maxIterations);
        if (report.reliable && sol.optimum.report.reliable) {
          reliableImplicit++;
          const closed = right(nuScoreOf(sol, 'closed'));
          const w = right(upperPartsAt(c.spec, sol, sol.optimum.piStar)).scoreWeights;
          const w1 = w.reduce((acc, x) => acc + Math.abs(x), 0);
          const psi = maxAbs(closed.psi);
          const jr = maxAbs(rewardJacobianDense(c.model)) * kappa(c);
          const bound = w1 * (report.errorBound! * psi + (closed.report.errorBound! + sol.optimum.report.errorBound!) * (psi + jr) + 16 * EPS * jr)
            + 16 * EPS * maxAbs(myopic.gradient);
          expectClose('implicit vs exact (its bound)', c, implicit.gradient, exact.gradient, bound);
          // well conditioned (κ(H) ≤ 1e4, as λ ≥ 0.2 and γ ≤ 0.9 make typical): the bound is ≤ 4√n·1e4·nε ≈ 1e-10
          if (report.condition! <= 1e4) expectClose('implicit vs exact (well conditioned)', c, implicit.gradient, exact.gradient, 1e-8 * (scale + w1 * psi));
        }
      }),
      withSizesOfOne(200, undefined as number | undefined),
    );
    for (const s of ['S1', 'S4', 'A1', 'A3', 'k1', 'k2', 'tabular', 'H1', 'H2', 'additive', 'additive-nu']) expect(sizes.has(s), `generated ${s}`).toBe(true);
    // not vacuous: most generated problems are well enough conditioned for a reliable MINRES solve
    expect(reliableImplicit).toBeGreaterThanOrEqual(total / 3);
  });
});

describe('unrolled route: the exact derivative of F(ν, θ_K(ν))', () => {
  it('K ∈ {0, 1, 5}: FD of ν ↦ F(ν, θ_K(ν)) from any θ₀; θ_K and G are the route\'s; K = 0 is the myopic gradient at θ₀', () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) => gridVector(c.mdp.S * c.mdp.A, -2, 2).map((theta0) => ({ c, theta0 }))),
        fc.constantFrom(0, 1, 5),
        ({ c, theta0 }, K) => {
          const r = rewardOf(c.model, c.nu);
          const beta = stepSize(c, r);
          const un = right(unrolledHypergradient(c.spec, problemAt(c, c.nu), theta0, { K, beta }));
          const tK = thetaK(c, c.nu, theta0, K, beta);
          // the same K steps: only the order of a few additions may differ
          expect(maxAbsDiff(un.thetaK, tK)).toBeLessThanOrEqual(64 * EPS * (K + 1) * (1 + maxAbs(tK)));
          expect(Math.abs(un.G - F(c, c.nu, tK))).toBeLessThanOrEqual(64 * EPS * (1 + Math.abs(un.G)) / (1 - c.mdp.gamma));
          const want = fd((nu) => F(c, nu, thetaK(c, nu, theta0, K, beta)), c.nu);
          expectClose(`unrolled K=${K} vs FD of F(·, θ_K(·))`, c, un.gradient, want, FD_TOL_FIXED * kappa(c) * (1 + maxAbs(un.gradient)));
          if (K === 0) {
            // K = 0 is ∂_ν F(ν, θ₀); at θ₀ = θ* it is the myopic route (π from θ* instead of π*: a few ulps)
            const sol = solve(c);
            const atStar = right(unrolledHypergradient(c.spec, sol, sol.theta, { K: 0, beta }));
            const myopic = right(myopicHypergradient(c.spec, sol)).gradient;
            expect(maxAbsDiff(atStar.gradient, myopic)).toBeLessThanOrEqual(1e-12 * (1 + maxAbs(myopic)) / (1 - c.mdp.gamma));
          }
        },
      ),
      { ...fcParams(100), examples: SIZES_OF_ONE.map(([c]) => [{ c, theta0: Float64Array.of(0.5) }, 5] as [{ c: Case; theta0: Float64Array }, number]) },
    );
  });

  /**
   * K from the problem: (1 − βμ)^K ≤ 1e-12 with μ = λ/(1−γ)·min_s d*(s)·min_a π*(a|s), the lower bound
   * of `stepSize`'s note on the slowest contraction near θ* (problems needing K > 5000 are skipped).
   */
  it('well-conditioned problems: the error to exact falls with K and is < 1e-6 relative once (1 − βμ)^K ≤ 1e-12', () => {
    let checked = 0;
    fc.assert(
      fc.property(arbCaseOn(arbWellConditioned, 0.5, 0.5), (c) => {
        const sol = solve(c);
        const beta = stepSize(c, sol.r);
        const { d, pi } = sol.evaluation;
        const mu = (c.lambda / (1 - c.mdp.gamma)) * Math.min(...d) * Math.min(...pi);
        const K = Math.ceil(Math.log(1e12) / (beta * mu));
        fc.pre(K <= 5000);
        checked++;
        const exact = right(exactHypergradient(c.spec, sol)).gradient;
        const scale = 1 + maxAbs(exact);
        const theta0 = new Float64Array(c.mdp.S * c.mdp.A);
        const err = (k: number): number => maxAbsDiff(right(unrolledHypergradient(c.spec, sol, theta0, { K: k, beta })).gradient, exact);
        // K/10 ≥ 2.7/(βμ): past the transient K(1 − βμ)^K, whose peak is at K = 1/(βμ)
        const errs = [Math.ceil(K / 10), Math.ceil(K / 3), K].map(err);
        expect(errs[2], label(c)).toBeLessThanOrEqual(1e-6 * scale);
        if (errs[0] > 1e-9 * scale) {
          expect(errs[1], label(c)).toBeLessThan(errs[0]);
          expect(errs[2], label(c)).toBeLessThan(errs[1]);
        }
      }),
      fcParams(30),
    );
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('S = 2, A = 2, γ = 0.5, λ = 1: K = 300 steps of β = (1−γ)/(λ + max|r|) reach exact to < 1e-6 relative', () => {
    const mdp = right(validateMdp({ S: 2, A: 2, gamma: 0.5, P: Float64Array.of(0.7, 0.3, 0.2, 0.8, 0.4, 0.6, 0.9, 0.1), rho: Float64Array.of(0.5, 0.5) }));
    const model: RewardModel = { kind: 'tabular', S: 2, A: 2 };
    const c: Case = { mdp, model, nu: Float64Array.of(0.6, -0.3, 0.1, 0.8), lambda: 1, spec: { kind: 'additive', utility: tanhUtility(model, Float64Array.of(0.5, -0.5, 0.2, 0.9)) } };
    const sol = solve(c);
    const exact = right(exactHypergradient(c.spec, sol)).gradient;
    const beta = stepSize(c, sol.r);
    const theta0 = new Float64Array(4);
    const errs = [0, 1, 5, 30, 100, 300].map((K) => maxAbsDiff(right(unrolledHypergradient(c.spec, sol, theta0, { K, beta })).gradient, exact) / maxAbs(exact));
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
    expect(errs[errs.length - 1]).toBeLessThan(1e-6);
  });
});

describe('first-order route: the gradient of the value-gap penalty Φ_σ', () => {
  /**
   * Where the route's inner solve can be expected to converge (the rest is pinned under "open
   * defects" below):
   * - preferences over H = 2 steps read π at states that the discounted visitation reaches only
   *   with weight d(s) ≥ (1−γ)γ·P(s₁ = s); the preconditioner 1/(d∘π) explodes as γ → 0 (and at
   *   γ = 0 the penalty does not see those states at all), so γ ≥ 0.1 there: d(s) ≥ 0.09·P(s₁ = s);
   * - the route drops the F step of an action whose Fisher weight d(s)π(a|s) is ≤ 2⁻¹⁰⁰⁰; a state
   *   with actions on both sides of that cut keeps a nonzero step along its gauge forever, so states
   *   with 0 < d(s)π(a|s) < 2⁻⁹⁵⁰ (which arbMdp's near-zero probabilities produce) are left out.
   */
  const penaltyDomain = (c: Case, sol: LowerSolution): boolean => {
    if (c.spec.kind === 'preference' && c.spec.H >= 2 && c.mdp.gamma < 0.1) return false;
    const { d, pi } = sol.evaluation;
    return pi.every((p, i) => d[Math.floor(i / c.mdp.A)] === 0 || d[Math.floor(i / c.mdp.A)] * p >= 2 ** -950);
  };

  it('equals FD of Φ_σ(ν) (inner maximiser re-run at every node), and its inner solve is stationary', () => {
    fc.assert(
      fc.property(arbCase, fc.constantFrom(10, 100, 1000), (c, sigma) => {
        const sol = solve(c);
        fc.pre(penaltyDomain(c, sol));
        const fo = right(firstOrderHypergradient(c.spec, sol, { sigma }));
        const inner = penalty(c, c.nu, sigma);
        // the route stops when its step is ≤ 1e-13·(1 + ‖θ‖∞), before its 2000-step cap
        expect(fo.detail!.innerSteps, label(c)).toBeLessThan(2000);
        expect(fo.detail!.stationarity, label(c)).toBeLessThanOrEqual(1e-13 * (1 + maxAbs(inner.theta)));
        // Φ carries σ(J − J*): J's rounding, ≈ ε·κ∞(I−γP)·max|r_π|/(1−γ), is multiplied by σ
        const tol = FD_TOL_SOLVED * kappa(c) * (1 + maxAbs(fo.gradient)) * (1 + sigma / 10);
        expectClose(`first-order σ=${sigma} vs FD of Φ_σ`, c, fo.gradient, fd((nu) => penalty(c, nu, sigma).Phi, c.nu), tol);
      }),
      withSizesOfOne(60, 100),
    );
  });

  /**
   * The bias is an expansion b(σ) = σ(∇Φ_σ − ∇G) = c₁ + c₂/σ + O(1/σ²) (on a bandit with γ = 0,
   * Φ_σ is a cumulant generating function of u under π*: c₁ = ∇_ν Var(u)/(2λ), c₂ = ∇_ν κ₃(u)/(6λ²)).
   * σ = 10 is in the C/σ regime only where ‖c₂‖ ≲ 3‖c₁‖: not near a ν where c₁ vanishes, nor where
   * 1/λ is large against it. That is read off the two larger σ: b(100) and b(1000) agreeing to 3%
   * means ‖c₂‖ ≤ 3.3‖c₁‖, which predicts error ratios in [6.7, 13.4]; the test is that σ = 10
   * follows, within [5, 20], and that most problems are in that regime (a bias of another order,
   * e.g. C/√σ, would leave b(100) and b(1000) apart on every problem).
   */
  it('its error to exact is C/σ: error·σ constant over σ ∈ {10, 100, 1000} within a factor 2', () => {
    let biased = 0;
    let checked = 0;
    fc.assert(
      fc.property(arbCase, (c) => {
        const sol = solve(c);
        fc.pre(penaltyDomain(c, sol));
        const exact = right(exactHypergradient(c.spec, sol)).gradient;
        const b = [10, 100, 1000].map((sigma) => right(firstOrderHypergradient(c.spec, sol, { sigma })).gradient.map((x, i) => sigma * (x - exact[i])));
        // the bias must stand above the route's own noise floor (its inner tolerance 1e-13 times σ, times
        // κ); it does unless c₁ vanishes identically (A = 1, or F flat in θ at θ*)
        if (maxAbs(b[2]) <= 1e-5 * kappa(c) * (1 + maxAbs(exact))) return;
        biased++;
        if (maxAbsDiff(b[1], b[2]) > 0.03 * maxAbs(b[2])) return;
        checked++;
        const errs = b.map((x, k) => maxAbs(x) / [10, 100, 1000][k]);
        for (const k of [0, 1]) {
          const ratio = errs[k] / errs[k + 1];
          expect(ratio, `${label(c)}: errors ${errs}`).toBeGreaterThanOrEqual(5);
          expect(ratio, `${label(c)}: errors ${errs}`).toBeLessThanOrEqual(20);
        }
      }),
      fcParams(100),
    );
    expect(checked).toBeGreaterThanOrEqual(biased / 2);
  });
});

/**
 * Independent streams for the seeds of a statistical test. `makeRng(s)` starts pure-rand's
 * xoroshiro128+ at the state (−1, ~s, s, 0), so its first outputs are ~s and close to those of
 * s ± 1: over s = 0…19999 the first `normal()` has mean 2.84 and variance 3.9 (makeRng(0).uniform()
 * is 1 − 7e-12). The seed is scrambled (murmur3's finaliser) and 64 draws are discarded; measured
 * over 20000 seeds, each of the next six normals then has mean within ±0.014 and variance 1 ± 0.03.
 */
const independentRng = (i: number): Rng => {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const rng = makeRng(h >>> 0);
  for (let k = 0; k < 64; k++) rng.uniform();
  return rng;
};

describe('zeroth-order route: two-point Gaussian smoothing (statistical)', () => {
  /**
   * For linear G the estimator (1/N)Σ (uᵀg)u, u ∼ N(0, I_d), has mean g and per-coordinate variance
   * (‖g‖² + g_i²)/N (E[(uᵀg)² u_i²] = ‖g‖² + 3g_i²), so E‖ĝ − g‖² = (d + 1)‖g‖²/N. G's curvature adds
   * O(μ²) to the mean: at μ = 1e-4 that is ≈ 1e-8·d·|∇³G| ≲ 1e-6·‖g‖ here, against standard errors
   * ≥ ‖g‖/50; and G's evaluation error δ ≈ 1e-14 divided by 2μ adds ≈ 1e-10 per direction.
   */
  const cases: ReadonlyArray<{ readonly name: string; readonly c: Case }> = (() => {
    const mdp = right(validateMdp({ S: 2, A: 2, gamma: 0.5, P: Float64Array.of(0.8, 0.2, 0.3, 0.7, 0.5, 0.5, 0.1, 0.9), rho: Float64Array.of(0.6, 0.4) }));
    const model: RewardModel = { kind: 'linear', S: 2, A: 2, k: 2, features: Float64Array.of(1, 0, 0.5, 1, -0.5, 0.3, 0, -1) };
    return [
      { name: 'S=3 A=2 tabular, u_ν = u₀ + tanh(r_ν)', c: THREE_STATES },
      { name: 'S=2 A=2 linear k=2, preferences H=2', c: { mdp, model, nu: Float64Array.of(0.4, -0.7), lambda: 0.4, spec: { kind: 'preference', teacher: bradleyTerryTeacher(2), rTrue: Float64Array.of(0.5, -0.2, 0.1, 0.9), H: 2 } } },
    ];
  })();
  const R = 64;
  const N_SMALL = 16;
  const N_LARGE = 256;
  // one two-sided test per coordinate of each case, false-failure budget 1e-6 for the suite (Bonferroni)
  const M = cases.reduce((m, { c }) => m + rewardDimension(c.model), 0);
  const Z = -inverseNormal(1e-6 / (2 * M));

  const estimates = (c: Case, N: number, seeds: number, offset: number): Float64Array[] =>
    Array.from({ length: seeds }, (_, i) => right(zerothOrderHypergradient(c.spec, problemAt(c, c.nu), { N }, independentRng(1000 * offset + i))).gradient);

  for (const [index, { name, c }] of cases.entries()) {
    it(`${name}: the mean over ${R} seeds (N = ${N_SMALL}) is within z·SE of ∇G, and the error falls like 1/√N`, () => {
      const g = right(exactHypergradient(c.spec, solve(c))).gradient;
      const d = g.length;
      const g2 = g.reduce((s, x) => s + x * x, 0);
      expect(g2).toBeGreaterThan(1e-6); // the test has something to estimate

      const small = estimates(c, N_SMALL, R, 2 * index);
      for (let i = 0; i < d; i++) {
        const mean = small.reduce((s, e) => s + e[i], 0) / R;
        const se = Math.sqrt((g2 + g[i] * g[i]) / (N_SMALL * R));
        expect(Math.abs(mean - g[i]), `coordinate ${i}: mean ${mean}, ∇G ${g[i]}, SE ${se}`).toBeLessThanOrEqual(Z * se);
      }

      // mean squared error against (d + 1)‖g‖²/N. For large N, ĝ − g is Gaussian with covariance
      // (‖g‖²I + ggᵀ)/N, so ‖ĝ − g‖² has relative spread √(2(d + 3))/(d + 1) (1.05 at d = 2, 0.61 at
      // d = 6), ÷ √R = 8 over the seeds: [0.4, 2.5] is ≥ 4.6 spreads either way (measured over 25
      // independent sets of seeds: [0.74, 1.41]; largest |mean − ∇G|/SE 3.7 against Z ≈ 5.3)
      const mse = (es: ReadonlyArray<Float64Array>): number => es.reduce((s, e) => s + e.reduce((t, x, i) => t + (x - g[i]) ** 2, 0), 0) / es.length;
      const mseSmall = mse(small);
      const mseLarge = mse(estimates(c, N_LARGE, R, 2 * index + 1));
      for (const [N, m] of [[N_SMALL, mseSmall], [N_LARGE, mseLarge]] as const) {
        const theory = ((d + 1) * g2) / N;
        expect(m / theory, `N = ${N}: mse ${m}, (d+1)‖g‖²/N ${theory}`).toBeGreaterThan(0.4);
        expect(m / theory, `N = ${N}: mse ${m}, (d+1)‖g‖²/N ${theory}`).toBeLessThan(2.5);
      }
      // N × 16 ⇒ RMS error ÷ 4 (within a factor 2: the ratio's relative spread is ≈ 0.1, measured [3.2, 5.0])
      const rmsRatio = Math.sqrt(mseSmall / mseLarge);
      expect(rmsRatio).toBeGreaterThan(2);
      expect(rmsRatio).toBeLessThan(8);
    });
  }
});

describe('costs and budgets are what the routes document', () => {
  // an additive objective, whose parts are one policy evaluation (of u_ν under π)
  const c = THREE_STATES;

  const expectCounted = (h: Hypergradient): void => {
    expect(calls.lowerSolves, `${h.route}: lower solves`).toBe(h.cost.lowerSolves);
    expect(calls.evaluations, `${h.route}: evaluations`).toBe(h.cost.evaluations);
    expect(Number.isFinite(h.budget)).toBe(true);
  };

  it('exact, myopic: one solve, two evaluations (θ* and the objective), budget 0', () => {
    for (const route of [exactHypergradient, myopicHypergradient]) {
      resetCalls();
      const h = right(route(c.spec, solve(c)));
      expectCounted(h);
      expect(h.budget).toBe(0);
      expect(h.cost.hessianVectorProducts).toBe(0);
    }
  });

  it('unrolled: 2K + 2 evaluations and 2K Hessian products, no solve; budget K', () => {
    for (const K of [0, 1, 7]) {
      const problem = problemAt(c, c.nu);
      resetCalls();
      const h = right(unrolledHypergradient(c.spec, problem, new Float64Array(6), { K, beta: 0.1 }));
      // the route's count includes the evaluation at θ_K that lowerPointFor makes and the objective's
      expect(h.cost).toEqual({ lowerSolves: 0, evaluations: 2 * K + 2, hessianVectorProducts: 2 * K });
      expectCounted(h);
      expect(calls.hessianProducts).toBe(2 * K);
      expect(h.budget).toBe(K);
    }
  });

  it('zeroth-order: 2N solves and 4N evaluations; budget N', () => {
    for (const N of [1, 3]) {
      resetCalls();
      const h = right(zerothOrderHypergradient(c.spec, problemAt(c, c.nu), { N }, makeRng(5)));
      expect(h.cost).toEqual({ lowerSolves: 2 * N, evaluations: 4 * N, hessianVectorProducts: 0 });
      expectCounted(h);
      expect(h.reports).toHaveLength(2 * N); // one soft-optimum report per solve
      expect(h.budget).toBe(N);
    }
  });

  it('first-order: one solve; budget σ; inner steps and stationarity in its detail', () => {
    for (const sigma of [10, 1000]) {
      resetCalls();
      const h = right(firstOrderHypergradient(c.spec, solve(c), { sigma }));
      expect(calls.lowerSolves).toBe(h.cost.lowerSolves);
      expect(h.cost.lowerSolves).toBe(1);
      expect(h.cost.hessianVectorProducts).toBe(0);
      expect(h.budget).toBe(sigma);
      expect(Number.isInteger(h.detail!.innerSteps)).toBe(true);
      expect(Number.isFinite(h.detail!.stationarity)).toBe(true);
    }
  });

  it('implicit: budget = MINRES iterations; one solve, four evaluations (θ*, the objective, the Hessian check\'s two gradients)', () => {
    resetCalls();
    const h = right(implicitHypergradient(c.spec, solve(c)));
    const report = h.reports[h.reports.length - 1];
    expect(report.route).toBe('implicit');
    expect(h.budget).toBe(report.iterations);
    expectCounted(h);
  });
});

/**
 * Defects this file found in the routes, now fixed: each test asserts the documented behaviour on
 * the case that exposed the defect (the titles say what the route did before).
 */
describe('regressions: cases that exposed defects of the routes', () => {
  const additive = THREE_STATES;

  it('first-order: cost.evaluations is the evaluations made (it reports 2·inner + 3, makes 2·inner + 2)', () => {
    resetCalls();
    const h = right(firstOrderHypergradient(additive.spec, solve(additive), { sigma: 10 }));
    // θ* (1), the objective at each of the inner + 1 points, the evaluation at each of the inner new points
    expect(calls.evaluations).toBe(h.cost.evaluations);
  });

  it('implicit: cost.hessianVectorProducts is the products made (it reports iterations + 2; MINRES\'s true-residual product makes it iterations + 3)', () => {
    resetCalls();
    const h = right(implicitHypergradient(additive.spec, solve(additive)));
    expect(calls.hessianProducts).toBe(h.cost.hessianVectorProducts);
  });

  /**
   * Two states, every action leads to state 1, ρ = (1 − ρ₁, ρ₁): preference segments of length 2
   * visit state 1 at their second step, while the discounted visitation d(1) = (1−γ)(ρ₁ + γ(1 − ρ₁))
   * vanishes with γ and ρ₁.
   */
  const twoStates = (gamma: number, rho1: number): Case => ({
    mdp: right(validateMdp({ S: 2, A: 2, gamma, P: Float64Array.of(0, 1, 0, 1, 0, 1, 0, 1), rho: Float64Array.of(1 - rho1, rho1) })),
    model: { kind: 'tabular', S: 2, A: 2 },
    nu: Float64Array.of(0.3, -0.2, 0.5, -0.4),
    lambda: 0.5,
    spec: { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: Float64Array.of(0.2, -0.1, 0.9, -0.7), H: 2 },
  });
  const flagged = (h: Hypergradient): boolean => h.reports.some((r) => !r.reliable);

  it('(the implicit route, which cannot see a state with d(s) = 0 either, says so)', () => {
    const c = twoStates(0, 0);
    expect(flagged(right(implicitHypergradient(c.spec, solve(c))))).toBe(true);
  });

  it('first-order, γ = 0, d(1) = 0: its error to exact stays 6.8e-2 for σ = 10…1000 with every report reliable (bias O(1/σ), or a warning)', () => {
    const c = twoStates(0, 0);
    const sol = solve(c);
    const exact = right(exactHypergradient(c.spec, sol)).gradient;
    const runs = [10, 1000].map((sigma) => right(firstOrderHypergradient(c.spec, sol, { sigma })));
    const errs = runs.map((h) => maxAbsDiff(h.gradient, exact));
    expect(errs[1] <= errs[0] / 50 || runs.every(flagged), `errors ${errs}`).toBe(true);
  });

  it('first-order, a state whose Fisher weights d(s)π(a|s) straddle the route\'s 2⁻¹⁰⁰⁰ cut: its step along the gauge never vanishes (2000 steps, step 1.4e-3)', () => {
    const mdp = right(validateMdp({ S: 3, A: 3, gamma: 0, P: Float64Array.from({ length: 27 }, (_, i) => (i % 3 === 0 ? 1 : 0)), rho: Float64Array.of(1, 0, 1.010596818233315e-301) }));
    const c: Case = {
      mdp,
      model: { kind: 'tabular', S: 3, A: 3 },
      nu: Float64Array.of(-1, -1, -0.48610687255859375, -1, -1, -1, -1, -1, -0.36325645446777344),
      lambda: 0.2,
      spec: { kind: 'preference', teacher: bradleyTerryTeacher(0.5), rTrue: new Float64Array(9).fill(-1), H: 1 },
    };
    const h = right(firstOrderHypergradient(c.spec, solve(c), { sigma: 10 }));
    expect(h.detail!.stationarity <= 1e-10 || flagged(h), `detail ${JSON.stringify(h.detail)}`).toBe(true);
  });

  for (const [gamma, rho1, sigma, what] of [
    [0, 1e-40, 100, 'stops after 2 steps with a step of 0.9: its rule "step ≤ 1e-13·(1 + ‖θ‖∞)" is met because θ diverged'],
    [1e-6, 0, 100, 'runs out of its 2000 steps with a step of 5.6e3'],
    [0.01, 0, 10, 'runs out of its 2000 steps with a step of 15'],
  ] as const) {
    it(`first-order, γ = ${gamma}, ρ₁ = ${rho1}, σ = ${sigma}: the inner solve ${what}; the result must be stationary or flagged`, () => {
      const c = twoStates(gamma, rho1);
      const h = right(firstOrderHypergradient(c.spec, solve(c), { sigma }));
      expect(h.detail!.stationarity <= 1e-10 || flagged(h), `detail ${JSON.stringify(h.detail)}`).toBe(true);
    });
  }
});

describe('invalid options are Lefts naming the field', () => {
  const c = SIZES_OF_ONE[1][0];
  const sol = solve(c);
  const expectField = (e: E.Either<ParlError, unknown>, field: string): void => {
    expect(E.isLeft(e)).toBe(true);
    if (E.isLeft(e)) expect(e.left).toMatchObject({ _tag: 'InvalidInput', field });
  };
  it.each([
    ['K = −1', () => unrolledHypergradient(c.spec, sol, sol.theta, { K: -1, beta: 0.1 }), 'K'],
    ['K = 1.5', () => unrolledHypergradient(c.spec, sol, sol.theta, { K: 1.5, beta: 0.1 }), 'K'],
    ['beta = 0', () => unrolledHypergradient(c.spec, sol, sol.theta, { K: 1, beta: 0 }), 'beta'],
    ['beta = ∞', () => unrolledHypergradient(c.spec, sol, sol.theta, { K: 1, beta: Infinity }), 'beta'],
    ['sigma = NaN', () => firstOrderHypergradient(c.spec, sol, { sigma: NaN }), 'sigma'],
    ['sigma = 0', () => firstOrderHypergradient(c.spec, sol, { sigma: 0 }), 'sigma'],
    ['N = 0', () => zerothOrderHypergradient(c.spec, sol, { N: 0 }, makeRng(1)), 'N'],
    ['N = 2.5', () => zerothOrderHypergradient(c.spec, sol, { N: 2.5 }, makeRng(1)), 'N'],
    ['mu = −1', () => zerothOrderHypergradient(c.spec, sol, { N: 1, mu: -1 }, makeRng(1)), 'mu'],
    ['mu = NaN', () => zerothOrderHypergradient(c.spec, sol, { N: 1, mu: NaN }, makeRng(1)), 'mu'],
  ] as const)('%s', (_, run, field) => expectField(run(), field));
});
