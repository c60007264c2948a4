/**
 * The forest-management MDP of pymdptoolbox, `mdptoolbox.example.forest(S, r1, r2, p)`
 * (sawcordwell/pymdptoolbox, src/mdptoolbox/example.py), in our layout (MATH.md §1).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { MdpWithReward } from './types.js';
import { describeValue, finish, getOrThrow, makeErrorLog, MAX_DENSE_ENTRIES, readGamma, validateMdpWithReward, type Validation } from './validate.js';

/** Options of `forest`, with pymdptoolbox's defaults. */
export interface ForestOptions {
  /** Number of states (forest ages), ≥ 2; default 3. */
  readonly S?: number;
  /** Reward of Wait in the oldest state; default 4. */
  readonly r1?: number;
  /** Reward of Cut in the oldest state; default 2. */
  readonly r2?: number;
  /** Probability of a fire each year, in [0, 1]; default 0.1. */
  readonly p?: number;
  /** Discount factor in [0, 1); default 0.9. */
  readonly gamma?: number;
}

/** Action 0 of `forest`. */
export const FOREST_WAIT = 0;
/** Action 1 of `forest`. */
export const FOREST_CUT = 1;

/**
 * pymdptoolbox's forest example (MATH.md §1) as a validation. Wait (a = 0): from s go to min(s+1, S−1)
 * w.p. 1−p, burn to 0 w.p. p; Cut (a = 1): go to 0. Rewards: R[s, Wait] = 0 except r1 in
 * S−1; R[s, Cut] = 1 except 0 in state 0 and r2 in S−1. ρ uniform. pymdptoolbox also asserts
 * r1, r2 > 0; here any finite reward is accepted. Bad options are a `Left`.
 */
export const forestE = (opts: ForestOptions = {}): Validation<MdpWithReward> => {
  const o = opts ?? {};
  const log = makeErrorLog();
  const S = o.S === undefined ? 3 : o.S;
  const r1 = o.r1 === undefined ? 4 : o.r1;
  const r2 = o.r2 === undefined ? 2 : o.r2;
  const p = o.p === undefined ? 0.1 : o.p;
  if (typeof S !== 'number' || !Number.isSafeInteger(S) || S < 2) log.report('S', `must be an integer ≥ 2, got ${describeValue(S)}`);
  else if (2 * S * S > MAX_DENSE_ENTRIES) log.report('S', `S*A*S = ${2 * S * S} exceeds the dense limit ${MAX_DENSE_ENTRIES}`);
  if (typeof r1 !== 'number' || !Number.isFinite(r1)) log.report('r1', `must be a finite number, got ${describeValue(r1)}`);
  if (typeof r2 !== 'number' || !Number.isFinite(r2)) log.report('r2', `must be a finite number, got ${describeValue(r2)}`);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) log.report('p', `must be a probability in [0, 1], got ${describeValue(p)}`);
  const gamma = readGamma(o.gamma === undefined ? 0.9 : o.gamma, 'gamma', log);
  const args = finish(log, () => gamma as number);
  if (E.isLeft(args)) return args;
  const A = 2;
  const P = new Float64Array(S * A * S);
  const reward = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    // pymdptoolbox: P[0] = (1−p)·superdiagonal; P[0][:,0] = p; P[0][S−1,S−1] = 1−p
    const wait = (s * A + FOREST_WAIT) * S;
    P[wait + Math.min(s + 1, S - 1)] = 1 - p;
    P[wait + 0] = p;
    // P[1][:,0] = 1
    P[(s * A + FOREST_CUT) * S + 0] = 1;
    // R = zeros; R[S−1,0] = r1; R[:,1] = 1; R[0,1] = 0; R[S−1,1] = r2
    reward[s * A + FOREST_WAIT] = s === S - 1 ? r1 : 0;
    reward[s * A + FOREST_CUT] = s === S - 1 ? r2 : s === 0 ? 0 : 1;
  }
  const rho = new Float64Array(S).fill(1 / S);
  const name = `forest(S=${S},r1=${r1},r2=${r2},p=${p},gamma=${args.right})`;
  return E.right(getOrThrow(validateMdpWithReward(name, { S, A, gamma: args.right, P, rho }, reward), `internal: ${name}`));
};

/** pymdptoolbox's forest example (MATH.md §1; see `forestE`); throws a RangeError only for invalid options. */
export const forest = (opts: ForestOptions = {}): MdpWithReward => getOrThrow(forestE(opts), 'forest options');
