/**
 * Seeded randomness (design card: "a seeded PRNG everywhere, same seed same bits").
 *
 * Every random draw in parl-ts goes through an `Rng` made from an explicit integer seed.
 * The generator is pure-rand's xoroshiro128+; doubles carry 53 random bits.
 * `Math.random` is never used.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** A stateful stream of uniform draws; create one per computation from a seed. */
export interface Rng {
  /** Uniform double in [0, 1), 53 random bits. */
  readonly uniform: () => number;
  /** Uniform integer in {0, …, n−1} (n ≥ 1), by rejection so there is no modulo bias. */
  readonly int: (n: number) => number;
  /** Standard normal draw (Box–Muller, one value per call). */
  readonly normal: () => number;
  /** An independent stream derived from this one (for splitting work deterministically). */
  readonly split: () => Rng;
}

/** Create a seeded generator: `makeRng(s)` yields the same sequence for the same `s`. */
export const makeRng = (seed: number): Rng => {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // fold 53-bit seeds into 32 bits deterministically
  const g = xoroshiro128plus((seed ^ Math.floor(seed / 0x100000000)) | 0);
  const uniform = (): number => uniformFloat64(g);
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`int(n) needs an integer n >= 1, got ${n}`);
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) {
      const u = g.next() >>> 0;
      if (u < limit) return u % n;
    }
  };
  const normal = (): number => {
    // Box–Muller; 1 − u keeps the logarithm finite
    const u1 = 1 - uniform();
    const u2 = uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const split = (): Rng => makeRng(g.next() >>> 0);
  return { uniform, int, normal, split };
};
