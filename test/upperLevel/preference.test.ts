import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/check/gradcheck.js';
import { richardsonDifference } from '../../src/check/finiteDifference.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';
import { nuScoreClosedForm } from '../../src/nuScore/closedForm.js';
import { rewardDimension, rewardJacobianDense, rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { parseVector } from '../../src/vectors/schema.js';
import { policyPointAtOptimum } from '../../src/upperLevel/policyPoint.js';
import {
  countReachableSegments,
  enumerateSegments,
  preferenceObjectiveExact,
  preferenceUtility,
  preferenceUtilityAndGradient,
  preferenceUtilityDerivative,
  segmentProbability,
  type PreferenceObjective,
} from '../../src/upperLevel/preference.js';
import { labelDistribution } from '../../src/upperLevel/teacher.js';
import { bradleyTerryTeacher, type Segment, type Teacher } from '../../src/upperLevel/types.js';
import { arbMdp, bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs } from '../support/numeric.js';
import { right } from '../support/either.js';


// ---------------------------------------------------------------------------------------------
// Arbitraries (small cases: S ≤ 3, A ≤ 2, H ≤ 2 so that exact enumeration has ≤ 36² pairs)

interface PrefCase {
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly rTrue: Float64Array;
  readonly H: number;
  readonly teacher: Teacher;
}

/** Every teacher variant: β ∈ {0, finite, ∞}, mistakes, myopia, skip/equal thresholds (rTrue ∈ [−1, 1]). */
const arbTeacher = (noisy: boolean): fc.Arbitrary<Teacher> =>
  fc.record({
    beta: fc.oneof(fc.constant(Infinity), fc.constant(0), bounded(0.1, 10)),
    mistake: noisy ? fc.oneof(fc.constant(0), bounded(0, 0.5), fc.constant(0.5)) : fc.constant(0),
    myopicGamma: noisy ? fc.oneof(fc.constant(1), bounded(0.2, 1)) : fc.constant(1),
    skipThreshold: noisy ? fc.oneof(fc.constant(-Infinity), bounded(-2, 1)) : fc.constant(-Infinity),
    equalThreshold: noisy ? fc.oneof(fc.constant(0), bounded(0, 0.5)) : fc.constant(0),
  });

/**
 * Reward parameters in [−1, 1] without subnormals: softOptimum (src/optimal, not under test here) reports
 * "did not converge" when the whole reward table is ~5e-324 (A = 1, a relative residual on a subnormal
 * scale cannot reach 1e-12), which would fail these properties for a reason outside this module.
 */
const param = bounded(-1, 1).map((x) => (Math.abs(x) < 1e-300 ? 0 : x));

const arbModel = (mdp: Mdp): fc.Arbitrary<{ model: RewardModel; nu: Float64Array }> =>
  fc.oneof(
    fc.array(param, { minLength: mdp.S * mdp.A, maxLength: mdp.S * mdp.A }).map((nu) => ({
      model: { kind: 'tabular', S: mdp.S, A: mdp.A } as RewardModel,
      nu: Float64Array.from(nu),
    })),
    fc.integer({ min: 1, max: 3 }).chain((k) =>
      fc.record({
        features: fc.array(param, { minLength: mdp.S * mdp.A * k, maxLength: mdp.S * mdp.A * k }),
        nu: fc.array(param, { minLength: k, maxLength: k }),
      }).map(({ features, nu }) => ({
        model: { kind: 'linear', S: mdp.S, A: mdp.A, k, features: Float64Array.from(features) } as RewardModel,
        nu: Float64Array.from(nu),
      })),
    ),
  );

const arbPrefCase = (noisy: boolean, minLambda = 0.2): fc.Arbitrary<PrefCase> =>
  arbMdp({ maxS: 3, maxA: 2, maxGamma: 0.9 }).chain((mdp) =>
    fc.record({
      m: arbModel(mdp),
      lambda: bounded(minLambda, 1),
      rTrue: fc.array(bounded(-1, 1), { minLength: mdp.S * mdp.A, maxLength: mdp.S * mdp.A }).map((x) => Float64Array.from(x)),
      H: fc.integer({ min: 1, max: 2 }),
      teacher: arbTeacher(noisy),
    }).map(({ m, lambda, rTrue, H, teacher }) => ({ mdp, model: m.model, nu: m.nu, lambda, rTrue, H, teacher })),
  );

const objectiveAt = (c: PrefCase, nu: Readonly<Float64Array> = c.nu): PreferenceObjective => {
  const point = right(policyPointAtOptimum(c.mdp, c.model, nu, c.lambda));
  return right(preferenceObjectiveExact(point, c.teacher, c.rTrue, c.H));
};

/**
 * Independent brute force: every sequence (s_0,a_0,…,s_{H−1},a_{H−1}) of (S·A)^H, probability
 * from ρ, π, P directly (zero-probability ones included, they weigh 0), materialised ψ and J_r.
 */
const bruteForce = (c: PrefCase) => {
  const { S, A } = c.mdp;
  const d = rewardDimension(c.model);
  const point = right(policyPointAtOptimum(c.mdp, c.model, c.nu, c.lambda));
  const pi = point.pi;
  const psi = right(nuScoreClosedForm(c.mdp, c.model, pi, c.lambda)).psi;
  const Jr = rewardJacobianDense(c.model);
  const r = rewardOf(c.model, c.nu);
  const segs: { seg: Segment; p: number }[] = [];
  const total = Math.pow(S * A, c.H);
  for (let code = 0; code < total; code++) {
    const states = new Int32Array(c.H);
    const actions = new Int32Array(c.H);
    let x = code;
    for (let h = 0; h < c.H; h++) {
      const sa = x % (S * A);
      x = Math.floor(x / (S * A));
      states[h] = Math.floor(sa / A);
      actions[h] = sa % A;
    }
    let p = c.mdp.rho[states[0]];
    for (let h = 0; h < c.H; h++) {
      p *= pi[states[h] * A + actions[h]];
      if (h + 1 < c.H) p *= c.mdp.P[(states[h] * A + actions[h]) * S + states[h + 1]];
    }
    segs.push({ seg: { states, actions }, p });
  }
  let G = 0;
  const myopic = new Float64Array(d);
  const scoreTerm = new Float64Array(d);
  for (const s1 of segs) for (const s2 of segs) {
    const p = s1.p * s2.p;
    if (p === 0) continue;
    const lab = labelDistribution(c.teacher, c.rTrue, A, s1.seg, s2.seg);
    if (lab.skip) continue;
    let R1 = 0;
    let R2 = 0;
    for (let h = 0; h < c.H; h++) {
      R1 += r[s1.seg.states[h] * A + s1.seg.actions[h]];
      R2 += r[s2.seg.states[h] * A + s2.seg.actions[h]];
    }
    const y = lab.pFirst;
    const sig = 1 / (1 + Math.exp(-(R1 - R2)));
    const U = y * Math.log(sig) + (1 - y) * Math.log(1 - sig);
    G += p * U;
    for (let h = 0; h < c.H; h++) {
      const sa1 = s1.seg.states[h] * A + s1.seg.actions[h];
      const sa2 = s2.seg.states[h] * A + s2.seg.actions[h];
      for (let i = 0; i < d; i++) {
        myopic[i] += p * (y - sig) * (Jr[sa1 * d + i] - Jr[sa2 * d + i]);
        scoreTerm[i] += p * U * (psi[sa1 * d + i] + psi[sa2 * d + i]);
      }
    }
  }
  return { G, myopic, scoreTerm, psi };
};

// ---------------------------------------------------------------------------------------------

describe('preference utility U(y, Δ) (MATH.md §7)', () => {
  it('dU/dΔ = y − σ(Δ) matches Richardson differences in Δ', () => {
    fc.assert(
      fc.property(bounded(0, 1), bounded(-30, 30), (y, delta) => {
        const numeric = richardsonDifference((x) => preferenceUtility(y, x[0]), Float64Array.of(delta), 0);
        const analytic = preferenceUtilityDerivative(y, delta);
        // |U| ≤ 31 here, so rounding in U is ≲ 40ε·31 ≈ 3e-13; Richardson divides it by h ≈ 7.4e-4·max(1,|Δ|)
        // (×1.5): ≲ 6e-10; truncation h⁴|U⁽⁵⁾|/30 with |U⁽⁵⁾| ≤ 1/8 (derivatives of σ) is ≈ 1e-13·max(1,|Δ|)⁴.
        // |U⁽⁵⁾| shrinks like e^{−|Δ|} so the max(1,|Δ|)⁴ growth does not matter: 1e-9 covers both.
        expect(Math.abs(analytic - numeric)).toBeLessThanOrEqual(1e-9);
      }),
      fcParams(200),
    );
  });

  it('is finite and exact in the tails (log σ by log1p, never log(1 − σ))', () => {
    expect(preferenceUtility(1, -800)).toBe(-800);
    expect(preferenceUtility(0, 800)).toBe(-800);
    expect(Math.abs(preferenceUtility(1, 800))).toBe(0);
    // log σ(40) = −log1p(e^{−40}) ≈ −4.25e-18: relative accuracy, where log(σ) would give 0
    expect(preferenceUtility(1, 40) / -Math.exp(-40)).toBeCloseTo(1, 12);
    expect(preferenceUtility(0.5, 0)).toBeCloseTo(-Math.LN2, 15);
  });

  it('∇_ν U = (y − σ(Δ)) J_rᵀ(c¹ − c²) matches differences of U(ν) (tabular and linear)', () => {
    fc.assert(
      fc.property(
        arbPrefCase(false).chain((c) =>
          fc.record({
            c: fc.constant(c),
            y: fc.oneof(fc.constantFrom(0, 0.5, 1), bounded(0, 1)),
            seg1: fc.tuple(fc.array(fc.nat({ max: c.mdp.S - 1 }), { minLength: 3, maxLength: 3 }), fc.array(fc.nat({ max: c.mdp.A - 1 }), { minLength: 3, maxLength: 3 })),
            seg2: fc.tuple(fc.array(fc.nat({ max: c.mdp.S - 1 }), { minLength: 3, maxLength: 3 }), fc.array(fc.nat({ max: c.mdp.A - 1 }), { minLength: 3, maxLength: 3 })),
          }),
        ),
        ({ c, y, seg1, seg2 }) => {
          const s1: Segment = { states: Int32Array.from(seg1[0]), actions: Int32Array.from(seg1[1]) };
          const s2: Segment = { states: Int32Array.from(seg2[0]), actions: Int32Array.from(seg2[1]) };
          const { gradNu } = preferenceUtilityAndGradient(c.model, c.nu, s1, s2, y);
          const report = gradcheck((nu) => preferenceUtilityAndGradient(c.model, nu, s1, s2, y).U, gradNu, c.nu, { order: 4 });
          // default tolerances of gradcheck (tolerance.ts): U is a few dozen flops, well within its 32-ulp model
          expect(report.ok, JSON.stringify(report.worst)).toBe(true);
        },
      ),
      fcParams(60),
    );
  });
});

describe('segment enumeration (MATH.md §7)', () => {
  it('probabilities are positive, sum to 1, equal segmentProbability; the count is the recursion', () => {
    fc.assert(
      fc.property(arbMdp({ maxS: 4, maxA: 3 }), fc.integer({ min: 1, max: 3 }), bounded(-3, 3), (mdp, H, spread) => {
        // a softmax policy with one action sometimes made impossible (π = 0) to exercise pruning
        const pi = new Float64Array(mdp.S * mdp.A);
        for (let s = 0; s < mdp.S; s++) {
          let z = 0;
          for (let a = 0; a < mdp.A; a++) z += (pi[s * mdp.A + a] = Math.exp(spread * Math.sin(3 * s + a)));
          for (let a = 0; a < mdp.A; a++) pi[s * mdp.A + a] /= z;
          if (mdp.A > 1 && s % 2 === 0) {
            const p0 = pi[s * mdp.A];
            pi[s * mdp.A] = 0;
            pi[s * mdp.A + 1] += p0;
          }
        }
        const segs = enumerateSegments(mdp, pi, H);
        // the count recursion sees positivity of each factor; the enumeration also drops products
        // that underflow to 0 (factors like 1e-323 occur in the arbitrary MDPs), so equality holds
        // whenever no product of 2H positive factors can underflow
        let minPositive = 1;
        for (const x of [...mdp.P, ...mdp.rho, ...pi]) if (x > 0) minPositive = Math.min(minPositive, x);
        const count = countReachableSegments(mdp, pi, H);
        if (Math.pow(minPositive, 2 * H) > 1e-300) expect(segs.length).toBe(count);
        else expect(segs.length).toBeLessThanOrEqual(count);
        expect(segs.length).toBeLessThanOrEqual(Math.pow(mdp.S * mdp.A, H));
        let total = 0;
        for (const { segment, probability } of segs) {
          expect(probability).toBeGreaterThan(0);
          expect(segment.states.length).toBe(H);
          expect(segmentProbability(mdp, pi, segment)).toBe(probability);
          total += probability;
        }
        // Σ of n products of 2H factors each: Higham γ_{n+2H} bound with the rows' own 1e-9 slack
        // (validateMdp accepts row sums off by ≤ 1e-9 per row: ≤ 1e-9·(2H) in total)
        expect(Math.abs(total - 1)).toBeLessThanOrEqual((segs.length + 2 * H) * EPS * 4 + 2 * H * 1e-9);
      }),
      fcParams(100),
    );
  });
});

describe('exact G and ∇G for the preference utility (MATH.md §7)', () => {
  it('G, myopic gradient and ν-score term agree with a brute force over (S·A)^H with materialised ψ (every teacher variant)', () => {
    fc.assert(
      fc.property(arbPrefCase(true), (c) => {
        const ex = objectiveAt(c);
        const bf = bruteForce(c);
        const d = rewardDimension(c.model);
        // both sides add ≤ 36² = 1296 pair terms p·U·(…) with Σ p = 1; summation in another order differs by
        // ≲ 1296·ε·max|term| ≈ 3e-13·max|term|. Here |r_ν| ≤ 3 (k ≤ 3 features in [−1,1]), |Δ| ≤ 2H·3 = 12,
        // |U| ≤ log(1 + e^{12}) ≈ 12 (so ≲ 3.5e-12 for G) and |ψ| ≤ psiScale: 1e-11·scale leaves ≥ 3×
        const psiScale = maxAbs(bf.psi) + 1;
        expect(Math.abs(ex.G - bf.G)).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(bf.G)));
        for (let i = 0; i < d; i++) {
          expect(Math.abs(ex.gradGMyopic[i] - bf.myopic[i]), `myopic[${i}]`).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(bf.myopic[i])));
          // myopic gradient = exact gradient minus the ν-score term Σ_pairs p E[U] Σ_h (ψ¹ + ψ²)
          const scoreTerm = ex.gradG[i] - ex.gradGMyopic[i];
          expect(Math.abs(scoreTerm - bf.scoreTerm[i]), `score term[${i}]`).toBeLessThanOrEqual(1e-11 * psiScale * (1 + Math.abs(bf.G)));
        }
      }),
      fcParams(60),
    );
  });

  const fdCheck = (noisy: boolean) => () => {
    let worst = 0;
    fc.assert(
      fc.property(arbPrefCase(noisy), (c) => {
        const ex = objectiveAt(c);
        const report = gradcheck((nu) => objectiveAt(c, nu).G, ex.gradG, c.nu, {
          order: 4,
          // G(ν) carries the error of θ*(ν): the soft optimum is solved to a relative Bellman residual
          // ≤ 1e-12 (Newton usually reaches ~1e-15), so |δG| ≲ 1e-12·|∂G/∂θ*|·|θ*| ≲ 1e-11 here; Richardson
          // divides it by h ≈ 7.4e-4 (×1.5): ≈ 2e-8. Truncation h⁴|G⁽⁵⁾| grows like λ⁻⁵ ≤ 3e3 at λ ≥ 0.2:
          // ≈ 3e-13·3e3 ≈ 1e-9. Hence atol 1e-7 and rtol 1e-6 (×5 margin on the rounding term).
          atol: 1e-7,
          rtol: 1e-6,
        });
        worst = Math.max(worst, report.worst.absError);
        expect(report.ok, JSON.stringify(report.worst)).toBe(true);
      }),
      fcParams(25),
    );
    // eslint-disable-next-line no-console
    console.log(`∇G vs FD (θ* recomputed), ${noisy ? 'noisy teachers' : 'plain Bradley–Terry'}: worst abs error ${worst.toExponential(2)}`);
  };
  it('∇G = Richardson differences of G(ν) with θ*(ν) recomputed at every point (no teacher noise)', fdCheck(false));
  it('∇G = Richardson differences of G(ν) with θ*(ν) recomputed (mistakes, myopia, skip/equal, β ∈ {0, ∞})', fdCheck(true));

  it('the ν-score term is nonzero in general: the myopic gradient is not the PARL gradient', () => {
    const c: PrefCase = {
      mdp: right(validateMdp({ S: 2, A: 2, gamma: 0.9, P: Float64Array.of(0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.3, 0.7), rho: Float64Array.of(0.5, 0.5) })),
      model: { kind: 'tabular', S: 2, A: 2 },
      nu: Float64Array.of(0.3, -0.2, 0.1, 0.4),
      lambda: 0.5,
      rTrue: Float64Array.of(1, 0, 0, 1),
      H: 2,
      teacher: bradleyTerryTeacher(2),
    };
    const ex = objectiveAt(c);
    let diff = 0;
    for (let i = 0; i < 4; i++) diff = Math.max(diff, Math.abs(ex.gradG[i] - ex.gradGMyopic[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('a skipped pair contributes 0: with every pair skipped, G = 0 and both gradients vanish', () => {
    const c: PrefCase = {
      mdp: right(validateMdp({ S: 2, A: 2, gamma: 0.5, P: Float64Array.of(0.9, 0.1, 0.2, 0.8, 0.5, 0.5, 0.3, 0.7), rho: Float64Array.of(0.5, 0.5) })),
      model: { kind: 'tabular', S: 2, A: 2 },
      nu: Float64Array.of(0.3, -0.2, 0.1, 0.4),
      lambda: 0.5,
      rTrue: Float64Array.of(1, 0, 0, 1),
      H: 2,
      teacher: { ...bradleyTerryTeacher(1), skipThreshold: 2 },
    };
    const ex = objectiveAt(c);
    expect(ex.G).toBe(0);
    expect(maxAbs(ex.gradG)).toBe(0);
    expect(maxAbs(ex.gradGMyopic)).toBe(0);
    // every pair's true returns are ≤ 2 = threshold, so P(skip) = 1 up to rounding of Σ p_i p_j
    expect(Math.abs(ex.skipProbability - 1)).toBeLessThanOrEqual(64 * EPS);
  });
});

describe('enumeration size limit', () => {
  const full = right(validateMdp({ S: 3, A: 2, gamma: 0.9, P: new Float64Array(18).fill(1 / 3), rho: new Float64Array(3).fill(1 / 3) }));
  const tab: RewardModel = { kind: 'tabular', S: 3, A: 2 };
  const nu = Float64Array.of(0.1, 0.2, 0.3, -0.1, 0, 0.5);

  it('returns a Left with the count and the limit, e.g. (S·A)^H = 6^8 segments at H = 8', () => {
    const point = right(policyPointAtOptimum(full, tab, nu, 1));
    const res = preferenceObjectiveExact(point, bradleyTerryTeacher(1), nu, 8);
    expect(E.isLeft(res)).toBe(true);
    if (E.isLeft(res)) {
      // 6^8 = 1 679 616 reachable segments, 2.82e12 ordered pairs
      expect(res.left.message).toMatch(/needs 2\.82e\+12 segment pairs/);
      expect(res.left.message).toMatch(/1\.68e\+6 reachable segments of length H = 8/);
      expect(res.left.message).toMatch(/more than the limit 4\.00e\+6; use the sampled estimator/);
    }
  });

  it('counts reachable segments exactly (deterministic chain: |ρ support|·A^H) and the limit is inclusive', () => {
    // 2 states, 2 actions, every action moves to state 1 deterministically; ρ = δ_0: 2^3 = 8 segments at H = 3
    const chain = right(validateMdp({ S: 2, A: 2, gamma: 0.5, P: Float64Array.of(0, 1, 0, 1, 0, 1, 0, 1), rho: Float64Array.of(1, 0) }));
    const m: RewardModel = { kind: 'tabular', S: 2, A: 2 };
    const v = Float64Array.of(0.1, -0.3, 0.2, 0.4);
    const point = right(policyPointAtOptimum(chain, m, v, 0.5));
    const tooFew = preferenceObjectiveExact(point, bradleyTerryTeacher(1), v, 3, { maxPairs: 63 });
    expect(E.isLeft(tooFew) && tooFew.left.message).toMatch(/needs 64 segment pairs \(8 reachable segments of length H = 3; the bound \(S·A\)\^H is 64\), more than the limit 63/);
    const enough = right(preferenceObjectiveExact(point, bradleyTerryTeacher(1), v, 3, { maxPairs: 64 }));
    expect(enough.segments).toBe(8);
    expect(enough.pairs).toBe(64);
  });

  it('rejects bad inputs with the field', () => {
    const point = right(policyPointAtOptimum(full, tab, nu, 1));
    const field = (r: E.Either<{ field: string }, unknown>) => (E.isLeft(r) ? r.left.field : 'right');
    expect(field(preferenceObjectiveExact(point, bradleyTerryTeacher(1), nu, 0))).toBe('H');
    expect(field(preferenceObjectiveExact(point, bradleyTerryTeacher(1), nu.subarray(1), 1))).toBe('rTrue');
    // ν now enters with the point: a wrong-length ν is rejected where the lower level is solved
    expect(field(policyPointAtOptimum(full, tab, nu.subarray(1), 1))).toBe('nu');
    expect(field(preferenceObjectiveExact(point, { ...bradleyTerryTeacher(1), mistake: 0.7 }, nu, 1))).toBe('teacher.mistake');
    expect(field(preferenceObjectiveExact(point, bradleyTerryTeacher(NaN), nu, 1))).toBe('teacher.beta');
  });
});

describe('conformance: preference vectors p07, p08 (VECTORS.md)', () => {
  const dir = join(process.cwd(), 'spec', 'vectors', 'reference');
  for (const file of ['p07-pref-S2A2-H2-b1.json', 'p08-pref-S3A2-H2-b5-linear.json']) {
    it(`${file}: G, gradG, gradGMyopic within the file's tolerance`, () => {
      const v = parseVector(readFileSync(join(dir, file), 'utf8'));
      if (E.isLeft(v)) throw new Error(JSON.stringify(v.left));
      const c = v.right;
      if (c.utility === null || c.utility.kind !== 'preference') throw new Error('not a preference vector');
      const point = right(policyPointAtOptimum(c.mdp, c.reward, c.nu, c.lambda));
      const res = right(preferenceObjectiveExact(point, bradleyTerryTeacher(c.utility.beta), c.utility.rTrue, c.utility.H));
      const { abs, rel } = c.tolerance;
      const got: Record<'G' | 'gradG' | 'gradGMyopic', ArrayLike<number>> = { G: [res.G], gradG: res.gradG, gradGMyopic: res.gradGMyopic };
      let worstRatio = 0;
      for (const f of ['G', 'gradG', 'gradGMyopic'] as const) {
        const e = c.expected[f];
        if (e === undefined) throw new Error(`${file} has no expected.${f}`);
        for (let i = 0; i < e.length; i++) {
          const err = Math.abs(got[f][i] - e[i]);
          worstRatio = Math.max(worstRatio, err / (abs + rel * Math.abs(e[i])));
          expect(err, `${f}[${i}]: got ${got[f][i]}, expected ${e[i]}`).toBeLessThanOrEqual(abs + rel * Math.abs(e[i]));
        }
      }
      // eslint-disable-next-line no-console
      console.log(`${file}: worst |x − e| / (abs + rel·|e|) = ${worstRatio.toExponential(2)}`);
    });
  }
});
