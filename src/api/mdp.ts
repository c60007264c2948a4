/**
 * Public MDP constructors (MATH.md §1): validation of a user's MDP and the builders, each
 * returning `Either<ParlError, …>` with every problem named by field and index.
 */
import { twoStateChainE, type TwoStateChainOptions } from '../mdp/chain.js';
import { forestE, type ForestOptions } from '../mdp/forest.js';
import { garnet as garnetInternal, type GarnetOptions } from '../mdp/garnet.js';
import { suttonBartoGridworldE } from '../mdp/gridworld.js';
import type { Mdp, MdpWithReward } from '../mdp/types.js';
import { validateMdp as validateMdpInternal } from '../mdp/validate.js';
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { invalidInputs, type ValidationError } from '../errors/parlError.js';
import { fromValidation, total, trustMdp, type Result } from './validate.js';

/**
 * `build(options)` unless `options` holds a key the builder does not know (a misspelt `gama` would
 * otherwise be ignored silently and the default used): then `InvalidInput` on `options.<key>`.
 */
const knownOptions = (what: string, known: ReadonlyArray<string>, options: unknown, build: () => Result<MdpWithReward>): Result<MdpWithReward> => {
  if (typeof options !== 'object' || options === null) return build();
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length === 0) return build();
  const errors = unknown.map((k) => ({ field: `options.${k}`, message: `${what} has no option "${k}" (its options: ${known.join(', ')})` }));
  return E.left(invalidInputs(errors as unknown as NonEmptyArray<ValidationError>));
};

/** A built MDP with its MDP marked as validated. */
const trusted = (m: Result<MdpWithReward>): Result<MdpWithReward> =>
  E.map((x: MdpWithReward) => {
    trustMdp(x.mdp);
    return x;
  })(m);

/**
 * A validated tabular MDP `{S, A, gamma, P, rho}` (MATH.md §1): S, A integers ≥ 1, γ ∈ [0, 1),
 * `P[(s*A + a)*S + s']` and ρ finite, ≥ 0, each row summing to 1 within `ROW_SUM_TOLERANCE` (1e-9).
 * Arrays may be `number[]` or `Float64Array`; the result holds fresh Float64Array copies.
 * A `Left` lists every problem (field `P`, index `[s, a, s']`; `rho`, `[s]`; …). The entry points
 * take the returned MDP without validating it again: do not modify its arrays.
 */
export const validateMdp = (input: unknown): Result<Mdp> => total('validateMdp', () => E.map(trustMdp)(fromValidation(validateMdpInternal(input))));

/**
 * A Garnet MDP with its reward table (MATH.md §1): `branching` distinct successors per (s, a) with
 * random probabilities, rewards uniform in [0, 1), ρ uniform; deterministic given `seed`.
 * Options: S, A ≥ 1, branching in 1..S, γ ∈ [0, 1) (default 0.9), seed a safe integer.
 */
export const garnet = (options: GarnetOptions): Result<MdpWithReward> =>
  total('garnet', () => knownOptions('garnet', ['S', 'A', 'branching', 'seed', 'gamma'], options, () => trusted(fromValidation(garnetInternal(options)))));

/** Sutton & Barto's 5×5 gridworld, Example 3.5 (MATH.md §1; A → A′ +10, B → B′ +5, −1 off the grid), γ default 0.9. */
export const suttonBartoGridworld = (options: { readonly gamma?: number } = {}): Result<MdpWithReward> =>
  total('suttonBartoGridworld', () => knownOptions('suttonBartoGridworld', ['gamma'], options, () => trusted(fromValidation(suttonBartoGridworldE(options)))));

/** The two-state, two-action chain of the reference vectors (MATH.md §1); γ, ρ and the reward table can be set. */
export const twoStateChain = (options: TwoStateChainOptions = {}): Result<MdpWithReward> =>
  total('twoStateChain', () => knownOptions('twoStateChain', ['gamma', 'rho', 'reward'], options, () => trusted(fromValidation(twoStateChainE(options)))));

/** pymdptoolbox's forest-management MDP `forest(S, r1, r2, p)` in our layout (MATH.md §1), with its defaults. */
export const forest = (options: ForestOptions = {}): Result<MdpWithReward> =>
  total('forest', () => knownOptions('forest', ['S', 'r1', 'r2', 'p', 'gamma'], options, () => trusted(fromValidation(forestE(options)))));
