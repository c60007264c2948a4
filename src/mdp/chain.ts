/** A two-state, two-action chain used by the reference vectors p04 and p12 (MATH.md §1). */
import type { MdpWithReward } from './types.js';
import { getOrThrow, validateMdpWithReward, type Validation } from './validate.js';

/** Options of `twoStateChain`; `rho` (length 2) and `reward` (length 4, `s*A + a`) are number[] or Float64Array, copied. */
export interface TwoStateChainOptions {
  readonly gamma?: number;
  readonly rho?: ReadonlyArray<number> | Float64Array;
  readonly reward?: ReadonlyArray<number> | Float64Array;
}

/**
 * Two-state chain (MATH.md §1) as a validation: action 0 stays w.p. 0.9 and switches w.p. 0.1,
 * action 1 switches w.p. 0.8 and stays w.p. 0.2, so `P = [0.9,0.1, 0.2,0.8, 0.1,0.9, 0.8,0.2]`;
 * defaults γ = 0.9, ρ = [1, 0], r = [0, 0.1, 1.0, 0.5]. Bad options are a `Left`.
 */
export const twoStateChainE = (opts: TwoStateChainOptions = {}): Validation<MdpWithReward> => {
  const o = opts ?? {};
  const gamma = o.gamma === undefined ? 0.9 : o.gamma;
  const rho = o.rho === undefined ? [1, 0] : o.rho;
  const reward = o.reward === undefined ? [0, 0.1, 1.0, 0.5] : o.reward;
  const P = [
    0.9, 0.1, // s=0, a=0: stay 0.9
    0.2, 0.8, // s=0, a=1: switch 0.8
    0.1, 0.9, // s=1, a=0: stay 0.9
    0.8, 0.2, // s=1, a=1: switch 0.8
  ];
  return validateMdpWithReward(`two-state-chain(gamma=${String(gamma)})`, { S: 2, A: 2, gamma, P, rho }, reward);
};

/** Two-state chain (MATH.md §1; see `twoStateChainE`); throws a RangeError only for invalid options. */
export const twoStateChain = (opts: TwoStateChainOptions = {}): MdpWithReward =>
  getOrThrow(twoStateChainE(opts), 'two-state chain options');
