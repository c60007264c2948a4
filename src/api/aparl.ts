/**
 * Public A-PARL (MATH.md §8; the paper's Algorithm 1), validated: the bilevel problem (MDP, reward
 * model, upper level, r_true, ν₀, θ₀) and the configuration over its defaults; the records say
 * `null` where the internal loop has no number (G not computable, ‖∇G‖ not tracked).
 */
import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_APARL_CONFIG, validateAparlConfig, type AparlConfig } from '../algorithm/config.js';
import { runAparl as runAparlInternal, type AparlRecord as AparlRecordInternal, type BilevelProblem } from '../algorithm/aparl.js';
import type { Mdp } from '../mdp/types.js';
import { describeValue } from '../mdp/validate.js';
import type { SolveReport } from '../numerics/solveReport.js';
import type { RewardModel } from '../reward/rewardModel.js';
import type { UpperLevelSpec } from '../upperLevel/objective.js';
import { invalidInput } from '../errors/parlError.js';
import { checkSpec } from './bilevel.js';
import { floorLogits, LOGIT_FLOOR } from './value.js';
import { all, checkMdp, checkModel, checkNu, checkTable, fromValidation, lambdaScale, maxAbs, publicReport, requireFinite, total, type Result } from './validate.js';

/** One outer step of a run (MATH.md §8), as `runAparl` returns it. */
export interface AparlRecord {
  readonly t: number;
  /** G(ν_t) at the point the gradient was taken; `null` when not computable (sampled preferences too large to enumerate). */
  readonly G: number | null;
  /** ‖ĝ_t‖₂ of the step taken. */
  readonly stepGradNorm: number;
  /** ‖∇G(ν_t)‖₂ at θ*(ν_t) (the paper's stationarity measure); `null` when not tracked (`trackTrueGradient: false`, or λ = 0). */
  readonly trueGradNorm: number | null;
  /** J of π_θ under r_true with λ = 0 (the true return). */
  readonly trueReturn: number;
  /** Lower-level gap J*_λ(ν_t) − J_λ(ν_t, θ^K) ≥ 0; `null` when J* could not be computed. */
  readonly lowerGap: number | null;
  /** Samples (trajectories or preference queries) used so far. */
  readonly queries: number;
  /** Every solve behind the record (the lower-level optimum, the ν-score solve of the step). */
  readonly solves: ReadonlyArray<SolveReport>;
}

/** A run of A-PARL: its records, the final ν and θ. */
export interface AparlRun {
  readonly records: ReadonlyArray<AparlRecord>;
  readonly nu: Float64Array;
  readonly theta: Float64Array;
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

const publicRecord = (r: AparlRecordInternal): AparlRecord => ({
  t: r.t,
  G: orNull(r.G),
  stepGradNorm: r.stepGradNorm,
  trueGradNorm: orNull(r.trueGradNorm),
  trueReturn: r.trueReturn,
  lowerGap: orNull(r.lowerGap),
  queries: r.queries,
  solves: r.solves.map(publicReport),
});

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);

/** A field of the checks below as a field of the problem: `spec.x` → `problem.upper.x`, `nu` → `problem.nu0`, `f` → `problem.f`. */
const problemField = (f: string): string =>
  f === 'problem' || f.startsWith('problem.') ? f : f === 'spec' || f.startsWith('spec.') ? `problem.upper${f.slice(4)}` : f === 'nu' ? 'problem.nu0' : `problem.${f}`;

/** `r` with every error field renamed by `rename` (its `errors` too). */
const renamed = <T>(r: Result<T>, rename: (f: string) => string): Result<T> => {
  if (E.isRight(r)) return r;
  const e = r.left;
  if (e._tag !== 'InvalidInput') return E.left({ ...e, field: rename(e.field) });
  return E.left({ ...e, field: rename(e.field), errors: e.errors.map((x) => ({ ...x, field: rename(x.field) })) as unknown as typeof e.errors });
};

/** The problem's fields checked against its MDP, errors on `problem.<field>` (`problem.mdp.P`, `problem.upper.utility.u`, `problem.nu0`, …). */
const checkProblem = (input: unknown): Result<BilevelProblem> => renamed(checkProblemFields(input), problemField);

const checkProblemFields = (input: unknown): Result<BilevelProblem> => {
  if (!isRecord(input)) return E.left(invalidInput('problem', `expected {mdp, model, upper, rTrue, nu0, theta0, name?}, got ${describeValue(input)}`));
  const mdp = checkMdp(input.mdp);
  if (E.isLeft(mdp)) return mdp;
  const m = mdp.right;
  const model = checkModel(m, input.model);
  if (E.isLeft(model)) return model;
  const name = input.name === undefined ? 'problem' : input.name;
  if (typeof name !== 'string') return E.left(invalidInput('problem.name', `expected a string, got ${describeValue(name)}`));
  return E.map(([upper, rTrue, nu0, theta0]: readonly [UpperLevelSpec, Float64Array, Float64Array, Float64Array]): BilevelProblem =>
    ({ name, mdp: m, model: model.right, upper, rTrue, nu0, theta0 }))(
    all<readonly [UpperLevelSpec, Float64Array, Float64Array, Float64Array]>([
      checkSpec(m, input.upper),
      checkTable(m, input.rTrue, 'rTrue'),
      checkNu(model.right, input.nu0),
      checkTable(m, input.theta0, 'theta0'),
    ]),
  );
};

/** A bilevel problem for `runAparl` (MATH.md §8). */
export interface AparlProblem {
  /** A label for the records (default `"problem"`). */
  readonly name?: string;
  readonly mdp: Mdp;
  /** The reward model r_ν the lower level sees. */
  readonly model: RewardModel;
  /** What the upper level optimises: an additive utility table or teacher preferences. */
  readonly upper: UpperLevelSpec;
  /** The true reward (S×A), used only to report the true return of π_θ. */
  readonly rTrue: Readonly<Float64Array>;
  /** ν₀, of the model's dimension. */
  readonly nu0: Readonly<Float64Array>;
  /** θ₀, an S×A table of logits. */
  readonly theta0: Readonly<Float64Array>;
}

/**
 * The field an error raised during the run belongs to: a configuration key is the caller's
 * `config.<key>`; anything else (r_ν, π, θ reached by the iteration) is the run's own state,
 * `run.<field>`, with the step named in the message.
 */
const runField = (f: string): string => (f in DEFAULT_APARL_CONFIG ? `config.${f}` : f.startsWith('config.') || f.startsWith('problem.') ? f : `run.${f}`);

/**
 * θ₀ with every row whose logits spread beyond `LOGIT_FLOOR` replaced by `floorLogits` of it (the
 * same policy, one-hot to float64, with finite log-probabilities; MATH.md §2); other rows unchanged,
 * so ordinary θ₀ keep their bits. Without it a row such as (1e308, −1e308) has log π = −∞, an
 * infinite advantage and a NaN gradient in the first inner step.
 */
const floorExtremeRows = (theta: Readonly<Float64Array>, A: number): Float64Array => {
  const out = Float64Array.from(theta);
  for (let o = 0; o < theta.length; o += A) {
    let hi = -Infinity;
    let lo = Infinity;
    for (let a = 0; a < A; a++) {
      hi = Math.max(hi, theta[o + a]);
      lo = Math.min(lo, theta[o + a]);
    }
    if (hi - lo > LOGIT_FLOOR) out.set(floorLogits(theta.subarray(o, o + A), A), o);
  }
  return out;
};

/**
 * Run A-PARL (MATH.md §8): for t = 0..T−1, K warm-started policy-gradient steps θ ← θ + β∇_θJ_λ(ν_t, θ),
 * then ν_{t+1} = ν_t + α ĝ_t with ĝ_t the PARL gradient (or the myopic one, or a hypergradient
 * route) at θ^K. `config` is a partial `AparlConfig` over the defaults (mode `exact`, gradient
 * `parl`, T = 50, K = 5, β = 1, α = 0.5, λ = 0.1, N = 64, σ = 100, seed 1, trackTrueGradient,
 * recordExactG, baseline `none`); every problem is reported on `config.<field>`, the problem's on
 * `problem.<field>`. Deterministic given `config.seed`. The work grows as T·K solves of size S:
 * the caller chooses T and K.
 */
export const runAparl = (problem: AparlProblem, config: Partial<AparlConfig> = {}): Result<AparlRun> =>
  total('runAparl', () =>
    E.chain(([p, c]: readonly [BilevelProblem, AparlConfig]) =>
      E.chain((run: { readonly records: ReadonlyArray<AparlRecordInternal>; readonly nu: Float64Array; readonly theta: Float64Array }) =>
        requireFinite('the A-PARL run', { records: run.records.map(publicRecord), nu: run.nu, theta: run.theta }, [
          { field: 'config.alpha', what: 'α', value: c.alpha },
          { field: 'config.beta', what: 'β', value: c.beta },
          { field: 'config.lambda', what: 'max(λ, 1/λ)', value: lambdaScale(c.lambda) },
          { field: 'problem.nu0', what: 'max |ν₀|', value: maxAbs(p.nu0) },
        ]))(renamed(runAparlInternal({ ...p, theta0: floorExtremeRows(p.theta0, p.mdp.A) }, c), runField)))(
      all<readonly [BilevelProblem, AparlConfig]>([checkProblem(problem), fromValidation(validateAparlConfig(config), 'config')]),
    ));
