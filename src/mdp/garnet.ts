/**
 * Garnet MDPs ("generic average reward non-stationary environment testbed", Archibald,
 * McKinnon & Thomas 1995; Bhatnagar et al. 2009): random sparse tabular MDPs (MATH.md §1).
 */
import * as E from 'fp-ts/lib/Either.js';
import { makeRng, type Rng } from '../random/rng.js';
import type { MdpWithReward } from './types.js';
import {
  finish,
  getOrThrow,
  makeErrorLog,
  MAX_DENSE_ENTRIES,
  readGamma,
  readPositiveInteger,
  validateMdpWithReward,
  type Validation,
} from './validate.js';

/** Arguments of `garnet` (MATH.md §1). */
export interface GarnetOptions {
  /** Number of states, ≥ 1. */
  readonly S: number;
  /** Number of actions, ≥ 1. */
  readonly A: number;
  /** Number of distinct successors of every (s, a), in 1..S. */
  readonly branching: number;
  /** Seed of the `makeRng` stream: same seed, same bits. */
  readonly seed: number;
  /** Discount factor in [0, 1); default 0.9. */
  readonly gamma?: number;
}

/** Probabilities of `b` outcomes from the spacings of `b − 1` sorted uniforms; every one > 0. */
const drawSpacings = (rng: Rng, b: number): Float64Array => {
  const w = new Float64Array(b);
  const u = new Float64Array(b - 1);
  for (let k = 0; k < b - 1; k++) u[k] = rng.uniform();
  u.sort();
  let prev = 0;
  for (let k = 0; k < b - 1; k++) {
    w[k] = u[k] - prev;
    prev = u[k];
  }
  w[b - 1] = 1 - prev;
  return w;
};

/**
 * Fill row `P[s,a,·]` (offset `base`) and return `true`, or `false` if a probability came out
 * non-positive (a repeated or zero breakpoint, probability ~2^-53) so the caller redraws.
 * The entry of the largest chosen successor is set to 1 − (sum of the others in s' order), so
 * the row sums to exactly 1 when summed left to right. (With 53-bit uniforms every spacing is a
 * multiple of 2^-53 and the sums are exact anyway; this keeps the guarantee if the generator
 * ever changes.)
 */
const fillRow = (P: Float64Array, base: number, chosen: Int32Array, w: Float64Array): boolean => {
  let last = -1;
  for (let k = 0; k < chosen.length; k++) {
    if (!(w[k] > 0)) return false;
    P[base + chosen[k]] = w[k];
    if (chosen[k] > last) last = chosen[k];
  }
  let others = 0;
  for (let j = 0; j < last; j++) others += P[base + j];
  const rest = 1 - others;
  if (!(rest > 0)) return false;
  P[base + last] = rest;
  return true;
};

/**
 * A Garnet MDP (MATH.md §1): for each (s, a), in order, `branching` distinct successors drawn
 * uniformly without replacement (partial Fisher–Yates), their probabilities the spacings of
 * `branching − 1` sorted uniform breakpoints, then a reward uniform in [0, 1); ρ uniform.
 * Deterministic given `seed`; invalid arguments are a `Left` listing every problem.
 */
export const garnet = (opts: GarnetOptions): Validation<MdpWithReward> => {
  const log = makeErrorLog();
  const o = (typeof opts === 'object' && opts !== null ? opts : {}) as Partial<GarnetOptions>;
  const S = readPositiveInteger(o.S, 'S', log);
  const A = readPositiveInteger(o.A, 'A', log);
  const b = readPositiveInteger(o.branching, 'branching', log);
  if (S !== undefined && b !== undefined && b > S) log.report('branching', `must be in 1..S = 1..${S}, got ${b}`);
  const gamma = readGamma(o.gamma ?? 0.9, 'gamma', log);
  if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed)) {
    log.report('seed', `must be a safe integer, got ${String(o.seed)}`);
  }
  if (S !== undefined && A !== undefined && S * A * S > MAX_DENSE_ENTRIES) {
    log.report('S', `S*A*S = ${S * A * S} exceeds the dense limit ${MAX_DENSE_ENTRIES}`);
  }
  const args = finish(log, () => ({ S: S as number, A: A as number, b: b as number, gamma: gamma as number, seed: o.seed as number }));
  if (E.isLeft(args)) return args;
  const { seed } = args.right;
  return E.right(build(args.right.S, args.right.A, args.right.b, args.right.gamma, seed));
};

const build = (S: number, A: number, b: number, gamma: number, seed: number): MdpWithReward => {
  const rng = makeRng(seed);
  const P = new Float64Array(S * A * S);
  const reward = new Float64Array(S * A);
  const perm = new Int32Array(S);
  const chosen = new Int32Array(b);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      for (let j = 0; j < S; j++) perm[j] = j;
      for (let k = 0; k < b; k++) {
        const j = k + rng.int(S - k);
        const t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
        chosen[k] = perm[k];
      }
      const base = (s * A + a) * S;
      let ok = false;
      for (let attempt = 0; attempt < 64 && !ok; attempt++) {
        P.fill(0, base, base + S);
        ok = fillRow(P, base, chosen, drawSpacings(rng, b));
      }
      if (!ok) throw new Error(`internal: garnet could not draw positive probabilities for (s=${s}, a=${a})`);
      reward[s * A + a] = rng.uniform();
    }
  }
  const rho = new Float64Array(S).fill(1 / S);
  const name = `garnet(S=${S},A=${A},b=${b},seed=${seed},gamma=${gamma})`;
  return getOrThrow(validateMdpWithReward(name, { S, A, gamma, P, rho }, reward), `internal: ${name}`);
};

/** `garnet` that throws a RangeError listing the problems (for tests and benchmarks; MATH.md §1). */
export const garnetOrThrow = (opts: GarnetOptions): MdpWithReward => getOrThrow(garnet(opts), 'garnet arguments');
