import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../../src/check/finiteDifference.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';
import { nuScoreClosedForm, nuScoreVjpClosedForm } from '../../src/nuScore/closedForm.js';
import { nuScoreImplicitDense, nuScoreImplicitIterative, nuScoreVjpImplicit } from '../../src/nuScore/implicit.js';
import { softOptimum } from '../../src/optimal/index.js';
import { rewardDimension, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { parseVector } from '../../src/vectors/schema.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbMdp, bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs } from '../support/numeric.js';


interface NuCase {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
}

/** Problems for the ν-score: λ ∈ [0.1, 1] (well conditioned) and γ ≤ 0.9, tabular or linear rewards. */
const arbNuCase = (maxS = 5, maxA = 3): fc.Arbitrary<NuCase> =>
  arbMdp({ maxS, maxA, maxGamma: 0.9 }).chain((mdp) =>
    fc.oneof(
      fc.array(bounded(-1, 1), { minLength: mdp.S * mdp.A, maxLength: mdp.S * mdp.A }).map((nu) => ({
        mdp, model: { kind: 'tabular', S: mdp.S, A: mdp.A } as RewardModel, nu: Float64Array.from(nu),
      })),
      fc.integer({ min: 1, max: 4 }).chain((k) =>
        fc.record({
          features: fc.array(bounded(-1, 1), { minLength: mdp.S * mdp.A * k, maxLength: mdp.S * mdp.A * k }),
          nu: fc.array(bounded(-1, 1), { minLength: k, maxLength: k }),
        }).map(({ features, nu }) => ({
          mdp, model: { kind: 'linear', S: mdp.S, A: mdp.A, k, features: Float64Array.from(features) } as RewardModel, nu: Float64Array.from(nu),
        })),
      ),
    ).chain((c) => bounded(0.1, 1).map((lambda) => ({ ...c, lambda }))),
  );

const optimum = (c: NuCase, nu = c.nu) => {
  const o = softOptimum(c.mdp, rewardOf(c.model, nu), c.lambda);
  if (E.isLeft(o)) throw new Error(o.left.message);
  return o.right;
};

const closedPsi = (c: NuCase): Float64Array => {
  const o = optimum(c);
  const res = nuScoreClosedForm(c.mdp, c.model, o.piStar, c.lambda);
  if (E.isLeft(res)) throw new Error(res.left.message);
  return res.right.psi;
};

describe('ν-score ψ = ∇_ν log π_{θ*(ν)} (MATH.md §6)', () => {
  it('closed form = finite differences of log π*(ν) = θ*(ν) with θ* recomputed at ν ± h', () => {
    fc.assert(
      fc.property(arbNuCase(), (c) => {
        const psi = closedPsi(c);
        const d = rewardDimension(c.model);
        // canonical θ* is log π*, so ψ is the Jacobian of ν ↦ θ*(ν)
        const fd = numericJacobian((nu) => optimum(c, nu).thetaStar, c.nu, c.mdp.S * c.mdp.A, { order: 4 });
        // θ* is solved to a relative soft Bellman residual of 1e-12, i.e. |δθ*| ≲ 1e-12·scale/λ·1/(1−γ)
        // with scale ≤ ‖r‖∞ + λ log A ≤ 5; the 4-point formula divides that by h ≈ 7.4e-4 (×1.5):
        // ≈ 2e-9·5/(λ(1−γ)) ≤ 1e-6 at λ = 0.1, γ = 0.9. Truncation h⁴|∂⁵θ*| is far below it.
        const tol = (1e-8 * 5) / (c.lambda * (1 - c.mdp.gamma));
        for (let j = 0; j < psi.length; j++) {
          const sa = Math.floor(j / d);
          const i = j % d;
          expect(Math.abs(psi[j] - fd[sa * d + i]), `ψ[${sa},${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(psi[j])));
        }
      }),
      fcParams(25),
    );
  });

  it('implicit route (dense pseudo-inverse at θ*) = closed form, π*-weighted, and unweighted where well conditioned', () => {
    fc.assert(
      fc.property(arbNuCase(), (c) => {
        const o = optimum(c);
        const cf = nuScoreClosedForm(c.mdp, c.model, o.piStar, c.lambda);
        if (E.isLeft(cf)) throw new Error(cf.left.message);
        const imp = nuScoreImplicitDense(c.mdp, c.model, c.nu, o.thetaStar, c.lambda);
        const d = rewardDimension(c.model);
        const { S, A } = c.mdp;
        const psiScale = maxAbs(cf.right.psi) + 1;
        // the pseudo-inverse solve has forward error ≲ κ·n·ε (κ = condition on the inverted subspace),
        // plus θ*'s own error 1e-12 relative; π*-weighted errors lose the κ of rare actions (MATH.md §6)
        const n = S * A;
        const tolWeighted = 1e3 * n * EPS * Math.min(imp.conditionEstimate, 1e8) * psiScale + 1e-9 * psiScale;
        // the routes agree on visited states (MATH.md §6); a state with tiny d(s) has an H block of
        // size d(s)·λ/(1−γ) that the pseudo-inverse may treat as null, so compare where d(s) ≥ 1e-6
        const dState = evaluatePolicy(c.mdp, rewardOf(c.model, c.nu), o.thetaStar, c.lambda).d;
        for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) for (let i = 0; i < d; i++) {
          if (dState[s] < 1e-6) continue;
          const j = (s * A + a) * d + i;
          const err = Math.abs(imp.psi[j] - cf.right.psi[j]);
          expect(o.piStar[s * A + a] * err, `π*-weighted ψ[${s},${a},${i}]`).toBeLessThanOrEqual(tolWeighted);
          if (imp.conditionEstimate < 1e6) expect(err).toBeLessThanOrEqual(tolWeighted);
        }
        if (Math.min(...dState) >= 1e-6 && imp.conditionEstimate < 1e8) expect(imp.nullDimension).toBe(imp.expectedNullDimension);
      }),
      fcParams(40),
    );
  });

  it('implicit route by MINRES on Hessian-vector products = dense pseudo-inverse route', () => {
    fc.assert(
      fc.property(arbNuCase(4, 3), (c) => {
        const o = optimum(c);
        const dense = nuScoreImplicitDense(c.mdp, c.model, c.nu, o.thetaStar, c.lambda);
        const it = nuScoreImplicitIterative(c.mdp, c.model, c.nu, o.thetaStar, c.lambda, { rtol: 1e-13 });
        const scale = maxAbs(dense.psi) + 1;
        if (dense.conditionEstimate > 1e8 || dense.nullDimension !== dense.expectedNullDimension) {
          // near-singular H (tiny d(s)π(a|s)): MINRES may not reach its tolerance; it must then say so
          if (it.relativeResidual > 1e-12) expect(it.warning).toMatch(/did not converge|relative residual/);
          return;
        }
        // MINRES's attainable relative residual is ~κ·ε (Lanczos in float64); with κ the condition on the
        // inverted subspace, both routes' forward errors are ≲ κ·(residual + n·ε)·‖∇_ν θ*‖ (×10 margin)
        const kappa = dense.conditionEstimate;
        const n = c.mdp.S * c.mdp.A;
        expect(it.relativeResidual).toBeLessThanOrEqual(Math.max(1e-12, 10 * kappa * EPS));
        const tol = 10 * kappa * (it.relativeResidual + n * EPS) * (maxAbs(dense.gradThetaStar) + 1);
        expect(maxAbs(it.psi.map((x, j) => x - dense.psi[j]))).toBeLessThanOrEqual(tol);
      }),
      fcParams(30),
    );
  });

  it('vector-Jacobian forms equal the explicit contraction Σ w ψ (closed form and implicit route)', () => {
    fc.assert(
      fc.property(arbNuCase(), fc.array(bounded(-1, 1), { minLength: 100, maxLength: 100 }), (c, wRaw) => {
        const { S, A } = c.mdp;
        const d = rewardDimension(c.model);
        const w = Float64Array.from(wRaw.slice(0, S * A));
        const o = optimum(c);
        const cf = nuScoreClosedForm(c.mdp, c.model, o.piStar, c.lambda);
        if (E.isLeft(cf)) throw new Error(cf.left.message);
        const explicit = new Float64Array(d);
        for (let sa = 0; sa < S * A; sa++) for (let i = 0; i < d; i++) explicit[i] += w[sa] * cf.right.psi[sa * d + i];
        const vjp = nuScoreVjpClosedForm(c.mdp, c.model, o.piStar, c.lambda, w);
        if (E.isLeft(vjp)) throw new Error(vjp.left.message);
        const scale = (maxAbs(cf.right.psi) + 1) * S * A;
        // same exact quantity by two orders of summation and two solves: ≲ c·S·ε·κ∞(I−γP) of the scale
        const tol = 64 * (S * A + 2) * EPS * ((1 + c.mdp.gamma) / (1 - c.mdp.gamma)) * scale;
        expect(maxAbs(vjp.right.value.map((x, i) => x - explicit[i]))).toBeLessThanOrEqual(tol);

        const imp = nuScoreImplicitDense(c.mdp, c.model, c.nu, o.thetaStar, c.lambda);
        const explicitImp = new Float64Array(d);
        for (let sa = 0; sa < S * A; sa++) for (let i = 0; i < d; i++) explicitImp[i] += w[sa] * imp.psi[sa * d + i];
        const vjpImp = nuScoreVjpImplicit(c.mdp, c.model, c.nu, o.thetaStar, c.lambda, w, { rtol: 1e-13 });
        const tolImp = Math.min(imp.conditionEstimate, 1e8) * 1e-11 * scale;
        expect(maxAbs(vjpImp.value.map((x, i) => x - explicitImp[i]))).toBeLessThanOrEqual(tolImp);
      }),
      fcParams(40),
    );
  });

  it('handles an unreachable state: its block is the null space and ψ agrees on reachable states', () => {
    // state 2 is never entered (ρ(2) = 0, no transitions into it); states 0, 1 communicate
    const S = 3;
    const A = 2;
    const P = Float64Array.from([
      0.7, 0.3, 0, 0.2, 0.8, 0,
      0.5, 0.5, 0, 0.1, 0.9, 0,
      0.3, 0.3, 0.4, 0.6, 0.4, 0,
    ]);
    const m = validateMdp({ S, A, gamma: 0.8, P, rho: [0.5, 0.5, 0] });
    if (E.isLeft(m)) throw new Error('invalid');
    const c: NuCase = { mdp: m.right, model: { kind: 'tabular', S, A }, nu: Float64Array.from([1, 0, 0, 0.5, 0.2, -0.3]), lambda: 0.5 };
    const o = optimum(c);
    const cf = closedPsi(c);
    const imp = nuScoreImplicitDense(c.mdp, c.model, c.nu, o.thetaStar, c.lambda);
    // gauge of the 2 visited states + the whole block (A directions, its gauge included) of the unvisited one
    expect(imp.expectedNullDimension).toBe(2 + A);
    expect(imp.nullDimension).toBe(2 + A);
    const d = S * A;
    for (let s = 0; s < 2; s++) for (let a = 0; a < A; a++) for (let i = 0; i < d; i++) {
      const j = (s * A + a) * d + i;
      // well conditioned (λ = 0.5, γ = 0.8): κ·n·ε with κ < 1e3
      expect(Math.abs(imp.psi[j] - cf[j])).toBeLessThanOrEqual(1e-11);
    }
  });

  it('λ = 0 is an error naming why, not a number', () => {
    const m = validateMdp({ S: 1, A: 2, gamma: 0.5, P: [1, 1], rho: [1] });
    if (E.isLeft(m)) throw new Error('invalid');
    const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };
    const r = nuScoreClosedForm(m.right, model, Float64Array.of(1, 0), 0);
    expect(E.isLeft(r) && r.left.message).toMatch(/does not exist at λ = 0/);
    const v = nuScoreVjpClosedForm(m.right, model, Float64Array.of(1, 0), 0, Float64Array.of(1, 1));
    expect(E.isLeft(v)).toBe(true);
    expect(E.isLeft(nuScoreClosedForm(m.right, model, Float64Array.of(1, 0), -1))).toBe(true);
    expect(E.isLeft(nuScoreClosedForm(m.right, model, Float64Array.of(1, 0), NaN))).toBe(true);
  });
});

describe('ν-score conformance with the independent reference vectors', () => {
  const REF = 'spec/vectors/reference';
  const files = readdirSync(REF).filter((f) => f.endsWith('.json')).sort();
  for (const f of files) {
    const v = parseVector(readFileSync(join(REF, f), 'utf8'));
    if (E.isLeft(v) || v.right.expected.psi === undefined) continue;
    const vec = v.right;
    it(`${vec.id}: closed-form ψ matches (and the implicit route π*-weighted)`, () => {
      const o = softOptimum(vec.mdp, rewardOf(vec.reward, vec.nu), vec.lambda);
      if (E.isLeft(o)) throw new Error(o.left.message);
      const cf = nuScoreClosedForm(vec.mdp, vec.reward, o.right.piStar, vec.lambda);
      if (E.isLeft(cf)) throw new Error(cf.left.message);
      const exp = vec.expected.psi!;
      for (let j = 0; j < exp.length; j++) {
        expect(Math.abs(cf.right.psi[j] - exp[j]), `psi[${j}]`).toBeLessThanOrEqual(vec.tolerance.abs + vec.tolerance.rel * Math.abs(exp[j]));
      }
      const imp = nuScoreImplicitDense(vec.mdp, vec.reward, vec.nu, o.right.thetaStar, vec.lambda);
      const d = rewardDimension(vec.reward);
      const scale = maxAbs(exp) + 1;
      for (let j = 0; j < exp.length; j++) {
        const sa = Math.floor(j / d);
        // π*-weighted agreement: the file's own cond(H) annotations reach 1e4, so κ·n·ε ≲ 1e-10
        expect(o.right.piStar[sa] * Math.abs(imp.psi[j] - exp[j])).toBeLessThanOrEqual(1e-8 * scale);
      }
    });
  }
});
