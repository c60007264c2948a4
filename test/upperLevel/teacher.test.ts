import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/random/rng.js';
import {
  drawLabel,
  labelDistribution,
  logSigmoid,
  pFirstPreferred,
  segmentReturns,
  sigmoid,
  teacherReturn,
  validateTeacher,
} from '../../src/upperLevel/teacher.js';
import { bradleyTerryTeacher, type Segment, type Teacher } from '../../src/upperLevel/types.js';
import { bounded } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS } from '../support/numeric.js';

const seg = (states: number[], actions: number[]): Segment => ({ states: Int32Array.from(states), actions: Int32Array.from(actions) });
const teacher = (t: Partial<Teacher> & { beta: number }): Teacher => ({ ...bradleyTerryTeacher(t.beta), ...t });

/** Every teacher variant (rTrue ∈ [−1, 1], H ≤ 4, so returns lie in [−4, 4]). */
const arbTeacher: fc.Arbitrary<Teacher> = fc.record({
  beta: fc.oneof(fc.constant(Infinity), fc.constant(0), bounded(0.01, 50)),
  mistake: fc.oneof(fc.constant(0), bounded(0, 0.5), fc.constant(0.5)),
  myopicGamma: fc.oneof(fc.constant(1), bounded(0.05, 1)),
  skipThreshold: fc.oneof(fc.constant(-Infinity), bounded(-4, 4)),
  equalThreshold: fc.oneof(fc.constant(0), bounded(0, 2)),
});

/** A pair of segments of the same length H on an S×A table of true rewards (some entries equal, to make ties). */
const arbPair = fc
  .record({ S: fc.integer({ min: 1, max: 3 }), A: fc.integer({ min: 1, max: 2 }), H: fc.integer({ min: 1, max: 4 }) })
  .chain(({ S, A, H }) =>
    fc.record({
      A: fc.constant(A),
      rTrue: fc.array(fc.oneof(fc.constantFrom(0, 0.5, 1), bounded(-1, 1)), { minLength: S * A, maxLength: S * A }).map((x) => Float64Array.from(x)),
      s1: fc.array(fc.nat({ max: S - 1 }), { minLength: H, maxLength: H }),
      a1: fc.array(fc.nat({ max: A - 1 }), { minLength: H, maxLength: H }),
      s2: fc.array(fc.nat({ max: S - 1 }), { minLength: H, maxLength: H }),
      a2: fc.array(fc.nat({ max: A - 1 }), { minLength: H, maxLength: H }),
    }),
  )
  .map(({ A, rTrue, s1, a1, s2, a2 }) => ({ A, rTrue, seg1: seg(s1, a1), seg2: seg(s2, a2) }));

describe('validateTeacher (MATH.md §7)', () => {
  it('fills defaults and accepts β = ∞ (also as the JSON string "Infinity")', () => {
    expect(validateTeacher({ beta: 2 })).toEqual(E.right(bradleyTerryTeacher(2)));
    expect(validateTeacher({ beta: 'Infinity' })).toEqual(E.right(bradleyTerryTeacher(Infinity)));
    const full = { beta: 0, mistake: 0.5, myopicGamma: 0.9, skipThreshold: -1, equalThreshold: 0.3 };
    expect(validateTeacher(full)).toEqual(E.right(full));
  });

  it('collects every error with its field', () => {
    const r = validateTeacher({ beta: -1, mistake: 0.6, myopicGamma: 0, skipThreshold: Infinity, equalThreshold: -0.1, eps_mistake: 0.1 });
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.map((e) => e.field).sort()).toEqual(['beta', 'eps_mistake', 'equalThreshold', 'mistake', 'myopicGamma', 'skipThreshold']);
    }
    const missing = validateTeacher({ mistake: NaN });
    expect(E.isLeft(missing) && missing.left.map((e) => `${e.field}: ${e.message}`)).toEqual(['beta: missing', 'mistake: expected a number, got NaN']);
    expect(validateTeacher(null)).toEqual(E.left([{ field: 'teacher', message: 'expected an object, got null' }]));
    expect(E.isLeft(validateTeacher({ beta: 1, myopicGamma: 1.01 }))).toBe(true);
  });
});

describe('stable logistic function', () => {
  it('σ and log σ are finite and accurate in both tails', () => {
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(-40) / Math.exp(-40)).toBeCloseTo(1, 14);
    expect(logSigmoid(-800)).toBe(-800);
    expect(logSigmoid(40) / -Math.exp(-40)).toBeCloseTo(1, 14);
    expect(logSigmoid(0)).toBeCloseTo(-Math.LN2, 15);
  });
});

describe('teacher returns: BPref myopic weighting (last step weight 1)', () => {
  it('matches a hand computation: γ_t = 0.5, H = 3 → 0.25 r₀ + 0.5 r₁ + r₂', () => {
    // S = 3, A = 1: rTrue[s] = 1, 10, 100
    const rTrue = Float64Array.of(1, 10, 100);
    const t = teacher({ beta: 1, myopicGamma: 0.5 });
    expect(teacherReturn(t, rTrue, 1, seg([0, 1, 2], [0, 0, 0]))).toBe(0.25 * 1 + 0.5 * 10 + 100);
    expect(teacherReturn(t, rTrue, 1, seg([2, 1, 0], [0, 0, 0]))).toBe(0.25 * 100 + 0.5 * 10 + 1);
    expect(segmentReturns(t, rTrue, 1, seg([0, 1, 2], [0, 0, 0])).total).toBe(111);
  });
});

describe('label distribution (MATH.md §7; BPref get_label)', () => {
  it('pFirstPreferred(τ¹,τ²) + pFirstPreferred(τ²,τ¹) = 1 for every teacher variant; skip is symmetric', () => {
    fc.assert(
      fc.property(arbTeacher, arbPair, (t, { A, rTrue, seg1, seg2 }) => {
        const p12 = pFirstPreferred(t, rTrue, A, seg1, seg2);
        const p21 = pFirstPreferred(t, rTrue, A, seg2, seg1);
        expect(O.isSome(p12)).toBe(O.isSome(p21));
        if (O.isSome(p12) && O.isSome(p21)) {
          expect(p12.value).toBeGreaterThanOrEqual(0);
          expect(p12.value).toBeLessThanOrEqual(1);
          // σ(x) and σ(−x) are computed separately (≤ 3 roundings each, ≤ 3ε relative), the flip
          // (1−ε)p + ε(1−p) adds ≤ 4 roundings to each: |sum − 1| ≤ 14ε; 16ε allowed
          expect(Math.abs(p12.value + p21.value - 1)).toBeLessThanOrEqual(16 * EPS);
        }
      }),
      fcParams(500),
    );
  });

  // S = 2, A = 2, rTrue[s,a]: (0,0) → 0, (0,1) → 1, (1,0) → 2, (1,1) → 1
  const rTrue = Float64Array.of(0, 1, 2, 1);
  const lo = seg([0, 0], [0, 0]); // R = 0
  const mid = seg([0, 1], [1, 1]); // R = 2 (1 + 1)
  const mid2 = seg([1, 0], [0, 0]); // R = 2 (2 + 0), a different segment with the same return
  const hi = seg([1, 1], [0, 0]); // R = 4

  it('β = ∞ is deterministic with ties ½; β = 0 is ½; finite β is σ(βΔ)', () => {
    const inf = bradleyTerryTeacher(Infinity);
    expect(pFirstPreferred(inf, rTrue, 2, hi, lo)).toEqual(O.some(1));
    expect(pFirstPreferred(inf, rTrue, 2, lo, hi)).toEqual(O.some(0));
    expect(pFirstPreferred(inf, rTrue, 2, mid, mid2)).toEqual(O.some(0.5));
    expect(labelDistribution(inf, rTrue, 2, mid, mid2)).toEqual({ skip: false, pFirst: 0.5, indifferent: true });
    expect(pFirstPreferred(bradleyTerryTeacher(0), rTrue, 2, hi, lo)).toEqual(O.some(0.5));
    expect(pFirstPreferred(bradleyTerryTeacher(0.5), rTrue, 2, hi, lo)).toEqual(O.some(1 / (1 + Math.exp(-2))));
  });

  it('skip: no label iff max(R¹, R²) ≤ threshold (BPref keeps a query iff max > teacher_thres_skip)', () => {
    const t = teacher({ beta: 1, skipThreshold: 2 });
    expect(pFirstPreferred(t, rTrue, 2, lo, mid)).toEqual(O.none); // max = 2 ≤ 2
    expect(labelDistribution(t, rTrue, 2, mid, mid2)).toEqual({ skip: true });
    expect(O.isSome(pFirstPreferred(t, rTrue, 2, lo, hi))).toBe(true); // max = 4 > 2
    expect(O.isSome(pFirstPreferred(teacher({ beta: 1, skipThreshold: 1.999 }), rTrue, 2, lo, mid))).toBe(true);
  });

  it('equal: ½ iff |R¹ − R²| < threshold (strict), and the mistake flip cannot move it', () => {
    const t = teacher({ beta: 3, equalThreshold: 2.5, mistake: 0.3 });
    // |R(mid) − R(hi)| = 2 < 2.5: equally preferable, whatever β and ε
    expect(labelDistribution(t, rTrue, 2, mid, hi)).toEqual({ skip: false, pFirst: 0.5, indifferent: true });
    expect(labelDistribution(t, rTrue, 2, lo, hi)).toEqual({ skip: false, pFirst: 0.7 * (1 / (1 + Math.exp(12))) + 0.3 * (1 - 1 / (1 + Math.exp(12))), indifferent: false });
  });

  it('equal is strict: |R¹ − R²| = threshold is not equal', () => {
    const t = teacher({ beta: Infinity, equalThreshold: 2 });
    // |R(mid) − R(hi)| = 2 is not < 2: the deterministic teacher prefers hi
    expect(labelDistribution(t, rTrue, 2, mid, hi)).toEqual({ skip: false, pFirst: 0, indifferent: false });
    expect(labelDistribution(teacher({ beta: Infinity, equalThreshold: 2.0001 }), rTrue, 2, mid, hi)).toEqual({ skip: false, pFirst: 0.5, indifferent: true });
  });

  it('mistake flip: pFirst = (1−ε)p + ε(1−p)', () => {
    expect(pFirstPreferred(teacher({ beta: Infinity, mistake: 0.2 }), rTrue, 2, hi, lo)).toEqual(O.some(0.8));
    expect(pFirstPreferred(teacher({ beta: Infinity, mistake: 0.2 }), rTrue, 2, lo, hi)).toEqual(O.some(0.2));
    const p = 1 / (1 + Math.exp(-4));
    const got = pFirstPreferred(teacher({ beta: 1, mistake: 0.1 }), rTrue, 2, hi, lo);
    expect(O.isSome(got) && Math.abs(got.value - (0.9 * p + 0.1 * (1 - p)))).toBeLessThanOrEqual(4 * EPS);
    expect(pFirstPreferred(teacher({ beta: Infinity, mistake: 0.5 }), rTrue, 2, hi, lo)).toEqual(O.some(0.5));
  });

  it('skip and equal read undiscounted returns; Bradley–Terry reads the myopic ones', () => {
    // mid = (1, 1), mid2 = (2, 0): equal undiscounted (2 = 2); myopic γ = 0.5: 0.5 + 1 = 1.5 vs 1 + 0 = 1
    const t = teacher({ beta: Infinity, myopicGamma: 0.5 });
    expect(pFirstPreferred(t, rTrue, 2, mid, mid2)).toEqual(O.some(1));
    // with an equal threshold the undiscounted tie makes them equal despite the myopic difference
    expect(pFirstPreferred({ ...t, equalThreshold: 0.1 }, rTrue, 2, mid, mid2)).toEqual(O.some(0.5));
    // skip with threshold 1.9 keeps (max undiscounted = 2 > 1.9) although both myopic returns are ≤ 1.9
    expect(O.isSome(pFirstPreferred({ ...t, skipThreshold: 1.9 }, rTrue, 2, mid, mid2))).toBe(true);
  });
});

describe('drawLabel (seeded)', () => {
  // S = 1, A = 2: rTrue = (0, 1); a length-1 segment is one action
  const rTrue = Float64Array.of(0, 1);
  const a0 = seg([0], [0]);
  const a1 = seg([0], [1]);

  it('label frequencies match pFirst (binomial test, z = 5.70)', () => {
    // 8 checks; z = 5.70 gives a two-sided normal tail of 1.2e-8 per check, so a false failure of the
    // whole test has probability ≤ 8 · 1.2e-8 < 1e-7 (union bound). N p(1−p) ≥ 20000·0.05·0.95 = 950,
    // so the normal approximation of the binomial is adequate (skewness ≤ 0.03).
    const z = 5.7;
    const N = 20000;
    const cases: Array<[Teacher, Segment, Segment]> = [
      [teacher({ beta: 1 }), a1, a0],
      [teacher({ beta: 1 }), a0, a1],
      [teacher({ beta: 0.2 }), a1, a0],
      [teacher({ beta: 3 }), a0, a1],
      [teacher({ beta: 0 }), a1, a0],
      [teacher({ beta: Infinity, mistake: 0.05 }), a1, a0],
      [teacher({ beta: Infinity, mistake: 0.3 }), a0, a1],
      [teacher({ beta: 2, mistake: 0.25, myopicGamma: 0.7 }), a1, a0],
    ];
    const rng = makeRng(20240807);
    let worstZ = 0;
    for (const [t, s1, s2] of cases) {
      const d = labelDistribution(t, rTrue, 2, s1, s2);
      if (d.skip) throw new Error('unexpected skip');
      let k = 0;
      let notBinary = 0;
      for (let n = 0; n < N; n++) {
        const l = drawLabel(t, rTrue, 2, s1, s2, rng);
        if ('skip' in l || (l.y !== 0 && l.y !== 1)) notBinary++;
        else k += l.y;
      }
      expect(notBinary).toBe(0);
      const sd = Math.sqrt(N * d.pFirst * (1 - d.pFirst));
      worstZ = Math.max(worstZ, Math.abs(k - N * d.pFirst) / sd);
      expect(Math.abs(k - N * d.pFirst), `β=${t.beta}, ε=${t.mistake}: ${k}/${N} vs p=${d.pFirst}`).toBeLessThanOrEqual(z * sd);
    }
    // eslint-disable-next-line no-console
    console.log(`drawLabel binomial test: worst |z| = ${worstZ.toFixed(2)} over ${cases.length} cases (limit ${z})`);
  });

  it('equal labels are ½ deterministically, skips are skips, certain labels are certain — and draw nothing from rng', () => {
    const rng = makeRng(7);
    const fresh = makeRng(7);
    expect(drawLabel(teacher({ beta: 1, equalThreshold: 2 }), rTrue, 2, a0, a1, rng)).toEqual({ y: 0.5 });
    expect(drawLabel(teacher({ beta: Infinity }), rTrue, 2, a1, a1, rng)).toEqual({ y: 0.5 });
    expect(drawLabel(teacher({ beta: 1, skipThreshold: 1 }), rTrue, 2, a0, a1, rng)).toEqual({ skip: true });
    expect(drawLabel(teacher({ beta: Infinity }), rTrue, 2, a1, a0, rng)).toEqual({ y: 1 });
    expect(drawLabel(teacher({ beta: Infinity }), rTrue, 2, a0, a1, rng)).toEqual({ y: 0 });
    expect(rng.uniform()).toBe(fresh.uniform());
  });

  it('same seed, same labels', () => {
    const t = teacher({ beta: 1, mistake: 0.1 });
    const draw = (seed: number) => {
      const rng = makeRng(seed);
      return Array.from({ length: 50 }, () => drawLabel(t, rTrue, 2, a1, a0, rng));
    };
    expect(draw(11)).toEqual(draw(11));
    expect(draw(11)).not.toEqual(draw(12));
  });
});
