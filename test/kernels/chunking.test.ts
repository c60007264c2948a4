import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_ELEMENTS, FLOAT32_EXACT_INTEGER_LIMIT, chunkRange, planChunks } from '../../src/kernels/chunking.js';
import { fcParams } from '../support/fcParams.js';

describe('chunking (the 2^24 guard)', () => {
  it('a launch holds at most 2^22 elements, a factor 4 below 2^24', () => {
    expect(CHUNK_ELEMENTS * 4).toBe(FLOAT32_EXACT_INTEGER_LIMIT);
  });

  it('chunks cover the batch exactly once, in equal launches that respect the element cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 22 }), (count, per, cap) => {
        fc.pre(per <= cap);
        const plan = planChunks(count, per, cap);
        expect(plan.perChunk * per).toBeLessThanOrEqual(cap);
        if (count === 0) {
          expect(plan.chunks).toBe(0);
          return;
        }
        expect(plan.chunks * plan.perChunk).toBeGreaterThanOrEqual(count);
        expect((plan.chunks - 1) * plan.perChunk).toBeLessThan(count);
        // fewest chunks for the cap
        expect(plan.chunks).toBe(Math.ceil(count / Math.floor(cap / per)));
        // consecutive, non-empty ranges ending at count (checked in full for up to 2000 chunks)
        const check = plan.chunks <= 2000 ? [...Array(plan.chunks).keys()] : [0, 1, plan.chunks - 2, plan.chunks - 1];
        for (const c of check) {
          const { start, end } = chunkRange(plan, c);
          expect(start).toBe(c * plan.perChunk);
          expect(end).toBeGreaterThan(start);
          if (c + 1 < plan.chunks) expect(chunkRange(plan, c + 1).start).toBe(end);
        }
        expect(chunkRange(plan, plan.chunks - 1).end).toBe(count);
      }),
      fcParams(300),
    );
  });

  it('rejects items that cannot fit one launch and bad counts', () => {
    expect(() => planChunks(3, CHUNK_ELEMENTS + 1)).toThrow(/2\^24 guard/);
    expect(() => planChunks(-1, 4)).toThrow(RangeError);
    expect(() => planChunks(1.5, 4)).toThrow(RangeError);
  });
});
