import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { evaluateBatch, type EvaluationBatch } from '../../src/kernels/batchedEvaluation.js';
import { compareEvaluations } from '../../src/kernels/check.js';
import { evaluationTolerance } from '../../src/kernels/tolerances.js';
import { garnet } from '../../src/mdp/index.js';
import type { Mdp } from '../../src/mdp/types.js';
import { policyGradientFromEvaluation } from '../../src/gradient/policyGradient.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbLambda, arbMdp, arbTheta } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { FLOAT32_BACKENDS, sessionFor } from './helpers.js';

const js = sessionFor('js');

/** An MDP, a reward table in ±10, 1–5 policies (logits up to ±30, near-deterministic rows) and λ. */
const arbPolicyBatch = (maxS: number, maxA: number): fc.Arbitrary<Extract<EvaluationBatch, { kind: 'policies' }>> =>
  arbMdp({ maxS, maxA }).chain((mdp) =>
    fc.record({
      r: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: mdp.S * mdp.A, maxLength: mdp.S * mdp.A }).map((x) => Float64Array.from(x)),
      thetas: fc.array(arbTheta(mdp.S, mdp.A), { minLength: 1, maxLength: 5 }).map((ts) => {
        const out = new Float64Array(ts.length * mdp.S * mdp.A);
        ts.forEach((t, b) => out.set(t, b * mdp.S * mdp.A));
        return out;
      }),
      lambda: arbLambda(),
    }).map(({ r, thetas, lambda }) => ({ kind: 'policies' as const, mdp, r, thetas, lambda })),
  );

describe('batched policy evaluation, js backend (float64)', () => {
  it('is evaluatePolicy + policyGradientFromEvaluation for every policy of the batch, bit for bit', () => {
    fc.assert(
      fc.property(arbPolicyBatch(12, 5), (batch) => {
        const { mdp, r, thetas, lambda } = batch;
        const { S, A } = mdp;
        const res = evaluateBatch(js, batch, { gradient: true });
        expect(res.run).toMatchObject({ backend: 'js', precision: 'float64', launches: 0 });
        const B = thetas.length / (S * A);
        expect(res.B).toBe(B);
        for (let b = 0; b < B; b++) {
          const ev = evaluatePolicy(mdp, r, (thetas as Float64Array).subarray(b * S * A, (b + 1) * S * A), lambda);
          expect(Array.from(res.V.subarray(b * S, (b + 1) * S))).toEqual(Array.from(ev.V));
          expect(Array.from(res.d.subarray(b * S, (b + 1) * S))).toEqual(Array.from(ev.d));
          expect(res.J[b]).toBe(ev.J);
          const gs = res.gradJ as Float64Array;
          expect(Array.from(gs.subarray(b * S * A, (b + 1) * S * A))).toEqual(Array.from(policyGradientFromEvaluation(mdp, ev)));
        }
      }),
      fcParams(150),
    );
  });

  it('evaluates B MDPs (different γ and ρ) each as evaluatePolicy does', () => {
    const mdps: Mdp[] = [];
    const rewards: Float64Array[] = [];
    for (let b = 0; b < 6; b++) {
      const g = garnet({ S: 7, A: 3, branching: 3, gamma: 0.2 + 0.15 * b, seed: 40 + b });
      if (E.isLeft(g)) throw new Error('garnet');
      mdps.push(g.right.mdp);
      rewards.push(g.right.reward);
    }
    const thetas = Float64Array.from({ length: 6 * 21 }, (_, i) => 3 * Math.sin(i * 1.3));
    const res = evaluateBatch(js, { kind: 'mdps', mdps, rewards, thetas, lambda: 0.2 }, { gradient: true });
    for (let b = 0; b < 6; b++) {
      const ev = evaluatePolicy(mdps[b], rewards[b], thetas.subarray(b * 21, (b + 1) * 21), 0.2);
      expect(res.J[b]).toBeCloseTo(ev.J, 12);
      for (let s = 0; s < 7; s++) expect(res.d[b * 7 + s]).toBeCloseTo(ev.d[s], 13);
    }
  });

  it('without gradient returns gradJ = null; rejects inconsistent batches', () => {
    const g = garnet({ S: 4, A: 2, branching: 2, seed: 1 });
    if (E.isLeft(g)) throw new Error('garnet');
    const { mdp, reward } = g.right;
    expect(evaluateBatch(js, { kind: 'policies', mdp, r: reward, thetas: new Float64Array(8), lambda: 0 }).gradJ).toBeNull();
    expect(() => evaluateBatch(js, { kind: 'policies', mdp, r: reward, thetas: new Float64Array(7), lambda: 0 })).toThrow(/multiple of S·A = 8/);
    expect(() => evaluateBatch(js, { kind: 'policies', mdp, r: reward, thetas: new Float64Array(8), lambda: -1 })).toThrow(/λ must be/);
    expect(() => evaluateBatch(js, { kind: 'policies', mdp, r: reward.subarray(1), thetas: new Float64Array(8), lambda: 0 })).toThrow(/r has length 7/);
    expect(() => evaluateBatch(js, { kind: 'policies', mdp, r: reward, thetas: Float64Array.of(0, 0, 0, NaN, 0, 0, 0, 0), lambda: 0 })).toThrow(/thetas\[3\]/);
    const h = garnet({ S: 5, A: 2, branching: 2, seed: 2 });
    if (E.isLeft(h)) throw new Error('garnet');
    expect(() => evaluateBatch(js, { kind: 'mdps', mdps: [mdp, h.right.mdp], rewards: [reward, h.right.reward], thetas: new Float64Array(18), lambda: 0 })).toThrow(/mdps\[1\] has S = 5/);
  });
});

describe.each(FLOAT32_BACKENDS)('batched policy evaluation on %s vs the float64 reference', (backend) => {
  const k = sessionFor(backend);

  it('V, d, J and ∇J are within the float32 evaluation tolerance (fast-check problems, γ up to 0.99)', () => {
    fc.assert(
      fc.property(arbPolicyBatch(8, 4), (batch) => {
        const actual = evaluateBatch(k, batch, { gradient: true });
        expect(actual.run).toMatchObject({ backend, precision: 'float32', chunks: 1 });
        const c = compareEvaluations(batch, actual, evaluateBatch(js, batch, { gradient: true }));
        for (const key of ['V', 'd', 'J', 'gradJ'] as const) {
          expect(c[key].worstRatio, `${key}: max abs ${c[key].maxAbs}, rtol ${c[key].rtol}`).toBeLessThanOrEqual(1);
        }
      }),
      fcParams(40),
    );
  });

  it('evaluates B MDPs as well', () => {
    const mdps: Mdp[] = [];
    const rewards: Float64Array[] = [];
    for (let b = 0; b < 5; b++) {
      const g = garnet({ S: 6, A: 3, branching: 3, gamma: 0.5 + 0.1 * b, seed: 70 + b });
      if (E.isLeft(g)) throw new Error('garnet');
      mdps.push(g.right.mdp);
      rewards.push(g.right.reward);
    }
    const batch: EvaluationBatch = { kind: 'mdps', mdps, rewards, thetas: Float64Array.from({ length: 5 * 18 }, (_, i) => 2 * Math.cos(i)), lambda: 0.1 };
    const c = compareEvaluations(batch, evaluateBatch(k, batch, { gradient: true }), evaluateBatch(js, batch, { gradient: true }));
    for (const key of ['V', 'd', 'J', 'gradJ'] as const) expect(c[key].worstRatio).toBeLessThanOrEqual(1);
  });

  it('gives the same bits whatever the chunking (padded chunks of 3 problems vs one launch)', () => {
    const g = garnet({ S: 5, A: 3, branching: 2, gamma: 0.9, seed: 5 });
    if (E.isLeft(g)) throw new Error('garnet');
    const batch: EvaluationBatch = { kind: 'policies', mdp: g.right.mdp, r: g.right.reward, thetas: Float64Array.from({ length: 10 * 15 }, (_, i) => Math.sin(3 * i)), lambda: 0.3 };
    const one = evaluateBatch(k, batch, { gradient: true });
    const many = evaluateBatch(k, batch, { gradient: true, chunkElements: 3 * 2 * 5 * 6 });
    expect(many.run.chunks).toBe(4);
    expect(Array.from(many.V)).toEqual(Array.from(one.V));
    expect(Array.from(many.d)).toEqual(Array.from(one.d));
    expect(Array.from(many.gradJ as Float32Array)).toEqual(Array.from(one.gradJ as Float32Array));
  });

  it('states its tolerance: κ(2S + 2A + 16)ε₃₂ of the scale, ≈1.3e-4 at S = 16, A = 4, γ = 0.9', () => {
    expect(evaluationTolerance(16, 4, 0.9).rtol).toBeCloseTo(1.27e-4, 5);
  });
});
