import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { EPS32 } from '../../src/check/tolerance.js';
import {
  bprefLabelDistribution,
  bprefTeacherReturn,
  drawnLabelToImitation,
  fromBPrefLabel,
  fromBPrefTeacher,
  fromImitationGatherer,
  fromImitationPreference,
  imitationDiscountedSum,
  imitationPreferenceProbability,
  teacherReturnsByLibrary,
  toBPrefLabel,
  toBPrefTeacher,
  toImitationGatherer,
  toImitationPreference,
} from '../../src/upperLevel/labelAdapters.js';
import { labelDistributionFromReturns, segmentReturns, teacherReturn } from '../../src/upperLevel/teacher.js';
import { bradleyTerryTeacher, type Segment, type Teacher } from '../../src/upperLevel/types.js';
import { bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS } from '../support/numeric.js';
import { right } from '../support/either.js';

/** A segment whose step h has true reward rewards[h]: S = 1, A = H, rTrue[0, a] = rewards[a], action h at step h. */
const asSegment = (rewards: number[]): { rTrue: Float64Array; A: number; seg: Segment } => ({
  rTrue: Float64Array.from(rewards),
  A: rewards.length,
  seg: { states: new Int32Array(rewards.length), actions: Int32Array.from(rewards.map((_, h) => h)) },
});
const returnsOf = (t: Teacher, rewards: number[]) => {
  const { rTrue, A, seg } = asSegment(rewards);
  return segmentReturns(t, rTrue, A, seg);
};
const sumAbs = (x: number[]) => x.reduce((a, b) => a + Math.abs(b), 0);

/** Rewards of a length-H segment; values from {0, ½, 1} often, to make exact ties. */
const arbRewards = (H: number) => fc.array(fc.oneof(fc.constantFrom(0, 0.5, 1), bounded(-1, 1)), { minLength: H, maxLength: H });
const arbPairOfRewards = fc.integer({ min: 1, max: 5 }).chain((H) => fc.tuple(fc.constant(H), arbRewards(H), arbRewards(H)));

describe('BPref labels (rll-research/BPref reward_model.py get_label)', () => {
  it('0 = first preferred ↦ y = 1, 1 = second preferred ↦ y = 0, −1 = equal ↦ ½; round trips both ways', () => {
    expect(fromBPrefLabel(0)).toEqual(E.right(1));
    expect(fromBPrefLabel(1)).toEqual(E.right(0));
    expect(fromBPrefLabel(-1)).toEqual(E.right(0.5));
    for (const y of [0, 0.5, 1] as const) {
      expect(fromBPrefLabel(O.toUndefined(toBPrefLabel({ y })))).toEqual(E.right(y));
    }
    for (const l of [0, 1, -1] as const) {
      const y = right(fromBPrefLabel(l));
      expect(toBPrefLabel({ y })).toEqual(O.some(l));
    }
  });

  it('a skip has no BPref label (BPref drops the query); other values are rejected', () => {
    expect(toBPrefLabel({ skip: true })).toEqual(O.none);
    for (const bad of [2, 0.5, '0', null, undefined, NaN]) expect(E.isLeft(fromBPrefLabel(bad))).toBe(true);
  });
});

describe('imitation preferences (HumanCompatibleAI/imitation PreferenceDataset: float32 P(fragment 1 preferred))', () => {
  it('same orientation; 0, ½, 1 round-trip exactly; any y ∈ [0, 1] within float32 rounding', () => {
    for (const y of [0, 0.5, 1]) expect(right(fromImitationPreference(right(toImitationPreference(y))))).toBe(y);
    fc.assert(
      fc.property(bounded(0, 1), (y) => {
        const back = right(fromImitationPreference(right(toImitationPreference(y))));
        // float32 rounding to nearest: relative half-ulp 2⁻²⁴ for normal floats, 2⁻¹⁵⁰ absolute below
        expect(Math.abs(back - y)).toBeLessThanOrEqual(2 ** -24 * y + 2 ** -150);
        // a float32 value is a fixed point of the round trip
        const p = Math.fround(y);
        expect(right(toImitationPreference(right(fromImitationPreference(p))))).toBe(p);
      }),
      fcParams(200),
    );
  });

  it('rejects values outside [0, 1]; a skip becomes no preference', () => {
    for (const bad of [-0.1, 1.1, NaN, '0.5', null]) expect(E.isLeft(fromImitationPreference(bad))).toBe(true);
    expect(E.isLeft(toImitationPreference(1.5))).toBe(true);
    expect(drawnLabelToImitation({ skip: true })).toEqual(O.none);
    expect(drawnLabelToImitation({ y: 0.5 })).toEqual(O.some(0.5));
  });
});

describe('discount conventions (BPref teacher_gamma: γ^{H−1−h}; imitation discount_factor: γ^h)', () => {
  it('hand computation: γ = ½, r = (1, 10, 100)', () => {
    const r = [1, 10, 100];
    const byLib = teacherReturnsByLibrary({ ...bradleyTerryTeacher(1), myopicGamma: 0.5 }, r);
    expect(byLib.parl).toBe(0.25 + 5 + 100);
    expect(byLib.bpref).toBe(105.25);
    expect(byLib.imitationSameDiscount).toBe(1 + 5 + 25);
    expect(byLib.imitationEquivalent).toBe(0.25 * (1 + 20 + 400));
    expect(imitationDiscountedSum(1, r)).toBe(111);
  });

  it("BPref's loop and imitation's equivalent setting reproduce parl-ts's teacherReturn", () => {
    fc.assert(
      fc.property(bounded(0.05, 1), fc.integer({ min: 1, max: 8 }).chain((H) => arbRewards(H)), (g, r) => {
        const t: Teacher = { ...bradleyTerryTeacher(1), myopicGamma: g };
        const { rTrue, A, seg } = asSegment(r);
        const parl = teacherReturn(t, rTrue, A, seg);
        const byLib = teacherReturnsByLibrary(t, r);
        expect(byLib.parl).toBe(parl);
        // each weight γ^{H−1−h} is formed by ≤ H−1 multiplications (BPref) or one pow (parl), plus the
        // H-term sum: error ≤ 2H·ε·Σ|r|. imitation's Horner with 1/γ then ×γ^{H−1}: ≤ 4H·ε·Σ|r|
        const H = r.length;
        expect(Math.abs(byLib.bpref - parl)).toBeLessThanOrEqual(2 * H * EPS * sumAbs(r));
        expect(Math.abs(bprefTeacherReturn(g, r) - parl)).toBeLessThanOrEqual(2 * H * EPS * sumAbs(r));
        expect(Math.abs(byLib.imitationEquivalent - parl)).toBeLessThanOrEqual(4 * H * EPS * sumAbs(r));
      }),
      fcParams(200),
    );
  });
});

/** Teachers BPref can express: β > 0 or ∞, skip threshold −∞ or > 0. */
const arbBPrefTeacher: fc.Arbitrary<Teacher> = fc.record({
  beta: fc.oneof(fc.constant(Infinity), bounded(0.01, 20)),
  mistake: fc.oneof(fc.constant(0), bounded(0, 0.5)),
  myopicGamma: fc.oneof(fc.constant(1), bounded(0.05, 1)),
  skipThreshold: fc.oneof(fc.constant(-Infinity), bounded(0.01, 3)),
  equalThreshold: fc.oneof(fc.constant(0), bounded(0, 1)),
});

describe('teacher settings: BPref', () => {
  it('toBPrefTeacher then fromBPrefTeacher is the identity on what BPref can express', () => {
    fc.assert(
      fc.property(arbBPrefTeacher, (t) => {
        expect(right(fromBPrefTeacher(right(toBPrefTeacher(t))))).toEqual(t);
      }),
      fcParams(200),
    );
    expect(right(toBPrefTeacher(bradleyTerryTeacher(Infinity))).teacher_beta).toBe(-1);
  });

  it('Left where BPref cannot express the teacher: β = 0, a finite skip threshold ≤ 0', () => {
    const l = toBPrefTeacher({ ...bradleyTerryTeacher(0), skipThreshold: -1 });
    expect(E.isLeft(l) && l.left.map((e) => e.field)).toEqual(['beta', 'skipThreshold']);
  });

  it("BPref's get_label distribution = parl-ts's, except ties of the deterministic teacher (BPref: first preferred)", () => {
    let ties = 0;
    fc.assert(
      fc.property(arbBPrefTeacher, arbPairOfRewards, (t, [, r1, r2]) => {
        const ours = labelDistributionFromReturns(t, returnsOf(t, r1), returnsOf(t, r2));
        const theirs = bprefLabelDistribution(right(toBPrefTeacher(t)), r1, r2);
        expect(theirs.skip).toBe(ours.skip);
        if (ours.skip || theirs.skip) return;
        if (theirs.equal) {
          expect(ours).toEqual({ skip: false, pFirst: 0.5, indifferent: true });
          return;
        }
        const bprefFirst = 1 - theirs.pSecond;
        if (t.beta === Infinity && returnsOf(t, r1).myopic === returnsOf(t, r2).myopic) {
          // the rational teacher's label is 1*(R¹ < R²) = 0 on a tie: "first preferred" (then the flip)
          ties++;
          expect(ours.pFirst).toBe(0.5);
          expect(Math.abs(bprefFirst - (1 - t.mistake))).toBeLessThanOrEqual(4 * EPS);
          return;
        }
        // myopic returns differ by ≤ 2H·ε·Σ|r| ≤ 10ε·10 between the two loops; σ' ≤ ¼ and the flip adds a
        // few roundings: |Δp| ≤ β·25ε + 8ε
        expect(Math.abs(bprefFirst - ours.pFirst)).toBeLessThanOrEqual((Number.isFinite(t.beta) ? t.beta : 0) * 25 * EPS + 8 * EPS);
      }),
      fcParams(500),
    );
    expect(ties).toBeGreaterThan(0);
  });
});

describe('teacher settings: imitation SyntheticGatherer', () => {
  const arbImitationTeacher: fc.Arbitrary<Teacher> = fc.record({
    beta: fc.oneof(fc.constant(Infinity), fc.constant(0), bounded(0.01, 20)),
    mistake: fc.constant(0),
    myopicGamma: fc.oneof(fc.constant(1), bounded(0.2, 1)),
    skipThreshold: fc.constant(-Infinity),
    equalThreshold: fc.constant(0),
  });

  it('toImitationGatherer then fromImitationGatherer recovers the teacher (β, γ_t up to rounding)', () => {
    fc.assert(
      fc.property(arbImitationTeacher, fc.integer({ min: 1, max: 6 }), (t, H) => {
        const args = right(toImitationGatherer(t, H));
        expect(args.discount_factor).toBeGreaterThanOrEqual(1);
        const back = right(fromImitationGatherer(args, H));
        // 1/(1/γ): ≤ 2 roundings; β: γ^{H−1}, 1/(β·…), (1/γ)^{H−1}/T: ≤ (2H + 4) roundings
        expect(Math.abs(back.myopicGamma - t.myopicGamma)).toBeLessThanOrEqual(2 * EPS);
        if (Number.isFinite(t.beta)) expect(Math.abs(back.beta - t.beta)).toBeLessThanOrEqual((2 * H + 4) * EPS * t.beta);
        else expect(back.beta).toBe(Infinity);
        expect({ ...back, beta: t.beta, myopicGamma: t.myopicGamma }).toEqual(t);
      }),
      fcParams(200),
    );
    expect(right(toImitationGatherer({ ...bradleyTerryTeacher(2), myopicGamma: 0.5 }, 3))).toEqual({ temperature: 2, discount_factor: 2 });
  });

  it('Left for what SyntheticGatherer lacks (noise, skip, equal) and for discount_factor < 1', () => {
    const l = toImitationGatherer({ beta: 1, mistake: 0.1, myopicGamma: 1, skipThreshold: 0, equalThreshold: 0.2 }, 2);
    expect(E.isLeft(l) && l.left.map((e) => e.field)).toEqual(['mistake', 'skipThreshold', 'equalThreshold']);
    const d = fromImitationGatherer({ temperature: 1, discount_factor: 0.99 }, 5);
    expect(E.isLeft(d) && d.left[0].field).toBe('discount_factor');
  });

  it("the gatherer's probability (float32, clipped) with the converted settings = parl-ts's pFirst", () => {
    fc.assert(
      fc.property(arbImitationTeacher, arbPairOfRewards, (t, [H, r1, r2]) => {
        const args = right(toImitationGatherer(t, H));
        const ours = labelDistributionFromReturns(t, returnsOf(t, r1), returnsOf(t, r2));
        if (ours.skip) throw new Error('this teacher never skips');
        const theirs = imitationPreferenceProbability(args, r1, r2);
        if (t.beta === Infinity) {
          // temperature 0: sign of float32 returns; agree unless the float64 difference is below float32
          // resolution: relative 4·ε₃₂ of the scale, or absolute 2⁻¹²⁶ (float32 flushes what lies below its
          // normal range towards 0, e.g. a reward of 1e-323 becomes 0)
          const diff = returnsOf(t, r1).myopic - returnsOf(t, r2).myopic;
          const scale = imitationDiscountedSum(args.discount_factor, r1.map(Math.abs)) + imitationDiscountedSum(args.discount_factor, r2.map(Math.abs));
          if (diff === 0 || Math.abs(diff) * Math.pow(t.myopicGamma, 1 - H) > 4 * EPS32 * scale + 2 ** -126) expect(theirs).toBe(ours.pFirst);
          return;
        }
        // returns rounded to float32 (2⁻²⁴ relative), divided by T and subtracted in float32 (2 more roundings):
        // the scaled difference is off by ≤ 3·2⁻²⁴·(|R¹|+|R²|)/T, which σ' ≤ ¼ turns into a probability error;
        // exp, 1+ and 1/ in float32 add ≤ 4·2⁻²⁴; the ±50 clip moves p by ≤ σ(−50) ≈ 2e-22
        const scale = Number.isFinite(args.temperature)
          ? (imitationDiscountedSum(args.discount_factor, r1.map(Math.abs)) + imitationDiscountedSum(args.discount_factor, r2.map(Math.abs))) / args.temperature
          : 0;
        expect(Math.abs(theirs - ours.pFirst)).toBeLessThanOrEqual(0.25 * 3 * 2 ** -24 * scale + 4 * 2 ** -24 + 1e-21);
      }),
      fcParams(500),
    );
  });
});
