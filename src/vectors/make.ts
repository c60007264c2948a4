/**
 * `parl vectors make`: conformance vectors (VECTORS.md schema) from parl-ts's own float64 code.
 *
 * Every expected field is computed by `computeFields` (compute.ts), the very code paths that
 * `parl vectors check` uses, on the case exactly as it is written to the file (the inputs go
 * through a JSON round trip and `validateVector` first). A field that does not exist for the
 * case (a `Left` of `computeFields`: no θ* at λ = 0, no π* at λ = 0 with tied optimal actions,
 * no G without a utility) is absent, and the description says why.
 *
 * These are regression vectors: they record what parl-ts computes, unlike the independent
 * `spec/vectors/reference/` set. Generation is pure and deterministic: the same arguments give
 * the same bytes. Case `i` depends only on the seed, `i` and the set of kinds (not on the
 * count, nor on the order the kinds are listed in), so `--count K` makes a prefix of
 * `--count K + 1`.
 *
 * Each case has one tolerance (`vectorTolerance`) under which every field with a nonzero
 * entry (max |e| > 1e-12) fails when zeroed or negated, and which float64 can meet.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { garnetOrThrow, suttonBartoGridworld, twoStateChain, GRID_A, GRID_B } from '../mdp/index.js';
import type { MdpWithReward } from '../mdp/types.js';
import { type ValidationError } from '../errors/parlError.js';
import { formatValidationError } from '../errors/parlError.js';
import { OPTIMUM_DEFAULTS } from '../optimal/index.js';
import { makeRng, type Rng } from '../random/rng.js';
import { computeFields } from './compute.js';
import { validateVector, VECTOR_FIELDS, type VectorField } from './schema.js';

/** The families of problems `makeVectors` draws from. */
export const VECTOR_KINDS = ['garnet', 'gridworld', 'chain', 'preference'] as const;
export type VectorKind = (typeof VECTOR_KINDS)[number];
export const isVectorKind = (k: string): k is VectorKind => (VECTOR_KINDS as ReadonlyArray<string>).includes(k);

/** Largest `count` accepted by `makeVectors`. */
export const MAX_VECTOR_COUNT = 10_000;
/** Garnet cases keep `S·A ≤ 24`: `hessJ` has `(S·A)²` entries and tabular `psi` as many. */
export const MAX_GARNET_SA = 24;

/** Entropy weights drawn from (λ = 0 is plain RL: no θ*, ψ or G). */
export const VECTOR_LAMBDAS: ReadonlyArray<number> = [0, 0.01, 0.03, 0.1, 0.3, 1];
/** Discounts drawn from (0.99 twice as often as the others). */
export const VECTOR_GAMMAS: ReadonlyArray<number> = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.99];

/**
 * Which kind case `i` is: this 12-slot pattern, restricted to the requested kinds, repeated.
 * With every kind, 12 cases are 7 garnet, 2 chain, 2 preference and 1 gridworld (a gridworld
 * file is ~200 kB, its `hessJ` alone 100² entries).
 */
const KIND_PATTERN: ReadonlyArray<VectorKind> = [
  'garnet', 'chain', 'garnet', 'preference', 'garnet', 'gridworld',
  'garnet', 'chain', 'garnet', 'preference', 'garnet', 'garnet',
];

/** Arguments of `makeVectors`. */
export interface MakeVectorsOptions {
  /** Seed of the `makeRng` stream (safe integer ≥ 0). */
  readonly seed: number;
  /** Number of cases, 1..MAX_VECTOR_COUNT. */
  readonly count: number;
  /** Kinds to draw from (default: all, in the order of `VECTOR_KINDS`); no duplicates. */
  readonly kinds?: ReadonlyArray<string>;
}

/** A vector file as plain JSON (the VECTORS.md schema). */
export interface VectorJson {
  readonly id: string;
  readonly description: string;
  readonly mdp: { readonly S: number; readonly A: number; readonly gamma: number; readonly P: number[]; readonly rho: number[] };
  readonly reward: { readonly kind: 'tabular' } | { readonly kind: 'linear'; readonly k: number; readonly features: number[] };
  readonly nu: number[];
  readonly lambda: number;
  readonly theta: number[];
  readonly utility:
    | { readonly kind: 'additive'; readonly u: number[] }
    | { readonly kind: 'preference'; readonly H: number; readonly beta: number | 'Infinity'; readonly rTrue: number[] }
    | null;
  readonly expected: Partial<Record<VectorField, number | number[]>>;
  readonly tolerance: { readonly rel: number; readonly abs: number };
}

/** A field `computeFields` could not produce for a case, and why. */
export interface AbsentField {
  readonly field: VectorField;
  readonly reason: string;
}

/** One generated case: its JSON, the exact file text, the file name and what was left out. */
export interface MadeVector {
  readonly id: string;
  readonly kind: VectorKind;
  /** `${id}.json` */
  readonly fileName: string;
  readonly json: VectorJson;
  /** The file's text: `formatVectorJson(json)`. */
  readonly text: string;
  readonly absent: ReadonlyArray<AbsentField>;
}

// ---------------------------------------------------------------------------------------
// Tolerances

/** What the tolerance of a case depends on, besides its expected fields. */
export interface ToleranceInputs {
  readonly gamma: number;
  readonly lambda: number;
  /** θ with one dominant logit per state (π of the other actions ~e^-10 … e^-20). */
  readonly nearDeterministic: boolean;
}

/** The expected fields of a case, scalars or arrays (as in the JSON or as parsed). */
export type ExpectedFields = Readonly<Partial<Record<VectorField, number | ArrayLike<number>>>>;

/** A field with its largest |entry|. */
export interface FieldScale {
  readonly field: VectorField;
  /** `‖e_f‖∞`. */
  readonly maxAbs: number;
}

/** The tolerance of a case with the factors of its rule (stated in the description). */
export interface VectorTolerance {
  readonly rel: number;
  readonly abs: number;
  readonly kappaGamma: number;
  readonly kappaLambda: number;
  readonly kappaTheta: number;
  /** `rel/100` (two digits): what the numerics ask of `abs`, before the cap. */
  readonly absNumerics: number;
  /** The non-exempt field of smallest `‖e_f‖∞` (undefined when every field is exempt). */
  readonly smallest: FieldScale | undefined;
  /** The cap `⌊0.1 · m⌋₂` (Infinity when every field is exempt). */
  readonly absCap: number;
  /** The floor `absNumerics / 100` below which `abs` would ask more than float64 gives. */
  readonly absFloor: number;
  /** Present fields with `‖e_f‖∞ ≤ 1e-12`, in `VECTOR_FIELDS` order. */
  readonly exempt: ReadonlyArray<VectorField>;
}

/** `τ`: the relative accuracy MATH.md §5 asks of the optimum solvers (soft Bellman residual). */
export const SOLVER_ACCURACY: number = OPTIMUM_DEFAULTS.tolerance;
/** `c`: safety factor of the tolerance rule (see `vectorTolerance`). */
export const TOLERANCE_SAFETY = 1e4;
/** `abs = rel · ABS_OVER_REL` before the cap (entries near zero, where a relative bound means nothing). */
export const ABS_OVER_REL = 1e-2;
/** Clamp of `rel`: never tighter than 1e-9 (a few hundred ulps of work), never looser than 1e-4. */
export const REL_MIN = 1e-9;
export const REL_MAX = 1e-4;
/** Fields whose largest |entry| is at most this are exempt from the cap (zero up to rounding). */
export const EXEMPT_MAX_ABS = 1e-12;
/** `q`: `abs` is at most this fraction of the smallest non-exempt field's largest |entry|. */
export const ABS_CAP_FRACTION = 0.1;
/** `abs` is at least this fraction of `rel/100`, or the case is drawn again (see `vectorTolerance`). */
export const ABS_FLOOR_FRACTION = 1e-2;
/** Draws of one case before `makeVectors` gives up (a case is drawn again in ~2 % of cases). */
export const MAX_CASE_DRAWS = 100;

const twoDigits = (x: number): number => Number(x.toPrecision(2));

/** `x > 0` rounded down to two significant digits: the largest two-digit number ≤ x. */
export const floorTwoDigits = (x: number): number => {
  const t = twoDigits(x);
  if (t <= x) return t;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1);
  const down = twoDigits(t - step);
  return down <= x ? down : twoDigits(down - step);
};

/** `‖e‖∞`: the largest |entry| of a field (a scalar is a field of one entry). */
export const fieldMaxAbs = (e: number | ArrayLike<number>): number => {
  if (typeof e === 'number') return Math.abs(e);
  let m = 0;
  for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(e[i]));
  return m;
};

/** The present fields exempt from the cap: `‖e_f‖∞ ≤ EXEMPT_MAX_ABS`. */
export const exemptFields = (expected: ExpectedFields): VectorField[] =>
  VECTOR_FIELDS.filter((f) => expected[f] !== undefined && fieldMaxAbs(expected[f]!) <= EXEMPT_MAX_ABS);

/** The non-exempt present field of smallest `‖e_f‖∞` (the first in `VECTOR_FIELDS` order on ties). */
export const smallestFieldScale = (expected: ExpectedFields): FieldScale | undefined => {
  let best: FieldScale | undefined;
  for (const f of VECTOR_FIELDS) {
    const e = expected[f];
    if (e === undefined) continue;
    const m = fieldMaxAbs(e);
    if (m > EXEMPT_MAX_ABS && (best === undefined || m < best.maxAbs)) best = { field: f, maxAbs: m };
  }
  return best;
};

/**
 * The tolerance rule of generated vectors, from the numerics of the case and the size of its
 * expected fields (one `{ rel, abs }` serves every field of the case):
 *
 *   rel = clamp(c · τ · κ_γ · κ_λ · κ_θ, 1e-9, 1e-4),
 *   abs = min(rel/100, ⌊0.1 · m⌋₂),   m = min ‖e_f‖∞ over the fields f with ‖e_f‖∞ > 1e-12,
 *
 * where ⌊·⌋₂ rounds down to two significant digits, and a case is only made when
 * abs ≥ (rel/100)/100 (else `makeVectors` draws it again):
 *
 * - `τ = 1e-12`: the relative accuracy MATH.md §5 fixes for the optimum solvers (the soft
 *   Bellman residual at which soft policy iteration stops). Every field is at least as accurate
 *   as that in a conforming implementation, most (π, V, Q, d, J, ∇J, ∇²J: direct LU solves)
 *   far more, at the level of the unit roundoff ε ≈ 2.2e-16;
 * - `κ_γ = 1/(1−γ)`: the horizon, a bound on `‖(I − γP_π)⁻¹‖∞`, by which every value, visitation,
 *   gradient and ν-score solve amplifies a residual or a rounding error in r_π and P_π;
 * - `κ_λ = max(1, 0.1/λ)` for λ > 0 (1 at λ = 0): θ* = (Q* − V*)/λ, ψ and ∇G carry a 1/λ, so an
 *   error in Q* − V* is divided by λ;
 * - `κ_θ = 10` for near-deterministic θ (1 otherwise): the advantage Q − V − λ log π of the
 *   dominant action and the Hessian's π(1 − π) terms cancel, losing digits relative to |V|;
 * - `c = 1e4`: headroom for summation order, pivoting and stopping points that differ between
 *   correct implementations (problem sizes here are S·A ≤ 100), so that a correct independent
 *   implementation passes while a wrong formula (errors of 1e-3 and more) does not;
 * - `rel/100`: what the numerics ask of `abs`, for entries at or near 0 (gradients of
 *   near-deterministic policies, ψ on unvisited states, π of unlikely actions), whose noise is
 *   set by the field's scale, not by the entry;
 * - the cap `⌊0.1 · m⌋₂`: every field must be able to fail. Zeroing a field fails iff some entry
 *   has |e|(1 − rel) > abs, negating it iff some entry has |e|(2 − rel) > abs; with abs ≤ 0.1·m
 *   and rel ≤ 1e-4 both hold at the largest entry of every non-exempt field, 10× over, and so
 *   does scaling a field by 2 or by 1/2. It binds when some field is small in absolute terms
 *   (∇G ~ 1e-10 at a nearly deterministic θ*, ∇J or ∇²J of a near-deterministic θ);
 * - the exemption `‖e_f‖∞ ≤ 1e-12` (in practice `gradGMyopic` of an additive utility, identically
 *   0): such a field is zero up to rounding, and no tolerance can ask for its sign;
 * - the floor `(rel/100)/100`: how the cap is balanced with the numerics. The cap is never
 *   relaxed, but neither is `abs` allowed below what a correct implementation can meet: a field
 *   just above 1e-12 (∇G at λ ≤ 0.03, built by cancellation of much larger terms) can be as noisy
 *   as half its own size (a ∇G of 3.4e-12 moved by 1.7e-12 under relabelling), and an `abs` that
 *   fails it when zeroed then also fails correct code; with the cap alone, 5 of 2400 cases failed
 *   under relabelling, by up to 6× their `abs`. Measured by relabelling
 *   states and actions (a different summation order and pivots, test/vectors/make.test.ts), the
 *   noise on near-zero entries beyond `rel·|e|` stays below 1e-4 · rel/100 in 12 000 cases, so at
 *   the floor it is below 1 % of `abs` (as it is of `rel/100` everywhere). A draw whose cap falls
 *   below the floor (~2 % of draws, nearly all λ ≤ 0.03 with a utility, whose ∇G is tiny) is not
 *   made, so every made case both tests every field and is met by correct code.
 * The ordinary case γ = 0.9, λ ≥ 0.1 gets rel = 1e-7, abs = 1e-9, the tolerance of the independent
 * reference set; γ = 0.99 is 10× looser, λ = 0.01 another 10×, near-deterministic θ another 10×.
 */
export const vectorTolerance = (t: ToleranceInputs, expected: ExpectedFields): VectorTolerance => {
  const kappaGamma = 1 / (1 - t.gamma);
  const kappaLambda = t.lambda > 0 ? Math.max(1, 0.1 / t.lambda) : 1;
  const kappaTheta = t.nearDeterministic ? 10 : 1;
  const raw = TOLERANCE_SAFETY * SOLVER_ACCURACY * kappaGamma * kappaLambda * kappaTheta;
  const rel = twoDigits(Math.min(REL_MAX, Math.max(REL_MIN, raw)));
  const absNumerics = twoDigits(rel * ABS_OVER_REL);
  const smallest = smallestFieldScale(expected);
  const absCap = smallest === undefined ? Infinity : floorTwoDigits(ABS_CAP_FRACTION * smallest.maxAbs);
  const abs = Math.min(absNumerics, absCap);
  const absFloor = twoDigits(absNumerics * ABS_FLOOR_FRACTION);
  return { rel, abs, kappaGamma, kappaLambda, kappaTheta, absNumerics, smallest, absCap, absFloor, exempt: exemptFields(expected) };
};

/** Whether the tolerance is one float64 can meet: `abs` not below the floor. */
export const meetsNumerics = (t: VectorTolerance): boolean => t.abs >= t.absFloor;

const exp1 = (x: number): string => x.toExponential(1);

const describeTolerance = (t: VectorTolerance): string => {
  const m = t.smallest === undefined
    ? 'no field has max|e| > 1e-12, so no cap'
    : `m = ${exp1(t.smallest.maxAbs)} (${t.smallest.field}), cap ${exp1(t.absCap)}${t.abs < t.absNumerics ? ` (binding, below rel/100 = ${exp1(t.absNumerics)})` : ''}`;
  const exempt = t.exempt.length === 0 ? 'none' : t.exempt.join(', ');
  return `Tolerance rel=${exp1(t.rel)} abs=${exp1(t.abs)} by the rule rel = clamp(1e4·τ·κ_γ·κ_λ·κ_θ, 1e-9, 1e-4), ` +
    `abs = min(rel/100, ⌊0.1·m⌋₂), with τ = 1e-12 (MATH.md §5 solver accuracy), κ_γ = 1/(1−γ) = ${twoDigits(t.kappaGamma)}, ` +
    `κ_λ = max(1, 0.1/λ) = ${twoDigits(t.kappaLambda)}, κ_θ = ${t.kappaTheta}${t.kappaTheta > 1 ? ' (near-deterministic θ)' : ''}, ` +
    `m = the smallest max|e| over the fields with max|e| > 1e-12 and ⌊·⌋₂ rounding down to two significant digits, ` +
    `so that every such field fails when zeroed or negated: ${m}; exempt (max|e| ≤ 1e-12): ${exempt}; ` +
    `abs is at least (rel/100)/100 = ${exp1(t.absFloor)}, what float64 can meet near zero (cases below it are drawn again).`;
};

// ---------------------------------------------------------------------------------------
// Drawing cases

/** The inputs of a case before its expected fields are computed. */
interface CaseDraft {
  readonly kind: VectorKind;
  /** Short tags for the id, after the kind (e.g. `S4A3-g0.9-l0.1-lin`). */
  readonly tag: string;
  /** What the problem is, for the description. */
  readonly about: string;
  readonly json: Omit<VectorJson, 'id' | 'description' | 'expected' | 'tolerance'>;
  readonly nearDeterministic: boolean;
}

const pick = <T>(rng: Rng, xs: ReadonlyArray<T>): T => xs[rng.int(xs.length)];
const normals = (rng: Rng, n: number, scale = 1): number[] => Array.from({ length: n }, () => scale * rng.normal());

/** A distribution over `n` states: uniform, or positive random weights normalised. */
const drawRho = (rng: Rng, n: number): { rho: number[]; about: string } => {
  if (rng.uniform() < 0.3) return { rho: new Array<number>(n).fill(1 / n), about: 'rho uniform' };
  const w = Array.from({ length: n }, () => 0.1 + rng.uniform());
  const total = w.reduce((a, b) => a + b, 0);
  return { rho: w.map((x) => x / total), about: 'rho random' };
};

/** θ: standard normal, or near-deterministic (one logit per state set to 10 + 10·U, the others N(0,1)). */
const drawTheta = (rng: Rng, S: number, A: number, nearDeterministic: boolean): number[] => {
  const theta = normals(rng, S * A);
  if (nearDeterministic) {
    for (let s = 0; s < S; s++) theta[s * A + rng.int(A)] = 10 + 10 * rng.uniform();
  }
  return theta;
};

/** Tabular (ν = r, d = S·A, from `tabularNu`) or linear (k ∈ 2..5 features ~ N(0,1), ν ~ N(0,1)) reward. */
const drawReward = (
  rng: Rng,
  S: number,
  A: number,
  linear: boolean,
  tabularNu: () => number[],
): { reward: VectorJson['reward']; nu: number[]; about: string } => {
  if (!linear) return { reward: { kind: 'tabular' }, nu: tabularNu(), about: 'tabular reward' };
  const k = 2 + rng.int(Math.min(4, S * A - 1));
  return {
    reward: { kind: 'linear', k, features: normals(rng, S * A * k) },
    nu: normals(rng, k),
    about: `linear reward k=${k} (features and nu ~ N(0,1))`,
  };
};

const lambdaTag = (lambda: number): string => `l${lambda}`;
const flat = (x: ArrayLike<number>): number[] => Array.from(x);

const additiveOrNone = (rng: Rng, n: number, lambda: number): { utility: VectorJson['utility']; about: string } =>
  lambda > 0 && rng.uniform() < 0.8
    ? { utility: { kind: 'additive', u: normals(rng, n) }, about: 'additive utility (fixed table u ~ N(0,1))' }
    : { utility: null, about: 'no utility' };

const drawGarnet = (rng: Rng, preference: boolean): CaseDraft => {
  const A = preference ? 2 : 2 + rng.int(3);
  const maxS = preference ? 3 : Math.min(8, Math.floor(MAX_GARNET_SA / A));
  const S = 2 + rng.int(maxS - 1);
  const branching = 1 + rng.int(S);
  const gamma = pick(rng, VECTOR_GAMMAS);
  const lambda = preference ? pick(rng, VECTOR_LAMBDAS.filter((l) => l > 0)) : pick(rng, VECTOR_LAMBDAS);
  const garnetSeed = rng.int(0x7fffffff);
  const g: MdpWithReward = garnetOrThrow({ S, A, branching, gamma, seed: garnetSeed });
  const { rho, about: rhoAbout } = drawRho(rng, S);
  const linear = rng.uniform() < 0.4;
  // the Garnet reward, uniform in [0, 1), centred and scaled to [−1, 1) for the tabular ν
  const { reward, nu, about: rewardAbout } = drawReward(rng, S, A, linear, () => flat(g.reward).map((x) => 2 * x - 1));
  const nearDeterministic = rng.uniform() < 0.3;
  const theta = drawTheta(rng, S, A, nearDeterministic);
  let utility: VectorJson['utility'];
  let utilityAbout: string;
  let utilityTag = '';
  if (preference) {
    const H = 1 + rng.int(2);
    const beta = pick(rng, [0.5, 1, 2, 5] as const);
    utility = { kind: 'preference', H, beta, rTrue: normals(rng, S * A) };
    utilityAbout = `preference utility H=${H} beta=${beta} (rTrue ~ N(0,1); G by exact enumeration)`;
    utilityTag = `-H${H}b${beta}`;
  } else {
    ({ utility, about: utilityAbout } = additiveOrNone(rng, S * A, lambda));
  }
  return {
    kind: preference ? 'preference' : 'garnet',
    tag: `S${S}A${A}-g${gamma}-${lambdaTag(lambda)}${linear ? '-lin' : ''}${nearDeterministic ? '-neardet' : ''}${utilityTag}`,
    about: `Garnet S=${S} A=${A} b=${branching} (garnet seed ${garnetSeed}), gamma=${gamma}, lambda=${lambda}, ${rhoAbout}, ${rewardAbout}, ` +
      `theta ${nearDeterministic ? 'near-deterministic (one logit per state set to 10 + 10·U, the others N(0,1))' : '~ N(0,1)'}, ${utilityAbout}`,
    json: { mdp: { S, A, gamma, P: flat(g.mdp.P), rho }, reward, nu, lambda, theta, utility },
    nearDeterministic,
  };
};

const drawGridworld = (rng: Rng): CaseDraft => {
  const gamma = pick(rng, [0.5, 0.9, 0.9, 0.95, 0.99]);
  const lambda = pick(rng, VECTOR_LAMBDAS);
  const g = suttonBartoGridworld({ gamma });
  const { S, A } = g.mdp;
  // the features of Sutton & Barto's reward: from A (+10), from B (+5), off the grid (−1)
  const k = 3;
  const features = new Array<number>(S * A * k).fill(0);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      const r = g.reward[i];
      if (s === GRID_A) features[i * k] = 1;
      else if (s === GRID_B) features[i * k + 1] = 1;
      else if (r === -1) features[i * k + 2] = 1;
    }
  }
  const exact = rng.uniform() < 0.5;
  const nu = exact ? [10, 5, -1] : [10, 5, -1].map((x) => x * (1 + 0.2 * rng.normal()));
  const shape = pick(rng, ['zero', 'normal', 'near-deterministic'] as const);
  const theta = shape === 'zero' ? new Array<number>(S * A).fill(0) : drawTheta(rng, S, A, shape === 'near-deterministic');
  const { utility, about: utilityAbout } = additiveOrNone(rng, S * A, lambda);
  return {
    kind: 'gridworld',
    tag: `g${gamma}-${lambdaTag(lambda)}${shape === 'zero' ? '-random-policy' : shape === 'near-deterministic' ? '-neardet' : ''}`,
    about: `Sutton & Barto Example 3.5 gridworld (5x5, s=5*row+col, actions N,S,E,W), gamma=${gamma}, lambda=${lambda}, rho uniform, ` +
      `linear reward with features [from A, from B, off-grid], nu=${exact ? '[10,5,-1]' : '[10,5,-1]·(1 + 0.2·N(0,1))'}, ` +
      `theta ${shape === 'zero' ? '= 0 (equiprobable random policy)' : shape === 'normal' ? '~ N(0,1)' : 'near-deterministic (one logit per state set to 10 + 10·U, the others N(0,1))'}, ${utilityAbout}`,
    json: { mdp: { S, A, gamma, P: flat(g.mdp.P), rho: flat(g.mdp.rho) }, reward: { kind: 'linear', k, features }, nu, lambda, theta, utility },
    nearDeterministic: shape === 'near-deterministic',
  };
};

const drawChain = (rng: Rng): CaseDraft => {
  const gamma = pick(rng, VECTOR_GAMMAS);
  const lambda = pick(rng, VECTOR_LAMBDAS);
  const g = twoStateChain({ gamma });
  const { S, A } = g.mdp;
  const { rho, about: rhoAbout } = rng.uniform() < 0.5 ? { rho: [1, 0], about: 'rho=[1,0]' } : drawRho(rng, S);
  const linear = rng.uniform() < 0.4;
  const defaultReward = rng.uniform() < 0.5;
  const { reward, nu, about: rewardAbout } = drawReward(rng, S, A, linear, () => (defaultReward ? flat(g.reward) : normals(rng, S * A)));
  const nearDeterministic = rng.uniform() < 0.3;
  const theta = drawTheta(rng, S, A, nearDeterministic);
  const { utility, about: utilityAbout } = additiveOrNone(rng, S * A, lambda);
  return {
    kind: 'chain',
    tag: `g${gamma}-${lambdaTag(lambda)}${linear ? '-lin' : ''}${nearDeterministic ? '-neardet' : ''}`,
    about: `2-state chain (action 0 stays w.p. 0.9, action 1 switches w.p. 0.8), gamma=${gamma}, lambda=${lambda}, ${rhoAbout}, ` +
      `${linear ? rewardAbout : `tabular reward ${defaultReward ? 'nu=[0,0.1,1,0.5]' : 'nu ~ N(0,1)'}`}, ` +
      `theta ${nearDeterministic ? 'near-deterministic (one logit per state set to 10 + 10·U, the others N(0,1))' : '~ N(0,1)'}, ${utilityAbout}`,
    json: { mdp: { S, A, gamma, P: flat(g.mdp.P), rho }, reward, nu, lambda, theta, utility },
    nearDeterministic,
  };
};

const drawCase = (kind: VectorKind, rng: Rng): CaseDraft => {
  switch (kind) {
    case 'garnet': return drawGarnet(rng, false);
    case 'preference': return drawGarnet(rng, true);
    case 'gridworld': return drawGridworld(rng);
    case 'chain': return drawChain(rng);
  }
};

// ---------------------------------------------------------------------------------------
// Completing a case: expected fields, tolerance, id, description

/** The reason of a `Left`, up to its first colon (the full messages run to a paragraph). */
const shortReason = (message: string): string => {
  const cut = message.indexOf(':');
  const s = cut > 0 ? message.slice(0, cut) : message;
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
};

const describeAbsent = (absent: ReadonlyArray<AbsentField>): string => {
  if (absent.length === 0) return 'Every field of VECTORS.md is present.';
  const byReason = new Map<string, VectorField[]>();
  for (const a of absent) byReason.set(a.reason, [...(byReason.get(a.reason) ?? []), a.field]);
  return `Absent: ${[...byReason].map(([reason, fields]) => `${fields.join(', ')} (${reason})`).join('; ')}.`;
};

const round = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A draft with its expected fields computed and the tolerance the rule gives them. */
interface EvaluatedDraft {
  readonly inputs: CaseDraft['json'];
  readonly expected: Partial<Record<VectorField, number | number[]>>;
  readonly absent: ReadonlyArray<AbsentField>;
  readonly tol: VectorTolerance;
}

/** Compute every field of a draft on exactly what its file will hold, and its tolerance. */
const evaluateDraft = (draft: CaseDraft, id: string): EvaluatedDraft => {
  const numerics: ToleranceInputs = { gamma: draft.json.mdp.gamma, lambda: draft.json.lambda, nearDeterministic: draft.nearDeterministic };
  // compute on exactly what the file will hold (a JSON round trip of the inputs); this tolerance
  // only has to be valid, the case's own follows from its expected fields
  const inputs = round(draft.json);
  const uncapped = vectorTolerance(numerics, {});
  const parsed = validateVector({ ...inputs, id, description: '', expected: {}, tolerance: { rel: uncapped.rel, abs: uncapped.abs } });
  if (E.isLeft(parsed)) {
    throw new Error(`internal: generated case ${id} is not a valid vector: ${parsed.left.map(formatValidationError).join('; ')}`);
  }
  const computed = computeFields(parsed.right, VECTOR_FIELDS);
  const expected: Partial<Record<VectorField, number | number[]>> = {};
  const absent: AbsentField[] = [];
  for (const f of VECTOR_FIELDS) {
    const r = computed.get(f)!;
    if (E.isLeft(r)) {
      absent.push({ field: f, reason: shortReason(r.left) });
      continue;
    }
    expected[f] = f === 'J' || f === 'G' ? r.right[0] : flat(r.right);
  }
  const written = round(expected);
  return { inputs, expected: written, absent, tol: vectorTolerance(numerics, written) };
};

/** The finished case: its JSON, description and file text. */
const completeCase = (draft: CaseDraft, id: string, origin: string, ev: EvaluatedDraft): MadeVector => {
  const { inputs, expected, absent, tol } = ev;
  const description = `${draft.about}. ${origin} ${describeAbsent(absent)} ${describeTolerance(tol)}`;
  const json: VectorJson = { id, description, ...inputs, expected, tolerance: { rel: tol.rel, abs: tol.abs } };
  return { id, kind: draft.kind, fileName: `${id}.json`, json, text: formatVectorJson(json), absent };
};

/** Why earlier draws of a case were not made, for its description ('' when none). */
const describeRedraws = (rejected: ReadonlyArray<VectorTolerance>): string =>
  rejected.length === 0
    ? ''
    : ` Draw ${rejected.length + 1} of the case stream: the earlier draw${rejected.length > 1 ? 's' : ''} had a field too small ` +
      `for a tolerance float64 can meet (${rejected.map((t) => `${t.smallest?.field} max|e| = ${exp1(t.smallest?.maxAbs ?? 0)}`).join('; ')}).`;

/**
 * The file text of a vector: one top-level key per line, each expected field on its own line,
 * arrays inline; numbers as `JSON.stringify` writes them (shortest round-trip form, so parsing
 * the file gives back the exact float64 values).
 */
export const formatVectorJson = (v: VectorJson): string => {
  const line = (k: string, x: unknown): string => `  ${JSON.stringify(k)}: ${JSON.stringify(x)}`;
  const expected = Object.entries(v.expected).map(([k, x]) => `  ${line(k, x)}`);
  return [
    '{',
    [
      line('id', v.id),
      line('description', v.description),
      line('mdp', v.mdp),
      line('reward', v.reward),
      line('nu', v.nu),
      line('lambda', v.lambda),
      line('theta', v.theta),
      line('utility', v.utility),
      `  "expected": {\n${expected.join(',\n')}\n  }`,
      line('tolerance', v.tolerance),
    ].join(',\n'),
    '}',
    '',
  ].join('\n');
};

/** Check the arguments of `makeVectors`; every problem is listed, its `field` the argument's name. */
export const validateMakeOptions = (
  o: MakeVectorsOptions,
): E.Either<NonEmptyArray<ValidationError>, { seed: number; count: number; kinds: ReadonlyArray<VectorKind> }> => {
  const errors: ValidationError[] = [];
  if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed) || o.seed < 0) {
    errors.push({ field: 'seed', message: `must be a safe integer ≥ 0, got ${String(o.seed)}` });
  }
  if (typeof o.count !== 'number' || !Number.isInteger(o.count) || o.count < 1 || o.count > MAX_VECTOR_COUNT) {
    errors.push({ field: 'count', message: `must be an integer in 1..${MAX_VECTOR_COUNT}, got ${String(o.count)}` });
  }
  const kinds = o.kinds ?? VECTOR_KINDS;
  if (kinds.length === 0) errors.push({ field: 'kinds', message: `must name at least one of ${VECTOR_KINDS.join(', ')}` });
  kinds.forEach((k, i) => {
    if (!isVectorKind(k)) errors.push({ field: 'kinds', index: [i], message: `unknown kind "${k}" (known: ${VECTOR_KINDS.join(', ')})` });
    else if (kinds.indexOf(k) !== i) errors.push({ field: 'kinds', index: [i], message: `"${k}" is listed more than once` });
  });
  // the order of the kinds does not matter: the canonical order is used everywhere (descriptions too)
  return errors.length > 0
    ? E.left(errors as NonEmptyArray<ValidationError>)
    : E.right({ seed: o.seed, count: o.count, kinds: VECTOR_KINDS.filter((k) => kinds.includes(k)) });
};

/** The kinds of cases `0 … count−1` for the given kinds (the 12-slot pattern, restricted). */
export const kindSchedule = (kinds: ReadonlyArray<VectorKind>, count: number): VectorKind[] => {
  const pattern = KIND_PATTERN.filter((k) => kinds.includes(k));
  return Array.from({ length: count }, (_, i) => pattern[i % pattern.length]);
};

/**
 * Conformance vectors from parl-ts's own float64 code (VECTORS.md schema): `count` cases of the
 * given kinds, drawn from `seed` (see the module comment; tolerances by `vectorTolerance`, from
 * the case's numerics and capped by its smallest non-exempt field; a draw whose cap falls below
 * what float64 can meet is replaced by the next draw of the same case stream).
 * Invalid arguments are a `Left` listing every problem. Pure and deterministic.
 *
 * - `garnet`: S ∈ 2..8, A ∈ 2..4 with S·A ≤ 24, branching 1..S, γ ∈ {0, 0.5, 0.8, 0.9, 0.95, 0.99},
 *   λ ∈ {0, 0.01, 0.03, 0.1, 0.3, 1}, tabular or linear reward, ρ uniform or random, θ ~ N(0,1) or
 *   near-deterministic, an additive utility (most cases with λ > 0) or none;
 * - `gridworld`: Sutton & Barto Example 3.5 (S·A = 100) with its 3 reward features, ν = [10, 5, −1]
 *   or perturbed, θ = 0, normal or near-deterministic;
 * - `chain`: the two-state chain, tabular or linear reward;
 * - `preference`: a Garnet with S ≤ 3, A = 2, λ > 0 and a preference utility (H ≤ 2, β ∈ {0.5, 1, 2, 5}).
 */
export const makeVectors = (o: MakeVectorsOptions): E.Either<NonEmptyArray<ValidationError>, ReadonlyArray<MadeVector>> => {
  const args = validateMakeOptions(o);
  if (E.isLeft(args)) return args;
  const { seed, count, kinds } = args.right;
  const master = makeRng(seed);
  const schedule = kindSchedule(kinds, count);
  const out: MadeVector[] = [];
  for (let i = 0; i < count; i++) {
    const caseSeed = master.int(0x7fffffff);
    const rng = makeRng(caseSeed);
    // draw from the case's own stream until the tolerance rule can be met (see `vectorTolerance`)
    const rejected: VectorTolerance[] = [];
    for (;;) {
      const draft = drawCase(schedule[i], rng);
      const id = `s${seed}-${String(i).padStart(3, '0')}-${draft.kind}-${draft.tag}`;
      const ev = evaluateDraft(draft, id);
      if (meetsNumerics(ev.tol)) {
        const origin = `Made by parl-ts (regression vector): parl vectors make --seed ${seed} --kinds ${kinds.join(',')}, ` +
          `case ${i} (case seed ${caseSeed}).${describeRedraws(rejected)}`;
        out.push(completeCase(draft, id, origin, ev));
        break;
      }
      rejected.push(ev.tol);
      if (rejected.length >= MAX_CASE_DRAWS) throw new Error(`internal: case ${i} of seed ${seed}: no draw meets the tolerance rule in ${MAX_CASE_DRAWS}`);
    }
  }
  return E.right(out);
};
