import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { projectionCheck } from '../../src/check/gradcheck.js';
import { directionalDifference } from '../../src/check/finiteDifference.js';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import {
  hessianContextFromEvaluation,
  hessianVectorProduct,
  hessianVectorProductWith,
  makeHessianVectorProduct,
} from '../../src/hessian/index.js';
import { makeRng } from '../../src/random/rng.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbProblem, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs } from '../support/numeric.js';


const arbSmall = arbProblem({ maxS: 6, maxA: 4 });

/**
 * Scales (derived in test/hessian/hessian.test.ts): |H_ij| ≤ hb = (5α/(1−γ) + λ)/(1−γ) with
 * α = max|Adv|; rounding of g ≲ gradErr = (S+A+2)·ε·κ·mag/(1−γ) and of an HVP entry (unit
 * direction) ≲ hessErr = (S+A+2)·ε·κ·(5·mag/(1−γ) + λ)/(1−γ), mag = max|Q| + λ max|log π| +
 * max|V|, κ = (1+γ)/(1−γ); 1e-300 floors for subnormal inputs.
 */
const scalesOf = (p: Problem): { hb: number; hessErr: number; gradErr: number } => {
  const { S, A, gamma } = p.mdp;
  const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
  const mag = maxAbs(ev.Q) + p.lambda * maxAbs(ev.logPi) + maxAbs(ev.V);
  const kappa = (1 + gamma) / (1 - gamma);
  const bound = (x: number): number => ((5 * x) / (1 - gamma) + p.lambda) / (1 - gamma);
  return {
    hb: bound(maxAbs(ev.adv)),
    hessErr: (S + A + 2) * EPS * kappa * bound(mag) + 1e-300,
    gradErr: (S + A + 2) * EPS * kappa * mag / (1 - gamma) + 1e-300,
  };
};

const H_STEP = EPS ** 0.2;

const arbWithDirection = arbSmall.chain((p) =>
  fc.tuple(
    fc.constant(p),
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: p.mdp.S * p.mdp.A, maxLength: p.mdp.S * p.mdp.A }).map((v) => Float64Array.from(v)),
  ),
);

describe('matrix-free Hessian-vector product (MATH.md §4, §6)', () => {
  it('uᵀ(H v) matches the directional difference of uᵀ∇J along v (random projections, order 4)', () => {
    fc.assert(
      fc.property(arbSmall, fc.integer({ min: 1, max: 2 ** 31 }), (p, seed) => {
        const n = p.mdp.S * p.mdp.A;
        const s = scalesOf(p);
        const hvp = makeHessianVectorProduct(p.mdp, p.r, p.theta, p.lambda);
        // unit u, v: uᵀg carries ≤ ‖u‖₁·gradErr ≤ √n·gradErr, amplified by W/h = 1.5/h (2× margin,
        // as in the dense check); truncation ≤ 1e-10·|uᵀHv|-scale ≤ 1e-10·n·hb (see hessian.test.ts).
        // The projection check corrects the rounding of the nodes θ + t·v exactly (v_eff).
        const atol = 2 * (1.5 / H_STEP) * Math.sqrt(n) * s.gradErr + 1e-10 * n * s.hb;
        const report = projectionCheck((th) => policyGradient(p.mdp, p.r, th, p.lambda), hvp, p.theta, n, {
          rng: makeRng(seed),
          projections: 3,
          order: 4,
          h: H_STEP,
          atol,
          rtol: 1e-7,
          // ∇J is analytic in θ: no kinks; the √ε-step kink probe only adds false alarms (hessian.test.ts)
          kinkTolerance: Infinity,
        });
        if (!report.ok) throw new Error(`projection check failed: ${JSON.stringify(report.worst)}`);
      }),
      fcParams(100),
    );
  });

  it('H v matches the directional difference of ∇J along v entrywise', () => {
    fc.assert(
      fc.property(arbWithDirection, ([p, v]) => {
        const n = p.mdp.S * p.mdp.A;
        const s = scalesOf(p);
        const hv = hessianVectorProduct(p.mdp, p.r, p.theta, p.lambda, v);
        const fd = directionalDifference((th) => policyGradient(p.mdp, p.r, th, p.lambda), p.theta, v, n, { order: 4, h: H_STEP });
        // |v|∞ ≤ 1, so |Hv| ≤ n·hb; the rounded nodes fl(θ + t·v) move θ by ≤ ε|θ|∞ ≤ 30ε per
        // coordinate, an error ≤ 1.5·30ε/h·n·hb in the difference; rounding of g as above
        const tol = 2 * (1.5 / H_STEP) * s.gradErr + 1e-10 * n * s.hb + (1.5 * 30 * EPS / H_STEP) * n * s.hb;
        for (let i = 0; i < n; i++) expect(Math.abs(hv[i] - fd[i])).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('the reusable form gives the same bits as the one-shot form, and does not touch its inputs', () => {
    fc.assert(
      fc.property(arbWithDirection, ([p, v]) => {
        const theta0 = Float64Array.from(p.theta);
        const v0 = Float64Array.from(v);
        const once = hessianVectorProduct(p.mdp, p.r, p.theta, p.lambda, v);
        const f = makeHessianVectorProduct(p.mdp, p.r, p.theta, p.lambda);
        const ctx = hessianContextFromEvaluation(p.mdp, evaluatePolicy(p.mdp, p.r, p.theta, p.lambda), p.lambda);
        expect(Array.from(f(v))).toEqual(Array.from(once));
        expect(Array.from(f(v))).toEqual(Array.from(once)); // a second call: no state carried over
        expect(Array.from(hessianVectorProductWith(ctx, v))).toEqual(Array.from(once));
        expect(Array.from(p.theta)).toEqual(Array.from(theta0));
        expect(Array.from(v)).toEqual(Array.from(v0));
      }),
      fcParams(100),
    );
  });

  it('is linear in v: H(αv + βw) = αHv + βHw up to rounding', () => {
    fc.assert(
      fc.property(arbWithDirection, fc.double({ min: -2, max: 2, noNaN: true }), ([p, v], alpha) => {
        const n = p.mdp.S * p.mdp.A;
        const w = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i + 1));
        const f = makeHessianVectorProduct(p.mdp, p.r, p.theta, p.lambda);
        const comb = f(Float64Array.from({ length: n }, (_, i) => alpha * v[i] + w[i]));
        const hv = f(v);
        const hw = f(w);
        // each product has entry error ≤ n·hessErr per unit of max|direction| (≤ 3 here)
        const tol = 4 * n * scalesOf(p).hessErr;
        for (let i = 0; i < n; i++) expect(Math.abs(comb[i] - (alpha * hv[i] + hw[i]))).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('the gauge directions give 0 directly: H·1_s = 0', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const { S, A } = p.mdp;
        const f = makeHessianVectorProduct(p.mdp, p.r, p.theta, p.lambda);
        for (let s = 0; s < S; s++) {
          const e = new Float64Array(S * A);
          for (let a = 0; a < A; a++) e[s * A + a] = 1;
          // u = 1 − Σ_a π(a|s) is rounding (≤ Aε), then the same error model as a unit direction
          expect(maxAbs(f(e))).toBeLessThanOrEqual(A * scalesOf(p).hessErr);
        }
      }),
      fcParams(200),
    );
  });

  it('rejects a direction of the wrong length', () => {
    const p = fc.sample(arbProblem({ maxS: 3, maxA: 3 }), { seed: 3, numRuns: 1 })[0];
    expect(() => hessianVectorProduct(p.mdp, p.r, p.theta, p.lambda, new Float64Array(p.mdp.S * p.mdp.A + 1))).toThrow(RangeError);
  });
});
