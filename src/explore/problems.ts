/**
 * The small problems of the explorable page (MATH.md §1, §7) and its control values: the two-armed
 * bandit of proofs/bandit-performative.md, the two-state chain, the Sutton & Barto gridworld with
 * a three-feature reward model, and a seeded Garnet; each a bilevel problem whose upper level is
 * a Bradley–Terry teacher's preferences over length-H segments (RLHF), at ν = c·ν_ref.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { BilevelProblem } from '../algorithm/aparl.js';
import { invalidInputs, type ParlError, type ValidationError } from '../errors/parlError.js';
import { banditProblem } from '../experiments/bandit.js';
import { rlhfProblem } from '../experiments/problems.js';
import { twoStateChainE } from '../mdp/chain.js';
import { garnet } from '../mdp/garnet.js';
import type { Mdp } from '../mdp/types.js';
import { validateMdp } from '../mdp/validate.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';

/** The problems one can pick, in the order of the page's menu. */
export const EXPLORE_PROBLEMS = ['bandit', 'chain', 'gridworld', 'garnet'] as const;
export type ExploreProblemId = (typeof EXPLORE_PROBLEMS)[number];

/** Menu titles of the problems. */
export const PROBLEM_TITLES: Readonly<Record<ExploreProblemId, string>> = {
  bandit: 'Two-armed bandit (S = 1, A = 2, tabular ν)',
  chain: 'Two-state chain (S = 2, A = 2, tabular ν)',
  gridworld: 'Sutton & Barto gridworld (S = 25, A = 4, ν = weights of 3 features)',
  garnet: 'Garnet (S = 5, A = 3, branching 2, tabular ν, seeded)',
};

/** The page's controls. */
export interface ExploreParams {
  readonly problem: ExploreProblemId;
  /** Entropy weight λ > 0 of the lower level. */
  readonly lambda: number;
  /** Discount γ ∈ [0, 1) (the bandit's π* does not depend on it, its V* does). */
  readonly gamma: number;
  /** Rationality β > 0 of the Bradley–Terry teacher. */
  readonly beta: number;
  /** ν = c·ν_ref: c scales the reference reward parameter (the true reward in the model's parameters). */
  readonly nuScale: number;
  /** A-PARL's inner policy-gradient steps K ≥ 1. */
  readonly K: number;
  /** A-PARL's outer steps T ≥ 1. */
  readonly T: number;
  /** Seed of the Garnet (an integer ≥ 0). */
  readonly seed: number;
}

/** The first view: the bandit at λ = 0.5, β = 1, Δu = 1 (the defaults of `parl bandit`), ν = ν_ref. */
export const EXPLORE_DEFAULTS: ExploreParams = { problem: 'bandit', lambda: 0.5, gamma: 0.9, beta: 1, nuScale: 1, K: 5, T: 40, seed: 1 };

/** The bandit's true gap Δu = u₀ − u₁ on the page. */
export const BANDIT_TRUE_GAP = 1;
/** Segment length H of the preference queries (the bandit's are single actions). */
export const SEGMENT_LENGTH = 2;
/** The Garnet's size. */
export const EXPLORE_GARNET = { S: 5, A: 3, branching: 2 } as const;

/** A problem as the page shows it: the bilevel problem at the controls, its labels and A-PARL's step sizes. */
export interface ExploreProblem {
  readonly id: ExploreProblemId;
  readonly problem: BilevelProblem;
  /** ν_ref: the reward parameter whose r_ν is the true reward. */
  readonly nuRef: Float64Array;
  /** ν = c·ν_ref. */
  readonly nu: Float64Array;
  readonly stateNames: ReadonlyArray<string>;
  readonly actionNames: ReadonlyArray<string>;
  readonly paramNames: ReadonlyArray<string>;
  /** A-PARL's outer step size α (the inner step is 1/L̂ at the controls, see model.ts). */
  readonly outerStep: number;
}

/** Every problem with the controls, each with its field (λ > 0, γ ∈ [0, 1), β > 0, finite c, integers K, T ≥ 1, seed ≥ 0). */
export const validateExploreParams = (raw: ExploreParams): E.Either<NonEmptyArray<ValidationError>, ExploreParams> => {
  const errs: ValidationError[] = [];
  const bad = (field: string, message: string, x: unknown): void => {
    errs.push({ field, message: `${message}, got ${String(x)}` });
  };
  if (!(EXPLORE_PROBLEMS as ReadonlyArray<string>).includes(raw.problem)) bad('problem', `must be one of ${EXPLORE_PROBLEMS.join(', ')}`, raw.problem);
  if (!(Number.isFinite(raw.lambda) && raw.lambda > 0)) bad('lambda', 'λ must be a finite number > 0', raw.lambda);
  if (!(Number.isFinite(raw.gamma) && raw.gamma >= 0 && raw.gamma < 1)) bad('gamma', 'γ must be in [0, 1)', raw.gamma);
  if (!(Number.isFinite(raw.beta) && raw.beta > 0)) bad('beta', 'β must be a finite number > 0', raw.beta);
  if (!Number.isFinite(raw.nuScale)) bad('nuScale', 'c must be a finite number', raw.nuScale);
  if (!(Number.isSafeInteger(raw.K) && raw.K >= 1)) bad('K', 'K must be an integer ≥ 1', raw.K);
  if (!(Number.isSafeInteger(raw.T) && raw.T >= 1)) bad('T', 'T must be an integer ≥ 1', raw.T);
  if (!(Number.isSafeInteger(raw.seed) && raw.seed >= 0)) bad('seed', 'the seed must be an integer ≥ 0', raw.seed);
  return errs.length > 0 ? E.left(errs as NonEmptyArray<ValidationError>) : E.right(raw);
};

/** The same transitions and start distribution with another discount (validated). */
const withGamma = (mdp: Mdp, gamma: number): E.Either<ParlError, Mdp> =>
  E.mapLeft(invalidInputs)(validateMdp({ S: mdp.S, A: mdp.A, gamma, P: mdp.P, rho: mdp.rho }));

const scaled = (c: number, x: Readonly<Float64Array>): Float64Array => Float64Array.from(x, (v) => c * v);

const stateActionNames = (S: number, A: number): ReadonlyArray<string> => {
  const out: string[] = [];
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) out.push(`ν[${s},${a}]`);
  return out;
};

const indexNames = (prefix: string, n: number): ReadonlyArray<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** The problem picked by the controls at ν = c·ν_ref (MATH.md §1, §7); `Left` for invalid controls. */
export const exploreProblem = (params: ExploreParams): E.Either<ParlError, ExploreProblem> => {
  const v = validateExploreParams(params);
  if (E.isLeft(v)) return E.left(invalidInputs(v.left));
  const { lambda, gamma, beta, nuScale } = params;
  const finish = (
    problem: BilevelProblem,
    nuRef: Float64Array,
    names: Pick<ExploreProblem, 'stateNames' | 'actionNames' | 'paramNames'>,
    steps: Pick<ExploreProblem, 'outerStep'>,
  ): ExploreProblem => ({ id: params.problem, problem, nuRef, nu: scaled(nuScale, nuRef), ...names, ...steps });
  switch (params.problem) {
    case 'bandit': {
      const b = banditProblem({ lambda, beta, trueGap: BANDIT_TRUE_GAP });
      return E.map((mdp: Mdp): ExploreProblem => finish(
        {
          name: 'bandit', mdp, model: b.model, upper: b.spec, rTrue: Float64Array.of(BANDIT_TRUE_GAP, 0),
          nu0: new Float64Array(2), theta0: new Float64Array(2),
        },
        Float64Array.of(BANDIT_TRUE_GAP, 0),
        { stateNames: ['s0'], actionNames: ['a0 (better)', 'a1'], paramNames: ['ν0', 'ν1'] },
        { outerStep: 2 },
      ))(withGamma(b.mdp, gamma));
    }
    case 'chain': {
      const c = twoStateChainE({ gamma });
      if (E.isLeft(c)) return E.left(invalidInputs(c.left));
      const { mdp, reward } = c.right;
      const rTrue = Float64Array.from(reward);
      return E.right(finish(
        {
          name: 'chain', mdp, model: { kind: 'tabular', S: 2, A: 2 }, rTrue,
          upper: { kind: 'preference', teacher: bradleyTerryTeacher(beta), rTrue, H: SEGMENT_LENGTH },
          nu0: new Float64Array(4), theta0: new Float64Array(4),
        },
        Float64Array.from(rTrue),
        { stateNames: indexNames('s', 2), actionNames: ['stay', 'switch'], paramNames: stateActionNames(2, 2) },
        { outerStep: 2 },
      ));
    }
    case 'gridworld': {
      const g = rlhfProblem('gridworld', params.seed, beta);
      return E.map((mdp: Mdp): ExploreProblem => finish(
        { ...g, mdp },
        Float64Array.of(10, 5, -1),
        {
          stateNames: Array.from({ length: mdp.S }, (_, s) => `(${Math.floor(s / 5)},${s % 5})`),
          actionNames: ['N', 'S', 'E', 'W'],
          paramNames: ['w(leave A)', 'w(leave B)', 'w(bump)'],
        },
        { outerStep: 2 },
      ))(withGamma(g.mdp, gamma));
    }
    case 'garnet': {
      const g = garnet({ ...EXPLORE_GARNET, gamma, seed: params.seed });
      if (E.isLeft(g)) return E.left(invalidInputs(g.left));
      const { mdp, reward } = g.right;
      const rTrue = Float64Array.from(reward);
      const { S, A } = mdp;
      return E.right(finish(
        {
          name: `garnet-${params.seed}`, mdp, model: { kind: 'tabular', S, A }, rTrue,
          upper: { kind: 'preference', teacher: bradleyTerryTeacher(beta), rTrue, H: SEGMENT_LENGTH },
          nu0: new Float64Array(S * A), theta0: new Float64Array(S * A),
        },
        Float64Array.from(rTrue),
        { stateNames: indexNames('s', S), actionNames: indexNames('a', A), paramNames: stateActionNames(S, A) },
        { outerStep: 2 },
      ));
    }
  }
};
