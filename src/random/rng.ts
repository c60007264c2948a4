/**
 * Seeded randomness (design card: "a seeded PRNG everywhere, same seed same bits").
 *
 * Every random draw in parl-ts goes through an `Rng` made from an explicit integer seed.
 * The generator is pure-rand's xoroshiro128+; doubles carry 53 random bits.
 * `Math.random` is never used.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
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

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
const fmix32 = (h: number): number => {
  let z = h >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
};

/**
 * The 128-bit xoroshiro state of a seed: four hashed words of a Weyl sequence started from both
 * halves of the (up to 53-bit) seed. pure-rand's own `xoroshiro128plus(s)` sets the state to
 * (−1, ~s, s, 0), whose first outputs are nearly functions of s alone (the first uniform of seed 0
 * is 1 − 7e-12, and the first normal draws of neighbouring seeds drift together); hashing the seed
 * into the whole state removes that.
 */
export const seedState = (seed: number): ReadonlyArray<number> => {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const start = (fmix32(lo) ^ Math.imul(fmix32(hi ^ 0x5bd1e995), 0x27d4eb2d)) >>> 0;
  const words = [1, 2, 3, 4].map((i) => fmix32((start + Math.imul(i, 0x9e3779b9)) >>> 0) | 0);
  // the all-zero state is xoroshiro's one fixed point
  const state: ReadonlyArray<number> = words.every((w) => w === 0) ? [1, 0, 0, 0] : words;
  return state;
};

/** Create a seeded generator: `makeRng(s)` yields the same sequence for the same `s`. */
export const makeRng = (seed: number): Rng => {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const g = xoroshiro128plusFromState(seedState(seed));
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
