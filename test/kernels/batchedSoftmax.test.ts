import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { GPU } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { withBackend, type KernelSession } from '../../src/kernels/backend.js';
import { batchedLogSoftmax, batchedLogSumExp, batchedSoftmax, batchedSoftmaxScore } from '../../src/kernels/batchedSoftmax.js';
import { CHUNK_ELEMENTS, FLOAT32_EXACT_INTEGER_LIMIT } from '../../src/kernels/chunking.js';
import { compareWith, logSoftmaxTolerance, logSumExpTolerance, scoreTolerance, softmaxTolerance } from '../../src/kernels/tolerances.js';
import { softmaxLogProbs, softmaxProbs } from '../../src/policy/softmax.js';
import { fcParams } from '../support/fcParams.js';
import { FLOAT32_BACKENDS, arbLogitBatch, sessionFor } from './helpers.js';

const js = sessionFor('js');

describe('the stated float32 tolerances', () => {
  it('are ≈1e-6 relative for softmax and ≈1e-4 absolute for log-softmax at logits of ±200', () => {
    expect(softmaxTolerance(4).rtol).toBeGreaterThan(0.9e-6);
    expect(softmaxTolerance(4).rtol).toBeLessThan(1.1e-6);
    // |log π| ≤ 400 when logits lie in ±200
    const lsm = logSoftmaxTolerance(4);
    expect(lsm.atol + lsm.rtol * 400).toBeGreaterThan(0.9e-4);
    expect(lsm.atol + lsm.rtol * 400).toBeLessThan(1.1e-4);
  });
});

describe.each(FLOAT32_BACKENDS)('batched softmax family on %s vs the float64 reference', (backend) => {
  const k = sessionFor(backend);

  it('softmax, log-softmax, log-sum-exp and score are within their float32 tolerances (fast-check batches)', () => {
    fc.assert(
      fc.property(arbLogitBatch, fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), ({ A, rows, logits }, acts) => {
        const actions = Int32Array.from({ length: rows }, (_, r) => acts[r] % A);
        const cases: Array<[string, (s: KernelSession) => ArrayLike<number>, ReturnType<typeof softmaxTolerance>]> = [
          ['softmax', (s) => batchedSoftmax(s, logits, A).values, softmaxTolerance(A)],
          ['log-softmax', (s) => batchedLogSoftmax(s, logits, A).values, logSoftmaxTolerance(A)],
          ['log-sum-exp', (s) => batchedLogSumExp(s, logits, A).values, logSumExpTolerance(A)],
          ['score', (s) => batchedSoftmaxScore(s, logits, actions, A).values, scoreTolerance(A)],
        ];
        for (const [name, f, tol] of cases) {
          const c = compareWith(f(k), f(js), tol);
          expect(c.pass, `${name}: worst ratio ${c.worstRatio} at ${c.worstIndex} (max abs ${c.maxAbs})`).toBe(true);
        }
      }),
      fcParams(60),
    );
  });

  it('takes float32 logits as well (compared with the float64 reference of the same values)', () => {
    const x = Float32Array.from({ length: 64 * 5 }, (_, i) => 40 * Math.sin(i * 1.7));
    const ref = softmaxProbs(Float64Array.from(x), 64, 5);
    expect(compareWith(batchedSoftmax(k, x, 5).values, ref, softmaxTolerance(5)).pass).toBe(true);
    const refLog = softmaxLogProbs(Float64Array.from(x), 64, 5);
    expect(compareWith(batchedLogSoftmax(k, x, 5).values, refLog, logSoftmaxTolerance(5)).pass).toBe(true);
  });

  it('gives the same bits whatever the chunking (chunks of 48 elements vs one launch)', () => {
    const x = Float64Array.from({ length: 101 * 5 }, (_, i) => 30 * Math.cos(i * 0.37));
    const one = batchedSoftmax(k, x, 5);
    const many = batchedSoftmax(k, x, 5, { chunkElements: 48 });
    expect(one.run.chunks).toBe(1);
    expect(many.run.chunks).toBe(Math.ceil(101 / 9));
    expect(many.run.launches).toBe(2 * many.run.chunks);
    expect(Array.from(many.values)).toEqual(Array.from(one.values));
    const acts = Int32Array.from({ length: 101 }, (_, r) => r % 5);
    expect(Array.from(batchedSoftmaxScore(k, x, acts, 5, { chunkElements: 48 }).values)).toEqual(Array.from(batchedSoftmaxScore(k, x, acts, 5).values));
    expect(Array.from(batchedLogSumExp(k, x, 5, { chunkElements: 48 }).values)).toEqual(Array.from(batchedLogSumExp(k, x, 5).values));
  });

  it('stays finite with max subtraction for logits far beyond exp overflow (±1e30)', () => {
    const x = Float64Array.of(1e30, 1e30 - 1e24, -1e30, 3, 2, 1);
    const p = batchedSoftmax(k, x, 3).values;
    expect(Array.from(p)).toEqual([1, 0, 0, ...Array.from(softmaxProbs(Float64Array.of(3, 2, 1), 1, 3), (v) => Math.fround(v))].map((v, i) => (i < 3 ? v : expect.closeTo(v, 6))));
    expect(Array.from(batchedLogSoftmax(k, x, 3).values).every((v, i) => (i === 0 ? v === 0 : v < 0))).toBe(true);
  });

  it('rejects non-finite logits, bad shapes and bad actions with the offending index', () => {
    expect(() => batchedSoftmax(k, Float64Array.of(0, NaN, 1, 2), 2)).toThrow(/logits\[1\] = NaN is not finite/);
    expect(() => batchedLogSoftmax(k, Float64Array.of(0, 1, 2, Infinity), 2)).toThrow(/logits\[3\] = Infinity/);
    expect(() => batchedSoftmax(k, new Float64Array(5), 2)).toThrow(/not a multiple of A = 2/);
    expect(() => batchedSoftmaxScore(k, new Float64Array(4), [0, 2], 2)).toThrow(/actions\[1\] = 2 is not an action in \[0, 2\)/);
  });
});

describe('the reference backend', () => {
  it('is the float64 softmax of src/policy (bit for bit) and rejects non-finite logits too', () => {
    const x = Float64Array.from({ length: 30 }, (_, i) => 10 * Math.sin(i));
    expect(batchedSoftmax(js, x, 5).values).toEqual(softmaxProbs(x, 6, 5));
    expect(batchedLogSoftmax(js, x, 5).values).toEqual(softmaxLogProbs(x, 6, 5));
    expect(() => batchedSoftmax(js, Float64Array.of(0, NaN), 2)).toThrow(/logits\[1\]/);
  });

  it('doc example: softmax of (0, log 3) is (1/4, 3/4) on every backend', () => {
    for (const b of ['js', ...FLOAT32_BACKENDS] as const) {
      const r = withBackend(b, (s) => batchedSoftmax(s, Float64Array.of(0, Math.log(3)), 2));
      expect(E.isRight(r) && Array.from(r.right.values)).toEqual([expect.closeTo(0.25, 6), expect.closeTo(0.75, 6)]);
    }
  });
});

describe('batches beyond 2^24 elements (webasm: float32 index arithmetic)', () => {
  const A = 4;
  const R = CHUNK_ELEMENTS + 5; // 4·R = 2^24 + 20 elements
  // a distinct pattern per row, so reading a neighbouring row shows
  const logitAt = (r: number, a: number): number => ((r * 7919 + a * 104_729) % 1000) / 50;

  it('the hazard is real: a naive flat kernel reads the wrong row beyond 2^24 on webasm', () => {
    const gpu = new GPU({ mode: 'webasm' });
    try {
      const n = FLOAT32_EXACT_INTEGER_LIMIT + 64;
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = (i >> 2) % 1000;
      const naive = gpu.createKernel(
        function (this: { thread: { x: number } }, v: number[]): number {
          const row = Math.floor(this.thread.x / 4);
          return v[row * 4];
        },
        { output: [n] },
      );
      const out = naive(x) as Float32Array;
      let wrong = 0;
      for (let i = 0; i < n; i++) if (out[i] !== x[(i >> 2) << 2]) wrong++;
      expect(wrong).toBeGreaterThan(0);
      naive.destroy();
    } finally {
      void gpu.destroy();
    }
  });

  const x = new Float64Array(R * A);
  for (let r = 0; r < R; r++) for (let a = 0; a < A; a++) x[r * A + a] = logitAt(r, a);
  const sessions = { webasm: sessionFor('webasm'), 'gpu-cpu': sessionFor('gpu-cpu') };

  it.each(FLOAT32_BACKENDS)(`%s: softmax and log-softmax of ${R} rows × ${A} (2^24 + 20 elements) are right in every row`, (backend) => {
    const k = sessions[backend];
    const sm = batchedSoftmax(k, x, A);
    expect(sm.values.length).toBe(R * A);
    expect(sm.values.length).toBeGreaterThan(FLOAT32_EXACT_INTEGER_LIMIT);
    expect(sm.run.chunks).toBe(Math.ceil((R * A) / CHUNK_ELEMENTS));
    const tol = softmaxTolerance(A);
    // the reference in slabs of rows, to keep memory small
    const slab = 1 << 18;
    let worst = 0;
    for (let r0 = 0; r0 < R; r0 += slab) {
      const rows = Math.min(slab, R - r0);
      const ref = softmaxProbs(x.subarray(r0 * A, (r0 + rows) * A), rows, A);
      worst = Math.max(worst, compareWith(sm.values.subarray(r0 * A, (r0 + rows) * A), ref, tol).worstRatio);
    }
    expect(worst).toBeLessThanOrEqual(1);
    const lsm = batchedLogSoftmax(k, x, A);
    const ltol = logSoftmaxTolerance(A);
    worst = 0;
    for (let r0 = 0; r0 < R; r0 += slab) {
      const rows = Math.min(slab, R - r0);
      const ref = softmaxLogProbs(x.subarray(r0 * A, (r0 + rows) * A), rows, A);
      worst = Math.max(worst, compareWith(lsm.values.subarray(r0 * A, (r0 + rows) * A), ref, ltol).worstRatio);
    }
    expect(worst).toBeLessThanOrEqual(1);
    // the last rows, beyond 2^24, explicitly
    const last = R - 1;
    const ref = softmaxProbs(Float64Array.from({ length: A }, (_, a) => logitAt(last, a)), 1, A);
    for (let a = 0; a < A; a++) expect(sm.values[last * A + a]).toBeCloseTo(ref[a], 6);
  });
});
