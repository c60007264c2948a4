import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { inv, matrix } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { jacobianCheck } from '../../src/check/gradcheck.js';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import { hessianJ, makeHessianVectorProduct } from '../../src/hessian/index.js';
import { hessianFromContext } from '../../src/hessian/hessian.js';
import { hessianContext } from '../../src/hessian/hessianVectorProduct.js';
import { hessianStructuredFromContext } from '../../src/hessian/structuredHessian.js';
import type { Mdp } from '../../src/mdp/types.js';
import { validateMdp } from '../../src/mdp/validate.js';
import { rewardOf } from '../../src/reward/rewardModel.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { parseVector } from '../../src/vectors/schema.js';
import { arbProblem, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';


/** Generated problems of the brief: S ≤ 6, A ≤ 4, γ up to 0.99, λ ∈ {0} ∪ [0.01, 1], logits up to ±30 and near-deterministic. */
const arbSmall = arbProblem({ maxS: 6, maxA: 4 });

/**
 * Scales derived from the HVP formulas (hessianVectorProduct.ts) for a unit direction e_j:
 * |u| ≤ 1, |b| ≤ α = max|Adv|, ‖dV‖∞ ≤ α/(1−γ), |dAdv| ≤ 2α/(1−γ) + λ, ‖dd‖₁ ≤ 2γ/(1−γ), hence
 *   |H_ij| ≤ bound(α) = (5α/(1−γ) + λ)/(1−γ)                    (checked below).
 * Rounding: Adv is formed from terms of size mag = max|Q| + λ max|log π| + max|V|, each with
 * error ≲ (S+A)·ε·κ·mag (sums of ≤ S+A terms, solves with κ∞(I − γP_π) ≤ (1+γ)/(1−γ)); pushed
 * through the same formulas, every entry of H carries ≲ hessErr = (S+A+2)·ε·κ·bound(mag), and
 * the gradient g = d∘π∘Adv/(1−γ) carries ≲ gradErr = (S+A+2)·ε·κ·mag/(1−γ). Both get an
 * absolute floor of 1e-300: with subnormal rewards (fast-check generates them) relative rounding
 * no longer holds, and operations carry absolute errors of a few 2⁻¹⁰⁷⁴ ≈ 5e-324.
 */
const UNDERFLOW_FLOOR = 1e-300;
interface Scales {
  readonly hb: number;
  readonly hessErr: number;
  readonly gradErr: number;
}
const scalesOf = (p: Problem): Scales => {
  const { S, A, gamma } = p.mdp;
  const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
  const alpha = maxAbs(ev.adv);
  const mag = maxAbs(ev.Q) + p.lambda * maxAbs(ev.logPi) + maxAbs(ev.V);
  const kappa = (1 + gamma) / (1 - gamma);
  const bound = (x: number): number => ((5 * x) / (1 - gamma) + p.lambda) / (1 - gamma);
  return {
    hb: bound(alpha),
    hessErr: (S + A + 2) * EPS * kappa * bound(mag) + UNDERFLOW_FLOOR,
    gradErr: (S + A + 2) * EPS * kappa * mag / (1 - gamma) + UNDERFLOW_FLOOR,
  };
};

/** Richardson step, uniform in θ: softmax depends on logit differences only, so g's curvature scale in θ does not grow with |θ|. */
const H_STEP = EPS ** 0.2;

/**
 * Tolerance of the Hessian-vs-differences check (order 4, step h = ε^{1/5} ≈ 7.4e-4):
 * - rounding: W/h · gradErr with W = 1.5 (the Richardson weights); we allow 2× (measured worst
 *   over 3000 generated problems: 0.08× W/h·gradErr);
 * - truncation h⁴/18·|∂⁵g|: assuming g analytic in each logit on a strip of half-width ≥ 1 (the
 *   logistic's poles sit at Im θ = ±π) and bounded there by ~hb, Cauchy gives |∂⁵g| ≤ 5!·hb, so
 *   truncation ≤ 120/18·h⁴·hb ≈ 2e-12·hb; we allow 1e-10·hb. Never visible in measurement.
 */
const fdTolerance = (s: Scales): number => 2 * (1.5 / H_STEP) * s.gradErr + 1e-10 * s.hb;

/**
 * Options of the Hessian-vs-differences check. ∇J is analytic in θ, so there are no kinks: the
 * kink probe (one-sided differences, step √ε) is swamped by the rounding of g at γ = 0.99 and
 * flagged spurious kinks in 35 of 3000 generated problems, which would replace the Richardson
 * comparison by the noisy one-sided interval. We switch it off.
 */
const fdOptions = (s: Scales) => ({ order: 4 as const, h: H_STEP, atol: fdTolerance(s), rtol: 1e-7, kinkTolerance: Infinity });

/**
 * An independent dense route with mathjs's inverse: differentiate J = ρᵀ M⁻¹ r_π twice through
 * the linear solve (no policy gradient theorem, no advantage, no visitation):
 *   ∂_i∂_j J = ρᵀ M⁻¹ [γ ∂_iP_π ∂_jV + γ ∂_jP_π ∂_iV + ∂_i∂_j r_π + γ ∂_i∂_j P_π V],
 *   ∂_iV = M⁻¹(∂_i r_π + γ ∂_iP_π V),  ∂_iπ = π u_i,  ∂_i∂_jπ = π(u_i u_j − Σ_b π u_i u_j),
 *   ∂_i∂_j r_π = Σ_a ∂_i∂_jπ (r − λ log π) − λ Σ_a π u_i u_j   (∂_i r_π = Σ_a ∂_iπ (r − λ log π)).
 */
const chainRuleHessian = (p: Problem): Float64Array => {
  const { S, A, gamma, P, rho } = p.mdp;
  const n = S * A;
  const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
  const { pi, logPi, V } = ev;
  const Mrows: number[][] = [];
  for (let s = 0; s < S; s++) {
    const row = new Array<number>(S).fill(0);
    row[s] += 1;
    for (let a = 0; a < A; a++) for (let t = 0; t < S; t++) row[t] -= gamma * pi[s * A + a] * P[(s * A + a) * S + t];
    Mrows.push(row);
  }
  const Minv = (inv(matrix(Mrows)) as unknown as { toArray(): number[][] }).toArray();
  const w = new Float64Array(S); // w = M⁻ᵀ ρ
  for (let s = 0; s < S; s++) for (let t = 0; t < S; t++) w[s] += rho[t] * Minv[t][s];
  const PV = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let t = 0; t < S; t++) PV[i] += P[i * S + t] * V[t];
  // u_i on its state (index a), for i = (s_i, b_i)
  const u = (i: number, a: number): number => (a === i % A ? 1 : 0) - pi[Math.floor(i / A) * A + (i % A)];
  // ∂_iV for every i
  const dV: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const si = Math.floor(i / A);
    let rhs = 0;
    for (let a = 0; a < A; a++) {
      const k = si * A + a;
      rhs += pi[k] * u(i, a) * (p.r[k] - p.lambda * logPi[k] + gamma * PV[k]);
    }
    const col = new Float64Array(S);
    for (let s = 0; s < S; s++) col[s] = Minv[s][si] * rhs;
    dV.push(col);
  }
  // (∂_iP_π x)[s_i] = Σ_a π u_i P[s_i,a,:]·x
  const dPx = (i: number, x: Float64Array): number => {
    const si = Math.floor(i / A);
    let acc = 0;
    for (let a = 0; a < A; a++) {
      let px = 0;
      for (let t = 0; t < S; t++) px += P[(si * A + a) * S + t] * x[t];
      acc += pi[si * A + a] * u(i, a) * px;
    }
    return acc;
  };
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const si = Math.floor(i / A);
      const sj = Math.floor(j / A);
      let acc = gamma * w[si] * dPx(i, dV[j]) + gamma * w[sj] * dPx(j, dV[i]);
      if (si === sj) {
        let mean = 0;
        for (let a = 0; a < A; a++) mean += pi[si * A + a] * u(i, a) * u(j, a);
        let second = 0;
        for (let a = 0; a < A; a++) {
          const k = si * A + a;
          const d2pi = pi[k] * (u(i, a) * u(j, a) - mean);
          second += d2pi * (p.r[k] - p.lambda * logPi[k] + gamma * PV[k]) - p.lambda * pi[k] * u(i, a) * u(j, a);
        }
        acc += w[si] * second;
      }
      H[i * n + j] = acc;
    }
  return H;
};

/** The same MDP with state k made unreachable: no transitions into k (mass moved proportionally) and ρ(k) = 0. */
const makeUnreachable = (mdp: Mdp, k: number): Mdp => {
  const { S, A, gamma } = mdp;
  const P = Float64Array.from(mdp.P);
  for (let sa = 0; sa < S * A; sa++) {
    const o = sa * S;
    P[o + k] = 0;
    let z = 0;
    for (let t = 0; t < S; t++) z += P[o + t];
    for (let t = 0; t < S; t++) P[o + t] = z > 0 ? P[o + t] / z : t === k ? 0 : 1 / (S - 1);
  }
  const rho = Float64Array.from(mdp.rho);
  rho[k] = 0;
  let z = 0;
  for (let t = 0; t < S; t++) z += rho[t];
  for (let t = 0; t < S; t++) rho[t] = z > 0 ? rho[t] / z : t === k ? 0 : 1 / (S - 1);
  const m = validateMdp({ S, A, gamma, P, rho });
  if (E.isLeft(m)) throw new Error(`invalid unreachable-state MDP: ${JSON.stringify(m.left)}`);
  return m.right;
};

describe('dense Hessian ∇²_θθ J (MATH.md §4, §6)', () => {
  it('matches 4th-order finite differences of the exact gradient (jacobianCheck)', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const n = p.mdp.S * p.mdp.A;
        const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
        const s = scalesOf(p);
        const report = jacobianCheck((th) => policyGradient(p.mdp, p.r, th, p.lambda), H, p.theta, n, fdOptions(s));
        if (!report.ok) throw new Error(`Hessian check failed: ${JSON.stringify(report.worst)}`);
      }),
      fcParams(100),
    );
  });

  it('matches an independent chain rule through M⁻¹ (mathjs inverse)', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
        const C = chainRuleHessian(p);
        // both routes carry ≲ hessErr (the chain rule forms dr_π + γ dP_π V from terms of size
        // mag instead of Adv, the same rounding scale; mathjs's inverse adds ε·κ); 4× margin
        const tol = 4 * scalesOf(p).hessErr;
        expect(maxAbsDiff(H, C)).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('is bounded by (5·max|Adv|/(1−γ) + λ)/(1−γ) entrywise (the derivation’s bound)', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const s = scalesOf(p);
        expect(maxAbs(hessianJ(p.mdp, p.r, p.theta, p.lambda))).toBeLessThanOrEqual(s.hb + s.hessErr);
      }),
      fcParams(200),
    );
  });

  it('is symmetric up to rounding (returned unsymmetrised)', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const n = p.mdp.S * p.mdp.A;
        const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
        let asym = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(H[i * n + j] - H[j * n + i]));
        // H_ij and H_ji come from different directions, each with error ≲ hessErr
        // (measured worst: 0.005·hessErr over 2000 generated problems)
        expect(asym).toBeLessThanOrEqual(2 * scalesOf(p).hessErr);
      }),
      fcParams(200),
    );
  });

  it('H·v from the dense matrix equals the matrix-free HVP', () => {
    fc.assert(
      fc.property(
        arbSmall.chain((p) =>
          fc.tuple(fc.constant(p), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: p.mdp.S * p.mdp.A, maxLength: p.mdp.S * p.mdp.A })),
        ),
        ([p, vArr]) => {
          const n = p.mdp.S * p.mdp.A;
          const v = Float64Array.from(vArr);
          const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
          const hv = makeHessianVectorProduct(p.mdp, p.r, p.theta, p.lambda)(v);
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let j = 0; j < n; j++) acc += H[i * n + j] * v[j];
            // the HVP is linear in v and computed by the same formulas: the two differ by the
            // rounding of n columns and of the sum, ≤ n·hessErr·max|v|
            expect(Math.abs(acc - hv[i])).toBeLessThanOrEqual(n * scalesOf(p).hessErr * Math.max(maxAbs(v), 1));
          }
        },
      ),
      fcParams(100),
    );
  });

  it('annihilates the gauge: H·1_s = 0 and 1_sᵀH = 0 for every state s', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const { S, A } = p.mdp;
        const n = S * A;
        const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
        // a sum of A entries each with error ≲ hessErr, plus the rounding of Σπ = 1 (u = 1 − Σπ ≈ Aε)
        const tol = 2 * A * scalesOf(p).hessErr;
        for (let s = 0; s < S; s++)
          for (let i = 0; i < n; i++) {
            let col = 0;
            let row = 0;
            for (let a = 0; a < A; a++) {
              col += H[i * n + s * A + a];
              row += H[(s * A + a) * n + i];
            }
            expect(Math.abs(col)).toBeLessThanOrEqual(tol);
            expect(Math.abs(row)).toBeLessThanOrEqual(tol);
          }
      }),
      fcParams(200),
    );
  });

  it('vanishes on the whole block (rows and columns) of an unreachable state', () => {
    fc.assert(
      fc.property(
        arbProblem({ maxS: 6, maxA: 4 })
          .filter((p) => p.mdp.S >= 2)
          .chain((p) => fc.tuple(fc.constant(p), fc.nat({ max: p.mdp.S - 1 }))),
        ([p0, k]) => {
          const mdp = makeUnreachable(p0.mdp, k);
          const p: Problem = { ...p0, mdp };
          const { S, A } = mdp;
          const n = S * A;
          const ev = evaluatePolicy(mdp, p.r, p.theta, p.lambda);
          // d(k) = 0 in exact arithmetic (column k of M is e_k); in float64 it is rounding at most
          expect(Math.abs(ev.d[k])).toBeLessThanOrEqual(4 * S * EPS);
          const H = hessianJ(mdp, p.r, p.theta, p.lambda);
          // every entry of the block is a product with d(k) or dd(k) (both rounding-size) or a
          // difference that cancels exactly in exact arithmetic: ≤ hessErr
          const tol = scalesOf(p).hessErr;
          for (let a = 0; a < A; a++)
            for (let j = 0; j < n; j++) {
              expect(Math.abs(H[(k * A + a) * n + j])).toBeLessThanOrEqual(tol);
              expect(Math.abs(H[j * n + k * A + a])).toBeLessThanOrEqual(tol);
            }
        },
      ),
      fcParams(100),
    );
  });

  it('an explicit 3-state MDP with unreachable state 2 has an exactly zero block', () => {
    // state 2 is never started in and never entered; states 0, 1 communicate
    const P = Float64Array.from([
      // s = 0: a = 0, 1
      0.7, 0.3, 0, 0.2, 0.8, 0,
      // s = 1
      0.5, 0.5, 0, 1, 0, 0,
      // s = 2 (leaves to 0 or 1)
      0.4, 0.6, 0, 0, 1, 0,
    ]);
    const m = validateMdp({ S: 3, A: 2, gamma: 0.9, P, rho: Float64Array.from([0.6, 0.4, 0]) });
    if (E.isLeft(m)) throw new Error('invalid MDP');
    const r = Float64Array.from([1, -1, 0.5, 2, 3, -3]);
    const theta = Float64Array.from([0.3, -0.2, 1, 0.5, -1, 2]);
    const H = hessianJ(m.right, r, theta, 0.1);
    const n = 6;
    let blockMax = 0;
    let restMax = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const v = Math.abs(H[i * n + j]);
        if (i >= 4 || j >= 4) blockMax = Math.max(blockMax, v);
        else restMax = Math.max(restMax, v);
      }
    // rounding only: d(2) and dd(2) are ≤ a few ε (values are O(10) here)
    expect(blockMax).toBeLessThanOrEqual(1e-13);
    expect(restMax).toBeGreaterThan(1e-2);
  });

  it('a Hessian with one wrong entry fails the same check (the test can fail)', () => {
    const p = fc.sample(arbProblem({ maxS: 4, maxA: 3, maxGamma: 0.9, lambdaZero: false }).filter((q) => q.mdp.S * q.mdp.A >= 4), { seed: 11, numRuns: 1 })[0];
    const n = p.mdp.S * p.mdp.A;
    const s = scalesOf(p);
    const H = hessianJ(p.mdp, p.r, p.theta, p.lambda);
    const bad = Float64Array.from(H);
    bad[n + 2] += 1e-6 * s.hb;
    const F = (th: Readonly<Float64Array>) => policyGradient(p.mdp, p.r, th, p.lambda);
    expect(jacobianCheck(F, H, p.theta, n, fdOptions(s)).ok).toBe(true);
    const report = jacobianCheck(F, bad, p.theta, n, fdOptions(s));
    expect(report.ok).toBe(false);
    expect(report.worst.index).toBe(n + 2);
  });
});

describe('conformance: hessJ of the independent reference vectors', () => {
  const REF = 'spec/vectors/reference';
  const files = readdirSync(REF).filter((f) => f.endsWith('.json')).sort();

  it('has reference vectors with hessJ', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const f of files) {
    it(`${f}: hessianJ(θ) matches expected.hessJ within the file's tolerance`, () => {
      const parsed = parseVector(readFileSync(join(REF, f), 'utf8'));
      if (E.isLeft(parsed)) throw new Error(`${f}: ${JSON.stringify(parsed.left)}`);
      const v = parsed.right;
      const expected = v.expected.hessJ;
      if (expected === undefined) return;
      const H = hessianJ(v.mdp, rewardOf(v.reward, v.nu), v.theta, v.lambda);
      expect(H.length).toBe(expected.length);
      let worst = { i: -1, ratio: 0 };
      for (let i = 0; i < H.length; i++) {
        const allowed = v.tolerance.abs + v.tolerance.rel * Math.abs(expected[i]);
        const ratio = Math.abs(H[i] - expected[i]) / allowed;
        if (!(ratio <= worst.ratio)) worst = { i, ratio };
      }
      if (!(worst.ratio <= 1)) throw new Error(`${f}: hessJ[${worst.i}] = ${H[worst.i]}, expected ${expected[worst.i]} (${worst.ratio}× allowed)`);
    });
  }
});

describe('closed-form dense Hessian (hessianStructuredFromContext, MATH.md §6)', () => {
  it('equals the Hessian from S·A Hessian-vector products (an independent assembly) within both rounding bounds, sizes from 1', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const ctx = hessianContext(p.mdp, p.r, p.theta, p.lambda);
        const Hs = hessianStructuredFromContext(ctx);
        const Hv = hessianFromContext(ctx);
        const s = scalesOf(p);
        // each is within hessErr of the exact Hessian (the same quantities, summed in another order)
        expect(maxAbsDiff(Hs, Hv)).toBeLessThanOrEqual(2 * s.hessErr);
        // symmetric by construction: exactly
        const n = p.mdp.S * p.mdp.A;
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Hs[i * n + j]).toBe(Hs[j * n + i]);
      }),
      fcParams(200),
    );
  });

  it('matches the independent chain rule through M⁻¹ (mathjs inverse)', () => {
    fc.assert(
      fc.property(arbSmall, (p) => {
        const Hs = hessianStructuredFromContext(hessianContext(p.mdp, p.r, p.theta, p.lambda));
        const ref = chainRuleHessian(p);
        // as for hessianJ above: both carry ≲ hessErr, 4× margin
        expect(maxAbsDiff(Hs, ref)).toBeLessThanOrEqual(4 * scalesOf(p).hessErr);
      }),
      fcParams(100),
    );
  });
});
