import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jacobianCheck } from '../../src/check/gradcheck.js';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import {
  hessianContext,
  mixedHessianFromContext,
  mixedHessianJ,
  mixedHessianTransposeVectorProduct,
  mixedHessianTransposeVectorProductWith,
  mixedHessianVectorProduct,
  mixedHessianVectorProductWith,
} from '../../src/hessian/index.js';
import { rewardDimension, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbProblem, boundedVector, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs } from '../support/numeric.js';


interface MixedCase {
  readonly p: Problem;
  readonly model: RewardModel;
  readonly nu: Float64Array;
}

/** A problem with a reward model: tabular (ν = the table) or linear features (k ≤ 5, Φ ∈ [−1,1], ν ∈ [−5,5]). */
const arbMixed: fc.Arbitrary<MixedCase> = arbProblem({ maxS: 6, maxA: 4 }).chain((p) => {
  const { S, A } = p.mdp;
  const tabular = fc.constant<MixedCase>({ p, model: { kind: 'tabular', S, A }, nu: Float64Array.from(p.r) });
  const linear = fc.integer({ min: 1, max: 5 }).chain((k) =>
    fc.tuple(boundedVector(S * A * k, -1, 1), boundedVector(k, -5, 5)).map(([features, nu]): MixedCase => {
      const model: RewardModel = { kind: 'linear', S, A, k, features };
      return { p: { ...p, r: rewardOf(model, nu) }, model, nu };
    }),
  );
  return fc.oneof(tabular, linear);
});

/**
 * Scales from the formulas in mixedHessian.ts, for a unit w: δr = J_r e_i has |δr| ≤ jr =
 * max|J_r|, ‖dV‖∞ ≤ jr/(1−γ), so |∂²J/∂θ∂ν_i| ≤ mb = 3·jr/(1−γ)², and rounding (sums of
 * ≤ S + A + d terms, solves with κ = (1+γ)/(1−γ)) ≲ mixedErr = (S+A+d+2)·ε·κ·mb per entry.
 * For the differences in ν, the gradient at ν ± h·e_i carries ≲ (S+A+2)·ε·κ·mag'/(1−γ) where
 * mag' bounds the terms Adv is formed from there: max|Q| + λ max|log π| + max|V| at ν plus the
 * change jr·h/(1−γ) and the rounding scale of r = Φν, jr·‖ν‖₁/(1−γ).
 */
const scalesOf = (c: MixedCase, h: number): { mb: number; mixedErr: number; gradErr: number } => {
  const { S, A, gamma } = c.p.mdp;
  const d = rewardDimension(c.model);
  const jr = c.model.kind === 'tabular' ? 1 : maxAbs(c.model.features);
  const ev = evaluatePolicy(c.p.mdp, c.p.r, c.p.theta, c.p.lambda);
  let nu1 = 0;
  for (const x of c.nu) nu1 += Math.abs(x);
  const mag = maxAbs(ev.Q) + c.p.lambda * maxAbs(ev.logPi) + maxAbs(ev.V) + (jr * (h + (c.model.kind === 'tabular' ? maxAbs(c.nu) : nu1))) / (1 - gamma);
  const kappa = (1 + gamma) / (1 - gamma);
  const mb = (3 * jr) / (1 - gamma) ** 2;
  return {
    mb,
    mixedErr: (S + A + d + 2) * EPS * kappa * mb + 1e-300,
    gradErr: (S + A + 2) * EPS * kappa * mag / (1 - gamma) + 1e-300,
  };
};

/** ∇_θ J is affine in r and r_ν is linear in ν: the central difference is exact for any step, so h = 1 minimises rounding amplification. */
const NU_STEP = 1;

/**
 * Options of the ν-difference check. The kink probe (one-sided differences with step √ε) is off:
 * ∇J is affine in ν, and at γ = 0.99 the probe's rounding (gradErr/√ε) flags spurious kinks,
 * which would replace the exact central difference by a noisy one-sided interval.
 */
const nuCheckOptions = (s: { gradErr: number }) => ({ order: 2 as const, h: NU_STEP, atol: 2 * s.gradErr, rtol: 0, kinkTolerance: Infinity });

describe('mixed Hessian ∇²_θν J (MATH.md §5, §6)', () => {
  it('matches differences of ∇_θ J in ν (tabular and linear reward models)', () => {
    fc.assert(
      fc.property(arbMixed, (c) => {
        const { mdp, theta, lambda } = c.p;
        const n = mdp.S * mdp.A;
        const M = mixedHessianJ(mdp, c.model, c.nu, theta, lambda);
        const s = scalesOf(c, NU_STEP);
        // no truncation (affine); rounding (|e₊| + |e₋|)/(2h) ≤ gradErr, allowed 2× (measured worst
        // over 2000 generated cases: 0.037·gradErr); no kinks (affine), so the kink probe is off
        const report = jacobianCheck((nu) => policyGradient(mdp, rewardOf(c.model, nu), theta, lambda), M, c.nu, n, nuCheckOptions(s));
        if (!report.ok) throw new Error(`mixed Hessian check failed (${c.model.kind}): ${JSON.stringify(report.worst)}`);
      }),
      fcParams(150),
    );
  });

  it('is bounded by 3·max|J_r|/(1−γ)² and does not depend on ν', () => {
    fc.assert(
      fc.property(arbMixed, fc.integer({ min: 1, max: 1000 }), (c, k) => {
        const { mdp, theta, lambda } = c.p;
        const s = scalesOf(c, 0);
        const M = mixedHessianJ(mdp, c.model, c.nu, theta, lambda);
        expect(maxAbs(M)).toBeLessThanOrEqual(s.mb + s.mixedErr);
        const nu2 = c.nu.map((x, i) => x + Math.sin(k * (i + 1)));
        const M2 = mixedHessianJ(mdp, c.model, nu2, theta, lambda);
        // π and d do not depend on ν and the map δr ↦ dg does not involve r: identical formulas
        // on identical inputs, so the same bits
        expect(Array.from(M2)).toEqual(Array.from(M));
      }),
      fcParams(100),
    );
  });

  it('the matrix-free product equals the dense matrix times w', () => {
    fc.assert(
      fc.property(
        arbMixed.chain((c) => fc.tuple(fc.constant(c), boundedVector(rewardDimension(c.model), -1, 1))),
        ([c, w]) => {
          const { mdp, theta, lambda } = c.p;
          const n = mdp.S * mdp.A;
          const d = rewardDimension(c.model);
          const M = mixedHessianJ(mdp, c.model, c.nu, theta, lambda);
          const mw = mixedHessianVectorProduct(mdp, c.model, c.nu, theta, lambda, w);
          // two computations of Σ_i M[·,i] w_i, each entry error ≤ mixedErr per unit of |w_i|
          const tol = 2 * d * scalesOf(c, 0).mixedErr;
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let j = 0; j < d; j++) acc += M[i * d + j] * w[j];
            expect(Math.abs(acc - mw[i])).toBeLessThanOrEqual(tol);
          }
        },
      ),
      fcParams(150),
    );
  });

  it('the adjoint (transpose) product equals vᵀ times the dense matrix', () => {
    fc.assert(
      fc.property(
        arbMixed.chain((c) => fc.tuple(fc.constant(c), boundedVector(c.p.mdp.S * c.p.mdp.A, -1, 1))),
        ([c, v]) => {
          const { mdp, theta, lambda } = c.p;
          const n = mdp.S * mdp.A;
          const d = rewardDimension(c.model);
          const M = mixedHessianJ(mdp, c.model, c.nu, theta, lambda);
          const mtv = mixedHessianTransposeVectorProduct(mdp, c.model, c.nu, theta, lambda, v);
          expect(mtv.length).toBe(d);
          // a sum over n rows of entries with error ≤ mixedErr, twice; the adjoint's M⁻ᵀ solve
          // has the same κ bound
          const tol = 2 * n * scalesOf(c, 0).mixedErr;
          for (let j = 0; j < d; j++) {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += M[i * d + j] * v[i];
            expect(Math.abs(acc - mtv[j])).toBeLessThanOrEqual(tol);
          }
        },
      ),
      fcParams(150),
    );
  });

  it('the context forms reuse one factorisation and agree with the one-shot forms bit for bit', () => {
    fc.assert(
      fc.property(
        arbMixed.chain((c) => fc.tuple(fc.constant(c), boundedVector(rewardDimension(c.model), -1, 1), boundedVector(c.p.mdp.S * c.p.mdp.A, -1, 1))),
        ([c, w, v]) => {
          const { mdp, theta, lambda } = c.p;
          const ctx = hessianContext(mdp, rewardOf(c.model, c.nu), theta, lambda);
          expect(Array.from(mixedHessianFromContext(ctx, c.model))).toEqual(Array.from(mixedHessianJ(mdp, c.model, c.nu, theta, lambda)));
          expect(Array.from(mixedHessianVectorProductWith(ctx, c.model, w))).toEqual(
            Array.from(mixedHessianVectorProduct(mdp, c.model, c.nu, theta, lambda, w)),
          );
          expect(Array.from(mixedHessianTransposeVectorProductWith(ctx, c.model, v))).toEqual(
            Array.from(mixedHessianTransposeVectorProduct(mdp, c.model, c.nu, theta, lambda, v)),
          );
        },
      ),
      fcParams(50),
    );
  });

  it('a mixed Hessian with one wrong entry fails the same check (the test can fail)', () => {
    const c = fc.sample(arbMixed.filter((x) => x.model.kind === 'linear' && x.p.mdp.S >= 2 && x.p.mdp.gamma > 0.5), { seed: 5, numRuns: 1 })[0];
    const { mdp, theta, lambda } = c.p;
    const n = mdp.S * mdp.A;
    const M = mixedHessianJ(mdp, c.model, c.nu, theta, lambda);
    const bad = Float64Array.from(M);
    bad[0] += 1e-8 * scalesOf(c, NU_STEP).mb;
    const F = (nu: Readonly<Float64Array>) => policyGradient(mdp, rewardOf(c.model, nu), theta, lambda);
    const opts = nuCheckOptions(scalesOf(c, NU_STEP));
    expect(jacobianCheck(F, M, c.nu, n, opts).ok).toBe(true);
    const report = jacobianCheck(F, bad, c.nu, n, opts);
    expect(report.ok).toBe(false);
    expect(report.worst.index).toBe(0);
  });

  it('rejects a reward model of another shape and a w of the wrong length', () => {
    const p = fc.sample(arbProblem({ maxS: 3, maxA: 3 }), { seed: 4, numRuns: 1 })[0];
    const { S, A } = p.mdp;
    expect(() => mixedHessianJ(p.mdp, { kind: 'tabular', S: S + 1, A }, new Float64Array((S + 1) * A), p.theta, p.lambda)).toThrow(RangeError);
    expect(() => mixedHessianVectorProduct(p.mdp, { kind: 'tabular', S, A }, p.r, p.theta, p.lambda, new Float64Array(S * A + 1))).toThrow(RangeError);
  });
});
