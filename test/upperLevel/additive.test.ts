/**
 * The exact additive objective G(ν) = ρᵀV^{π*(ν)}[u_ν] and its PARL gradient (MATH.md §7).
 * Deterministic checks only (no statistical assertions, so no share of the false-failure budget).
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { lusolve, matrix } from 'mathjs';
import { describe, expect, it } from 'vitest';
import {
  additiveObjectiveExact,
  additiveUtilityOfTrajectory,
  rewardAsUtility,
  type AdditiveUtility,
} from '../../src/upperLevel/additive.js';
import { policyPointAt, policyPointAtOptimum } from '../../src/upperLevel/policyPoint.js';
import type { PolicyPoint } from '../../src/upperLevel/types.js';
import { gradcheck } from '../../src/check/gradcheck.js';
import type { Mdp } from '../../src/mdp/types.js';
import { nuScoreClosedForm } from '../../src/nuScore/closedForm.js';
import { rewardDimension, rewardJacobianDense, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { arbMdp, bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { right } from '../support/either.js';
import { EPS, maxAbs } from '../support/numeric.js';


type UtilityKind = 'fixed' | 'reward' | 'nonlinear';

interface AdditiveCase {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly kind: UtilityKind;
  /** Fixed table (kind 'fixed') or offset of the nonlinear utility. */
  readonly u0: Float64Array;
}

/** u_ν for each kind: a fixed table, r_ν, or the nonlinear sin(r_ν) + u0 (Jacobian depends on ν). */
const utilityOf = (c: AdditiveCase): AdditiveUtility => {
  if (c.kind === 'fixed') return { kind: 'additive', u: c.u0 };
  if (c.kind === 'reward') return rewardAsUtility(c.model);
  return {
    kind: 'additive-nu',
    u: (nu) => rewardOf(c.model, nu).map((r, i) => Math.sin(r) + c.u0[i]),
    jacobianTransposeApply: (w, nu) => {
      const r = rewardOf(c.model, nu);
      return rewardJacobianTransposeApply(c.model, w.map((x, i) => x * Math.cos(r[i])));
    },
  };
};

/** λ ∈ [0.1, 1], γ ≤ 0.9, S ≤ 4, A ≤ 3; tabular or linear (k ≤ 3) rewards; ν, features, u0 in [−1, 1]. */
const arbCase = (kinds: ReadonlyArray<UtilityKind> = ['fixed', 'reward', 'nonlinear']): fc.Arbitrary<AdditiveCase> =>
  arbMdp({ maxS: 4, maxA: 3, maxGamma: 0.9 }).chain((mdp) => {
    const n = mdp.S * mdp.A;
    const vec = (k: number) => fc.array(bounded(-1, 1), { minLength: k, maxLength: k }).map((x) => Float64Array.from(x));
    const tabular = vec(n).map((nu) => ({ model: { kind: 'tabular', S: mdp.S, A: mdp.A } as RewardModel, nu }));
    const linear = fc.integer({ min: 1, max: 3 }).chain((k) =>
      fc.record({ features: vec(n * k), nu: vec(k) }).map(({ features, nu }) => ({
        model: { kind: 'linear', S: mdp.S, A: mdp.A, k, features } as RewardModel,
        nu,
      })),
    );
    return fc.record({
      m: fc.oneof(tabular, linear),
      lambda: bounded(0.1, 1),
      kind: fc.constantFrom(...kinds),
      u0: vec(n),
    }).map(({ m, lambda, kind, u0 }) => ({ mdp, model: m.model, nu: m.nu, lambda, kind, u0 }));
  });

const pointAt = (c: AdditiveCase, nu: Readonly<Float64Array> = c.nu) => {
  const p = policyPointAtOptimum(c.mdp, c.model, nu, c.lambda);
  if (E.isLeft(p)) throw new Error(p.left.message);
  return p.right;
};

/** Independent dense route (mathjs solves): V_u = (I − γP_π)⁻¹ u_π and d = (1−γ)(I − γP_π)⁻ᵀ ρ. */
const denseEvaluation = (mdp: Mdp, pi: Readonly<Float64Array>, u: Readonly<Float64Array>) => {
  const { S, A, gamma, P, rho } = mdp;
  const M: number[][] = [];
  const uPi: number[] = [];
  for (let s = 0; s < S; s++) {
    const row = new Array<number>(S).fill(0);
    row[s] += 1;
    let acc = 0;
    for (let a = 0; a < A; a++) {
      acc += pi[s * A + a] * u[s * A + a];
      for (let t = 0; t < S; t++) row[t] -= gamma * pi[s * A + a] * P[(s * A + a) * S + t];
    }
    M.push(row);
    uPi.push(acc);
  }
  const col = (x: unknown): number[] => (x as { toArray(): number[][] }).toArray().map((r) => r[0]);
  const V = col(lusolve(matrix(M), uPi));
  const Mt = M[0].map((_, j) => M.map((r) => r[j]));
  const d = col(lusolve(matrix(Mt), Array.from(rho))).map((x) => (1 - gamma) * x);
  const Q = new Float64Array(S * A);
  for (let sa = 0; sa < S * A; sa++) {
    let ev = 0;
    for (let t = 0; t < S; t++) ev += P[sa * S + t] * V[t];
    Q[sa] = u[sa] + gamma * ev;
  }
  let G = 0;
  for (let s = 0; s < S; s++) G += rho[s] * V[s];
  return { V, d, Q, G };
};

/** max|u_ν| over the case (≤ 2 for every kind here), used for the natural scales. */
const utilityScale = (c: AdditiveCase): number => Math.max(1, maxAbs((utilityOf(c).kind === 'additive' ? c.u0 : (utilityOf(c) as { u: (nu: Float64Array) => Float64Array }).u(c.nu))));

describe('additiveObjectiveExact (MATH.md §7)', () => {
  it('∇G matches 4th-order finite differences of G(ν) with θ*(ν) recomputed (tabular and linear; fixed, r_ν and nonlinear u)', () => {
    fc.assert(
      fc.property(arbCase(), (c) => {
        const utility = utilityOf(c);
        const res = additiveObjectiveExact(pointAt(c), utility);
        const G = (nu: Readonly<Float64Array>) => additiveObjectiveExact(pointAt(c, nu), utility).G;
        // |∇G| ≲ |u|(1/(1−γ) + |ψ|·2/(1−γ)²) with |ψ| ≲ 2|J_r|/(λ(1−γ)); θ*(ν) is solved to a relative
        // Bellman residual 1e-12, so G(ν) carries an error ≈ 1e-12·|u|/(λ(1−γ)³) that the Richardson
        // stencil (h ≈ 7e-4) amplifies by ≈ 1/h ≈ 1.4e3: ≈ 1.4e-9 of the gradient scale at worst, and
        // the truncation h⁴|∂⁵G|/18 is far below. Allowed: 1e-9 of the gradient scale + rtol 1e-7
        // (measured worst error / allowed over 2000 cases: ≈ 0.16).
        const scale = (utilityScale(c) * (1 + 1 / c.lambda)) / (1 - c.mdp.gamma) ** 3;
        const atol = 1e-9 * scale;
        const report = gradcheck(G, res.gradG, c.nu, { order: 4, atol, rtol: 1e-7 });
        if (!report.ok) throw new Error(`gradcheck failed (${c.kind}, ${c.model.kind}): ${JSON.stringify(report.worst)}`);
      }),
      fcParams(60),
    );
  });

  it('G equals ρᵀ(I − γP_π)⁻¹u_π by an independent dense solve (mathjs)', () => {
    fc.assert(
      fc.property(arbCase(), (c) => {
        const point = pointAt(c);
        const utility = utilityOf(c);
        const u = utility.kind === 'additive' ? utility.u : utility.u(c.nu);
        const res = additiveObjectiveExact(point, utility);
        const dense = denseEvaluation(c.mdp, point.pi, u);
        const tol = 64 * (c.mdp.S + 2) * EPS * ((1 + c.mdp.gamma) / (1 - c.mdp.gamma)) * (utilityScale(c) / (1 - c.mdp.gamma));
        expect(Math.abs(res.G - dense.G)).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('myopic = exact − ψ-term, the ψ-term contracted independently from the materialised ψ (Q_u form)', () => {
    fc.assert(
      fc.property(arbCase(), (c) => {
        const point = pointAt(c);
        const utility = utilityOf(c);
        const u = utility.kind === 'additive' ? utility.u : utility.u(c.nu);
        const res = additiveObjectiveExact(point, utility);
        const ns = nuScoreClosedForm(c.mdp, c.model, point.pi, c.lambda);
        if (E.isLeft(ns)) throw new Error(ns.left.message);
        const { S, A, gamma } = c.mdp;
        const d = rewardDimension(c.model);
        const dense = denseEvaluation(c.mdp, point.pi, u);
        // Σ d π Q_u ψ/(1−γ): equal to the Adv_u form because Σ_a π ψ = 0
        const scoreTerm = new Float64Array(d);
        for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
          const sa = s * A + a;
          const w = (dense.d[s] * point.pi[sa] * dense.Q[sa]) / (1 - gamma);
          for (let i = 0; i < d; i++) scoreTerm[i] += w * ns.right.psi[sa * d + i];
        }
        // two exact routes; the Q form cancels terms of size |Q_u||ψ|/(1−γ) ≲ |u|·2/(λ(1−γ)³)
        const scale = (utilityScale(c) * 2 * Math.max(1, maxAbs(rewardJacobianDense(c.model)))) / (c.lambda * (1 - gamma) ** 3);
        const tol = 256 * (S * A + S + d) * EPS * ((1 + gamma) / (1 - gamma)) * scale;
        for (let i = 0; i < d; i++) {
          expect(Math.abs(res.gradG[i] - res.gradGMyopic[i] - scoreTerm[i]), `coordinate ${i}`).toBeLessThanOrEqual(tol);
          expect(res.gradG[i]).toBe(res.gradGMyopic[i] + res.gradGScoreTerm[i]);
        }
        // the myopic term itself: Σ d π ∇u / (1−γ) with the dense Jacobian (u = r_ν: J_r)
        if (c.kind === 'reward') {
          const Jr = rewardJacobianDense(c.model);
          const my = new Float64Array(d);
          for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
            const sa = s * A + a;
            for (let i = 0; i < d; i++) my[i] += (dense.d[s] * point.pi[sa] * Jr[sa * d + i]) / (1 - gamma);
          }
          for (let i = 0; i < d; i++) expect(Math.abs(res.gradGMyopic[i] - my[i])).toBeLessThanOrEqual(tol);
        }
      }),
      fcParams(100),
    );
  });

  it('the myopic gradient of a fixed table is exactly 0 (length d), while its PARL gradient is not', () => {
    let nonzero = 0;
    fc.assert(
      fc.property(arbCase(['fixed']), (c) => {
        const res = additiveObjectiveExact(pointAt(c), utilityOf(c));
        expect(res.gradGMyopic.length).toBe(rewardDimension(c.model));
        expect(Array.from(res.gradGMyopic).every((x) => x === 0)).toBe(true);
        if (maxAbs(res.gradG) > 1e-6) nonzero += 1;
      }),
      fcParams(50),
    );
    expect(nonzero).toBeGreaterThan(0);
  });

  it('uses exactly one ν-score VJP and one utility-Jacobian product, with the documented weights', () => {
    const c: AdditiveCase = fc.sample(arbCase(['reward']), { seed: 3, numRuns: 1 })[0];
    const base = pointAt(c);
    const vjpCalls: Float64Array[] = [];
    const jtaCalls: Float64Array[] = [];
    const point: PolicyPoint = { ...base, nuScoreVjp: (w) => (vjpCalls.push(Float64Array.from(w)), base.nuScoreVjp(w)) };
    const utility: AdditiveUtility = {
      kind: 'additive-nu',
      u: (nu) => rewardOf(c.model, nu),
      jacobianTransposeApply: (w) => (jtaCalls.push(Float64Array.from(w)), rewardJacobianTransposeApply(c.model, w)),
    };
    additiveObjectiveExact(point, utility);
    expect(vjpCalls.length).toBe(1);
    expect(jtaCalls.length).toBe(1);
    // jta weights: d∘π/(1−γ), summing to 1/(1−γ)
    const total = jtaCalls[0].reduce((x, y) => x + y, 0);
    expect(Math.abs(total - 1 / (1 - c.mdp.gamma))).toBeLessThan(1e-12 / (1 - c.mdp.gamma));
    // vjp weights d∘π∘Adv_u/(1−γ) sum to 0 in every state (Σ_a π Adv = 0)
    const { S, A } = c.mdp;
    for (let s = 0; s < S; s++) {
      let acc = 0;
      let mag = 0;
      for (let a = 0; a < A; a++) {
        acc += vjpCalls[0][s * A + a];
        mag += Math.abs(vjpCalls[0][s * A + a]);
      }
      expect(Math.abs(acc)).toBeLessThanOrEqual(1e-13 * (1 + mag));
    }
  });

  it('works at an implicit-route policy point (θ* with MINRES ν-score): agrees with the closed form', () => {
    fc.assert(
      fc.property(arbCase(), (c) => {
        const closed = pointAt(c);
        const implicit = right(policyPointAt(c.mdp, c.model, c.nu, closed.optimum.thetaStar, c.lambda));
        const a = additiveObjectiveExact(closed, utilityOf(c));
        const b = additiveObjectiveExact(implicit, utilityOf(c));
        // MATH.md §6: π*-weighted quantities (∇G is one) stay right on the implicit route
        const scale = (utilityScale(c) * (1 + 1 / c.lambda)) / (1 - c.mdp.gamma) ** 3;
        expect(Math.abs(a.G - b.G)).toBeLessThanOrEqual(1e-12 * scale);
        expect(maxAbs(a.gradG.map((x, i) => x - b.gradG[i]))).toBeLessThanOrEqual(1e-7 * scale);
      }),
      fcParams(30),
    );
  });
});

describe('additiveUtilityOfTrajectory (MATH.md §7)', () => {
  it('U = Σ γ^h u[s_h,a_h] and ∇U = J_uᵀ(Σ γ^h e_{s_h,a_h})', () => {
    const c: AdditiveCase = fc.sample(arbCase(['nonlinear']), { seed: 5, numRuns: 1 })[0];
    const { S, A, gamma } = c.mdp;
    const states = Int32Array.from([0, S - 1, 0]);
    const actions = Int32Array.from([A - 1, 0, A - 1]);
    const utility = utilityOf(c);
    const { U, gradU } = additiveUtilityOfTrajectory(c.mdp, c.model, c.nu, utility, { states, actions });
    const u = (utility as { u: (nu: Float64Array) => Float64Array }).u(c.nu);
    const w = new Float64Array(S * A);
    let expected = 0;
    for (let h = 0; h < 3; h++) {
      expected += gamma ** h * u[states[h] * A + actions[h]];
      w[states[h] * A + actions[h]] += gamma ** h;
    }
    expect(Math.abs(U - expected)).toBeLessThanOrEqual(1e-15 * 8);
    const g = (utility as { jacobianTransposeApply: (w: Float64Array, nu: Float64Array) => Float64Array }).jacobianTransposeApply(w, c.nu);
    expect(maxAbs(gradU.map((x, i) => x - g[i]))).toBeLessThanOrEqual(1e-14);
  });
});
