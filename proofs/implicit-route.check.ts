/**
 * Checks of `implicit-route.md`: the implicit function theorem at θ*,
 * `H ∂_νθ* + M = 0`, `∇_νθ* = −H^†M` (the gauge-free derivative), the null space of H
 * (one gauge direction per visited state, a whole block per unvisited state), ψ's invariance
 * under per-state constants, and the conditioning `κ(H) ≤ max d·π / min d(s)π(a|s)`.
 *
 * Code under test: `nuScoreImplicitDense`, `scoreContract` (src/nuScore/implicit.ts),
 * `nuScoreClosedForm` (src/nuScore/closedForm.ts), `hessianJ`, `mixedHessianJ`
 * (src/hessian/), `softOptimum`, `evaluatePolicy`.
 */
import { describe, expect, it } from 'vitest';
import { hessianJ } from '../src/hessian/hessian.js';
import { symmetricEigen } from '../src/linalg/symmetricEigen.js';
import { mixedHessianJ } from '../src/hessian/mixedHessian.js';
import type { Mdp } from '../src/mdp/types.js';
import { nuScoreClosedForm } from '../src/nuScore/closedForm.js';
import { nuScoreImplicitDense, nuScoreImplicitIterative, scoreContract } from '../src/nuScore/implicit.js';
import { policyGradient } from '../src/gradient/policyGradient.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, mdpOf, randomLogits, randomTable, right, softOpt } from './support.js';

interface Case {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
}

/** State 2 is unreachable from ρ (ρ(2) = 0, nothing moves into 2 but 2 itself): d(2) = 0. */
const unreachableMdp = (gamma: number): Mdp =>
  mdpOf(3, 2, gamma, [
    0.5, 0.5, 0, /**/ 0.1, 0.9, 0,
    0.7, 0.3, 0, /**/ 0, 1, 0,
    0, 0, 1, /**/ 0.5, 0, 0.5,
  ], [0.4, 0.6, 0]);

const cases: Case[] = (() => {
  const out: Case[] = [];
  for (const seed of [21, 22, 23])
    for (const gamma of [0.5, 0.9, 0.99])
      for (const lambda of [1, 0.3, 0.1, 0.03]) {
        const { mdp, reward } = garnetCase(4, 3, 3, seed, gamma);
        out.push({ name: `garnet(4,3,seed ${seed}) γ=${gamma} λ=${lambda} tabular`, mdp, model: { kind: 'tabular', S: 4, A: 3 }, nu: Float64Array.from(reward), lambda });
      }
  for (const lambda of [1, 0.3]) {
    const { mdp } = garnetCase(5, 2, 3, 31, 0.9);
    out.push({ name: `garnet(5,2) γ=0.9 λ=${lambda} linear k=3`, mdp, model: { kind: 'linear', S: 5, A: 2, k: 3, features: randomTable(30, 32, -1, 1) }, nu: randomTable(3, 33, -1, 1), lambda });
  }
  return out;
})();

/**
 * Error budget of π*-weighted comparisons (derived in implicit-route.md, "Accuracy"):
 * a backward error δH ~ n·ε·‖H‖ moves the solution along eigenvector j by δH·X/μ_j, and the
 * π*-weight of the actions that eigenvector lives on is ~ μ_j(1−γ)/(λd): the κ cancels,
 * leaving ≈ n·ε·‖ψ‖/(1−γ) (factor 4 for safety). A θ* that is not exactly optimal (first-order
 * residual ‖Adv*‖∞ ≠ 0, from the solver's 1e-12 target) moves the derivative by
 * ≈ ‖Adv*‖·‖ψ‖/(λ(1−γ)).
 */
const weightedTolerance = (n: number, psiMax: number, advMax: number, lambda: number, gamma: number): number =>
  (4 * n * EPS * Math.max(1, psiMax) + (advMax * Math.max(1, psiMax)) / lambda) / (1 - gamma);

describe('implicit-function route with the pseudo-inverse (proofs/implicit-route.md)', () => {
  it('IFT premise: H·(∂θ*/∂ν) + M = 0 at θ*, with the canonical ∂θ*/∂ν = ψ (closed form)', () => {
    let worst = 0;
    for (const c of cases) {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const d = rewardDimension(c.model);
      const opt = softOpt(c.mdp, rewardOf(c.model, c.nu), c.lambda);
      const { psi } = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      const H = hessianJ(c.mdp, rewardOf(c.model, c.nu), opt.thetaStar, c.lambda);
      const M = mixedHessianJ(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
      const ev = evaluatePolicy(c.mdp, rewardOf(c.model, c.nu), opt.thetaStar, c.lambda);
      // Rounding: each entry of Hψ + M sums n + 1 products, so it is within (n + 1)·ε of
      // Σ_j |H_ij||ψ_jk| + |M_ik| (Higham γ_n), plus the rounding already in H, M and ψ (a few
      // solves: 8·S·κ(γ) ulps of the same size). A θ* that is not exactly optimal (‖Adv*‖∞ ≠ 0,
      // from the solver's 1e-12 target) moves H and M by O(‖Adv*‖) per unit of d·π/(1−γ),
      // i.e. ≤ ‖Adv*‖·(‖ψ‖ + 1)·4/(1−γ)².
      const kap = (1 + gamma) / (1 - gamma);
      const advTerm = (4 * maxAbs(ev.adv) * (maxAbs(psi) + 1)) / (1 - gamma) ** 2;
      for (let i = 0; i < n; i++)
        for (let k = 0; k < d; k++) {
          let acc = M[i * d + k];
          let size = Math.abs(M[i * d + k]);
          for (let j = 0; j < n; j++) {
            acc += H[i * n + j] * psi[j * d + k];
            size += Math.abs(H[i * n + j] * psi[j * d + k]);
          }
          const tol = (n + 1 + 8 * S * kap) * EPS * size + advTerm;
          expect(Math.abs(acc), c.name).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, Math.abs(acc) / tol);
        }
    }
    console.log(`‖Hψ + M‖: worst |·|/tol = ${worst.toExponential(2)}`);
  });

  it('implicit ψ = closed-form ψ, π*-weighted, at θ*', () => {
    let worstW = 0;
    let maxUnweighted = 0;
    for (const c of cases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const r = rewardOf(c.model, c.nu);
      const opt = softOpt(c.mdp, r, c.lambda);
      const cf = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      const im = nuScoreImplicitDense(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
      const ev = evaluatePolicy(c.mdp, r, opt.thetaStar, c.lambda);
      const tolW = weightedTolerance(S * A, maxAbs(cf.psi), maxAbs(ev.adv), c.lambda, gamma);
      for (let sa = 0; sa < S * A; sa++)
        for (let i = 0; i < d; i++) {
          const e = Math.abs(im.psi[sa * d + i] - cf.psi[sa * d + i]);
          expect(opt.piStar[sa] * e, c.name).toBeLessThanOrEqual(tolW);
          worstW = Math.max(worstW, (opt.piStar[sa] * e) / tolW);
          // unweighted errors on rare actions are not bounded by κ(H)·tolW in general (the
          // perturbation from θ*'s residual is divided by π*(a|s), not by the smallest eigenvalue);
          // MATH.md §6 makes the π*-weighted comparison the contract, so only that is asserted
          maxUnweighted = Math.max(maxUnweighted, e);
        }
    }
    console.log(`implicit vs closed form: worst π*-weighted err/tol = ${worstW.toExponential(2)}; largest unweighted error = ${maxUnweighted.toExponential(2)} (rare actions at λ = 0.03)`);
  });

  it('null space: dimension S with every state visited; (S − 1) + A with one unreachable state', () => {
    for (const c of cases.filter((k) => k.lambda >= 0.1)) {
      const opt = softOpt(c.mdp, rewardOf(c.model, c.nu), c.lambda);
      const im = nuScoreImplicitDense(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
      expect(im.expectedNullDimension, c.name).toBe(c.mdp.S);
      expect(im.nullDimension, c.name).toBe(c.mdp.S);
    }
    for (const gamma of [0.5, 0.9]) {
      const mdp = unreachableMdp(gamma);
      const model: RewardModel = { kind: 'tabular', S: 3, A: 2 };
      const nu = Float64Array.of(1, 0, 0.5, 0.2, 3, -1);
      const opt = softOpt(mdp, nu, 0.5);
      const im = nuScoreImplicitDense(mdp, model, nu, opt.thetaStar, 0.5);
      expect(im.expectedNullDimension).toBe(2 + 2);
      expect(im.nullDimension).toBe(2 + 2);
      // the unvisited block of −H^†M is exactly zero (H and M vanish there; the pseudo-inverse
      // maps the null space to 0), so implicit ψ = 0 on the unvisited state while the closed
      // form still gives the (irrelevant) value of a state nobody reaches
      for (let a = 0; a < 2; a++) for (let i = 0; i < 6; i++) expect(Math.abs(im.gradThetaStar[(2 * 2 + a) * 6 + i])).toBe(0);
      const cf = right(nuScoreClosedForm(mdp, model, opt.piStar, 0.5));
      expect(maxAbs(cf.psi.slice(4 * 6))).toBeGreaterThan(0.1);
      // on the visited states both routes agree
      const ev = evaluatePolicy(mdp, nu, opt.thetaStar, 0.5);
      const tol = weightedTolerance(6, maxAbs(cf.psi), maxAbs(ev.adv), 0.5, gamma) * im.conditionEstimate;
      for (let k = 0; k < 4 * 6; k++) expect(Math.abs(im.psi[k] - cf.psi[k])).toBeLessThanOrEqual(tol);
    }
  });

  it('gauge-free derivative: per-state row means of ∇_νθ* vanish, and ∇_νθ* = ψ − (1/A)Σ_b ψ[s,b]', () => {
    let worstMean = 0;
    let worstGauge = 0;
    for (const c of cases.filter((k) => k.lambda >= 0.1)) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const r = rewardOf(c.model, c.nu);
      const opt = softOpt(c.mdp, r, c.lambda);
      const cf = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      const im = nuScoreImplicitDense(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
      const ev = evaluatePolicy(c.mdp, r, opt.thetaStar, c.lambda);
      const X = im.gradThetaStar;
      // the minimum-norm solution is orthogonal to the null space, so its gauge component is
      // rounding only: a computed eigenvector for μ_j mixes in the gauge direction by
      // ≲ n·ε·‖H‖/μ_j (Davis–Kahan, gap μ_j to the null eigenvalue 0), so the row mean is
      // ≤ n·ε·κ(H)·‖X‖∞ (factor 4 for the sums)
      const tolMean = 4 * S * A * EPS * im.conditionEstimate * Math.max(1, maxAbs(X));
      const tolGauge = weightedTolerance(S * A, maxAbs(cf.psi), maxAbs(ev.adv), c.lambda, gamma) * im.conditionEstimate;
      for (let s = 0; s < S; s++)
        for (let i = 0; i < d; i++) {
          let mean = 0;
          let psiMean = 0;
          for (let a = 0; a < A; a++) {
            mean += X[(s * A + a) * d + i] / A;
            psiMean += cf.psi[(s * A + a) * d + i] / A;
          }
          expect(Math.abs(mean), c.name).toBeLessThanOrEqual(tolMean);
          worstMean = Math.max(worstMean, Math.abs(mean) / tolMean);
          for (let a = 0; a < A; a++) {
            const k = (s * A + a) * d + i;
            const err = Math.abs(X[k] - (cf.psi[k] - psiMean));
            expect(err, c.name).toBeLessThanOrEqual(tolGauge);
            worstGauge = Math.max(worstGauge, err / tolGauge);
          }
        }
    }
    console.log(`row means of ∇_νθ*: worst |mean|/tol = ${worstMean.toExponential(2)}; ∇_νθ* vs centred ψ: worst err/tol = ${worstGauge.toExponential(2)}`);
  });

  it('ψ is unchanged by per-state constants: in the score contraction and under a gauge shift of θ', () => {
    const c = cases.find((k) => k.lambda === 0.3 && k.mdp.gamma === 0.9)!;
    const { S, A } = c.mdp;
    const d = rewardDimension(c.model);
    const r = rewardOf(c.model, c.nu);
    const opt = softOpt(c.mdp, r, c.lambda);
    const im = nuScoreImplicitDense(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
    // (a) X + c(s, i) for arbitrary per-state, per-coordinate constants
    const shift = randomLogits(S * d, 5, 10);
    const X2 = Float64Array.from(im.gradThetaStar);
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) for (let i = 0; i < d; i++) X2[(s * A + a) * d + i] += shift[s * d + i];
    const psi2 = scoreContract(c.mdp, opt.piStar, X2, d);
    // the contraction subtracts Σ_b π(b|s)(X + c) = mean + c·Σπ, Σπ = 1 ± Aε: error ≤ 2Aε·|c|
    const tolA = 4 * A * EPS * (maxAbs(shift) + maxAbs(im.gradThetaStar));
    for (let k = 0; k < S * A * d; k++) expect(Math.abs(psi2[k] - im.psi[k])).toBeLessThanOrEqual(tolA);
    // (b) the implicit route at θ* + c·1_s (the same policy) gives the same ψ
    const thetaShift = Float64Array.from(opt.thetaStar);
    const cs = randomLogits(S, 6, 20);
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) thetaShift[s * A + a] += cs[s];
    const im2 = nuScoreImplicitDense(c.mdp, c.model, c.nu, thetaShift, c.lambda);
    const ev = evaluatePolicy(c.mdp, r, opt.thetaStar, c.lambda);
    // π at the shifted θ differs by rounding of θ + c (|c| ≤ ~50: ε·50 relative), which acts
    // like an Adv* perturbation of that size
    const tolB = weightedTolerance(S * A, maxAbs(im.psi), maxAbs(ev.adv) + 64 * EPS * (1 + maxAbs(cs)), c.lambda, c.mdp.gamma) * im.conditionEstimate;
    for (let k = 0; k < S * A * d; k++) expect(Math.abs(im2.psi[k] - im.psi[k])).toBeLessThanOrEqual(tolB);
  });

  it('conditioning: κ(H) on the inverted subspace lies between the interlacing bounds, ≤ max dπ / min d(s)π(a|s)', () => {
    let shown = 0;
    for (const c of cases) {
      const { S, A } = c.mdp;
      const r = rewardOf(c.model, c.nu);
      const opt = softOpt(c.mdp, r, c.lambda);
      const im = nuScoreImplicitDense(c.mdp, c.model, c.nu, opt.thetaStar, c.lambda);
      if (im.nullDimension !== im.expectedNullDimension) continue; // eigenvalues below n·ε·‖H‖ were dropped
      const ev = evaluatePolicy(c.mdp, r, opt.thetaStar, c.lambda);
      // block s of −H(1−γ)/λ is d(s)(diag π_s − π_sπ_sᵀ); its nonzero eigenvalues interlace
      // the sorted π: π_(1) ≤ μ_2 ≤ π_(2) ≤ … ≤ μ_A ≤ π_(A), and μ_A ≥ trace/(A−1).
      let maxHi = 0; // max_s d(s)·π_(A)
      let maxLo = 0; // max_s d(s)·max(π_(A−1), (1 − ‖π‖²)/(A−1))
      let minLo = Infinity; // min_s d(s)·π_(1)
      let minHi = Infinity; // min_s d(s)·π_(2)
      for (let s = 0; s < S; s++) {
        const p = Array.from(opt.piStar.slice(s * A, s * A + A)).sort((x, y) => x - y);
        let sq = 0;
        for (const x of p) sq += x * x;
        maxHi = Math.max(maxHi, ev.d[s] * p[A - 1]);
        maxLo = Math.max(maxLo, ev.d[s] * Math.max(p[A - 2], (1 - sq) / (A - 1)));
        minLo = Math.min(minLo, ev.d[s] * p[0]);
        minHi = Math.min(minHi, ev.d[s] * p[1]);
      }
      // the computed extreme eigenvalues carry an absolute error ≤ n·ε·‖H‖ (Jacobi is backward
      // stable), i.e. a relative error ≤ n·ε·κ on the smallest: widen the bounds by 4·that
      const slack = 4 * S * A * EPS * im.conditionEstimate;
      expect(im.conditionEstimate, c.name).toBeGreaterThanOrEqual((maxLo / minHi) * (1 - slack));
      expect(im.conditionEstimate, c.name).toBeLessThanOrEqual((maxHi / minLo) * (1 + slack));
      expect(im.conditionEstimate, c.name).toBeLessThanOrEqual(1 / minLo + slack / minLo);
      if (shown++ < 3 || c.lambda === 0.03)
        console.log(`${c.name}: κ(H) = ${im.conditionEstimate.toExponential(2)} ∈ [${(maxLo / minHi).toExponential(2)}, ${(maxHi / minLo).toExponential(2)}], 1/min dπ = ${(1 / minLo).toExponential(2)}`);
    }
  });

  describe('away from θ*: the dense route when κ(H) exceeds 1/(n·ε)', () => {
    // θ^K: 10⁴ gradient steps (β = 1) at λ = 0.01 on Garnet(4, 3, branching 2, seed 1, γ = 0.9).
    // True κ(H) off the structural null space is ≈ 3 (computed below from ΠHΠ), but H's
    // largest eigenvalue is ≈ 1e-4 and the rounding of H·1_s is ≈ 1e-18, above the
    // pseudo-inverse threshold n·ε·max|μ| ≈ 3e-19: the gauge eigenvalues are inverted.
    const setup = (() => {
      let cache: { mdp: Mdp; model: RewardModel; nu: Float64Array; theta: Float64Array } | undefined;
      return () => {
        if (cache !== undefined) return cache;
        const { mdp, reward } = garnetCase(4, 3, 2, 1, 0.9);
        const nu = Float64Array.from(reward);
        let theta = new Float64Array(12);
        for (let k = 0; k < 10_000; k++) {
          const g = policyGradient(mdp, nu, theta, 0.01);
          theta = theta.map((t, i) => t + g[i]);
        }
        cache = { mdp, model: { kind: 'tabular', S: 4, A: 3 }, nu, theta };
        return cache;
      };
    })();

    /**
     * κ(H) off the structural null space, independently: eigenvalues of ΠHΠ (Π removes each
     * state's row mean, so ΠHΠ·1_s = 0 exactly), the S smallest |μ| dropped as the gauge.
     */
    const trueCondition = (H: Float64Array, S: number, A: number): number => {
      const n = S * A;
      const proj = (M: Float64Array, rows: boolean): Float64Array => {
        const out = Float64Array.from(M);
        for (let k = 0; k < n; k++)
          for (let s = 0; s < S; s++) {
            let mean = 0;
            for (let a = 0; a < A; a++) mean += rows ? out[(s * A + a) * n + k] : out[k * n + s * A + a];
            mean /= A;
            for (let a = 0; a < A; a++) {
              if (rows) out[(s * A + a) * n + k] -= mean;
              else out[k * n + s * A + a] -= mean;
            }
          }
        return out;
      };
      const Hp = proj(proj(H, false), true);
      const mu = Array.from(symmetricEigen(Hp, n).values).map(Math.abs).sort((x, y) => x - y);
      return mu[n - 1] / mu[S];
    };

    it('π-weighted ψ of the dense route still agrees with the MINRES route (scoreContract removes the gauge)', () => {
      const { mdp, model, nu, theta } = setup();
      const dense = nuScoreImplicitDense(mdp, model, nu, theta, 0.01);
      const iter = nuScoreImplicitIterative(mdp, model, nu, theta, 0.01);
      const ev = evaluatePolicy(mdp, nu, theta, 0.01);
      const kappaTrue = trueCondition(hessianJ(mdp, nu, theta, 0.01), 4, 3);
      expect(iter.expectedNullDimension).toBe(4);
      expect(kappaTrue).toBeLessThan(1e3);
      // budget: MINRES relative residual × κ, plus the dense route's gauge leak, which the
      // contraction cancels up to |c|·A·ε with |c| ≤ ‖X_dense‖∞
      const tol = 10 * (iter.relativeResidual + 12 * EPS) * kappaTrue * Math.max(1, maxAbs(iter.psi)) + 4 * 3 * EPS * maxAbs(dense.gradThetaStar);
      let worst = 0;
      for (let sa = 0; sa < 12; sa++)
        for (let i = 0; i < 12; i++) worst = Math.max(worst, ev.pi[sa] * Math.abs(dense.psi[sa * 12 + i] - iter.psi[sa * 12 + i]));
      console.log(`θ^K, λ = 0.01: true κ(H) off the gauge = ${kappaTrue.toExponential(2)}; dense route reports κ = ${dense.conditionEstimate.toExponential(2)}, null dim ${dense.nullDimension} (structural ${dense.expectedNullDimension}); π-weighted ψ difference dense vs MINRES ${worst.toExponential(2)} ≤ ${tol.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(tol);
    });

    // Regression: MATH.md §6 promises a gauge-free ∇_νθ* (row means 0) and a null space of structural
    // dimension. The dense route once thresholded eigenvalues of the full H, where rounding in H·1_s
    // (≈ 1e-18 here) exceeded the threshold: row means ≈ 4e2, null dimension 1 instead of 4, κ ≈ 2.5e14.
    // It now inverts H on an orthonormal basis of the structural complement.
    it('dense ∇_νθ* is gauge-free with the structural null space at this θ^K', () => {
      const { mdp, model, nu, theta } = setup();
      const dense = nuScoreImplicitDense(mdp, model, nu, theta, 0.01);
      let worstMean = 0;
      for (let s = 0; s < 4; s++)
        for (let i = 0; i < 12; i++) {
          let mean = 0;
          for (let a = 0; a < 3; a++) mean += dense.gradThetaStar[(s * 3 + a) * 12 + i] / 3;
          worstMean = Math.max(worstMean, Math.abs(mean));
        }
      expect(dense.nullDimension).toBe(dense.expectedNullDimension);
      expect(worstMean).toBeLessThanOrEqual(1e-8 * Math.max(1, maxAbs(dense.gradThetaStar)));
    });
  });
});
