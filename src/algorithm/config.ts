/**
 * A-PARL's configuration (MATH.md §8) and its validation: every problem is reported, with the
 * field it concerns, before any work starts.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { type ValidationError } from '../errors/parlError.js';

/** How the upper-level gradient is obtained at each outer step. */
export type AparlMode = 'exact' | 'sampled' | 'oracle';

/** The upper-gradient choices of A-PARL. */
export type AparlGradient = 'parl' | 'myopic' | 'unrolled' | 'first-order' | 'zeroth-order';
export const APARL_GRADIENTS: ReadonlyArray<AparlGradient> = ['parl', 'myopic', 'unrolled', 'first-order', 'zeroth-order'];

/** A-PARL's hyper-parameters. */
export interface AparlConfig {
  /** exact: expectations exact, ψ by the implicit route at θ^K; sampled: N samples per outer step; oracle: θ*(ν) and closed-form ψ. */
  readonly mode: AparlMode;
  /**
   * The upper gradient of each outer step: 'parl' (∇G with the implicit ν-score at θ^K), 'myopic' (the
   * ν-score term dropped, the PEBBLE-style baseline), or a hypergradient route of src/hypergradient:
   * 'unrolled' (through the K inner steps from the warm start), 'first-order' (value-gap penalty with
   * weight `sigma`), 'zeroth-order' (`N` smoothing directions). The routes need exact or oracle mode.
   */
  readonly gradient: AparlGradient;
  /** Outer iterations T. */
  readonly T: number;
  /** Inner policy-gradient steps K per outer step (warm-started). */
  readonly K: number;
  /** Inner step size β. */
  readonly beta: number;
  /** Outer step size α. */
  readonly alpha: number;
  /** Entropy weight λ of the lower level. */
  readonly lambda: number;
  /** Samples (trajectories or preference queries) per outer step, sampled mode; smoothing directions of the zeroth-order gradient. */
  readonly N: number;
  /** Penalty weight σ of the first-order gradient. */
  readonly sigma: number;
  /** Seed of every random draw of the run. */
  readonly seed: number;
  /** Compute ‖∇G(ν_t)‖ at θ*(ν_t) each step (needs λ > 0; one extra optimum per step). */
  readonly trackTrueGradient: boolean;
  /** In sampled mode, also compute the exact G(ν_t) for the records (an enumeration for preferences); exact and oracle modes always do. */
  readonly recordExactG: boolean;
  /**
   * Baseline of the sampled PARL gradient's score term: 'none' (b = 0) or 'leave-one-out' (sample
   * i uses the mean U of the other N − 1 samples; unbiased, needs N ≥ 2). Sampled mode with the
   * parl gradient only.
   */
  readonly baseline: 'none' | 'leave-one-out';
}

export const DEFAULT_APARL_CONFIG: AparlConfig = {
  mode: 'exact',
  gradient: 'parl',
  T: 50,
  K: 5,
  beta: 1,
  alpha: 0.5,
  lambda: 0.1,
  N: 64,
  sigma: 100,
  seed: 1,
  trackTrueGradient: true,
  recordExactG: true,
  baseline: 'none',
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validate a (partial) configuration over the defaults, collecting every error (MATH.md §8). */
export const validateAparlConfig = (input: unknown): E.Either<NonEmptyArray<ValidationError>, AparlConfig> => {
  if (!isObject(input)) return E.left([{ field: '$', message: 'expected an object of A-PARL options' }]);
  const errs: ValidationError[] = [];
  const known = new Set(Object.keys(DEFAULT_APARL_CONFIG));
  for (const k of Object.keys(input)) if (!known.has(k)) errs.push({ field: k, message: `unknown option (known: ${[...known].join(', ')})` });
  const c = { ...DEFAULT_APARL_CONFIG, ...input } as Record<string, unknown>;
  const int = (f: string, min: number): void => {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) errs.push({ field: f, message: `must be an integer ≥ ${min}, got ${JSON.stringify(v)}` });
  };
  const nonneg = (f: string, what: string): void => {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) errs.push({ field: f, message: `${what} must be a finite number ≥ 0, got ${JSON.stringify(v)}` });
  };
  if (!['exact', 'sampled', 'oracle'].includes(c.mode as string)) errs.push({ field: 'mode', message: `must be exact, sampled or oracle, got ${JSON.stringify(c.mode)}` });
  if (!APARL_GRADIENTS.includes(c.gradient as AparlGradient)) errs.push({ field: 'gradient', message: `must be ${APARL_GRADIENTS.join(', ')}; got ${JSON.stringify(c.gradient)}` });
  else if (c.mode === 'sampled' && c.gradient !== 'parl' && c.gradient !== 'myopic') {
    errs.push({ field: 'gradient', message: `${c.gradient as string} needs exact or oracle mode (sampled mode estimates the parl or myopic gradient)` });
  }
  if ((c.gradient === 'first-order') && c.lambda === 0) {
    errs.push({ field: 'lambda', message: 'the first-order (value-gap penalty) gradient needs λ > 0: J*_λ and θ* do not exist as smooth functions of ν at λ = 0' });
  }
  int('T', 1);
  int('K', 1);
  int('N', 1);
  int('seed', 0);
  nonneg('beta', 'the inner step size β');
  nonneg('alpha', 'the outer step size α');
  nonneg('lambda', 'the entropy weight λ');
  if (typeof c.sigma !== 'number' || !Number.isFinite(c.sigma) || c.sigma <= 0) errs.push({ field: 'sigma', message: `the penalty weight σ must be a finite number > 0, got ${JSON.stringify(c.sigma)}` });
  if (typeof c.trackTrueGradient !== 'boolean') errs.push({ field: 'trackTrueGradient', message: 'must be true or false' });
  if (typeof c.recordExactG !== 'boolean') errs.push({ field: 'recordExactG', message: 'must be true or false' });
  if (c.baseline !== 'none' && c.baseline !== 'leave-one-out') errs.push({ field: 'baseline', message: `must be none or leave-one-out, got ${JSON.stringify(c.baseline)}` });
  else if (c.baseline === 'leave-one-out') {
    if (c.mode !== 'sampled' || c.gradient !== 'parl') errs.push({ field: 'baseline', message: 'the leave-one-out baseline applies to the score term of the sampled PARL gradient (mode sampled, gradient parl)' });
    if (typeof c.N === 'number' && c.N < 2) errs.push({ field: 'baseline', message: `the leave-one-out baseline needs N ≥ 2 samples per step, got N = ${c.N}` });
  }
  if (c.mode === 'oracle' && c.lambda === 0) {
    errs.push({ field: 'lambda', message: 'oracle mode needs λ > 0: θ*(ν) does not exist at λ = 0 (the optimum is deterministic); use exact or sampled mode' });
  }
  return errs.length > 0 ? E.left(errs as NonEmptyArray<ValidationError>) : E.right(c as unknown as AparlConfig);
};
