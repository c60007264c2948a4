/**
 * A-PARL (MATH.md §8; the paper's Algorithm 1) as a pure loop: for t = 0..T−1, K warm-started
 * policy-gradient steps θ ← θ + β ∇_θ J_λ(ν_t, θ), then ν_{t+1} = ν_t + α ĝ_t with ĝ_t the PARL
 * gradient (or the myopic one, the baseline) at θ^K. The only impure input is the clock used for
 * the wall-time column, which the caller injects.
 */
import * as E from 'fp-ts/lib/Either.js';
import { policyPointAt, policyPointAtOptimum } from '../upperLevel/policyPoint.js';
import type { PolicyPoint } from '../upperLevel/types.js';
import type { Mdp } from '../mdp/types.js';
import { nuScoreImplicitDense, nuScoreImplicitIterative } from '../nuScore/implicit.js';
import { plainOptimum, softOptimum } from '../optimal/index.js';
import { softmaxProbs } from '../policy/softmax.js';
import { makeRng } from '../random/rng.js';
import { rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { evaluatePolicy, evaluatePolicyTable } from '../value/policyEvaluation.js';
import type { AparlConfig } from './config.js';
import { policyGradientAscent } from './lowerLevel.js';
import { upperLevelExact, upperLevelSampled, type UpperLevelSpec } from '../upperLevel/objective.js';

/** A bilevel problem: the MDP, the reward model the lower level sees, the upper level, and r_true. */
export interface BilevelProblem {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly upper: UpperLevelSpec;
  /** The true reward, used only to report the true return of π_θ. */
  readonly rTrue: Readonly<Float64Array>;
  readonly nu0: Readonly<Float64Array>;
  readonly theta0: Readonly<Float64Array>;
}

/** One outer step of a run (MATH.md §8). */
export interface AparlRecord {
  readonly t: number;
  /** G(ν_t) at the point the gradient was taken (exact; NaN when not computable, e.g. sampled preferences too large to enumerate). */
  readonly G: number;
  /** ‖ĝ_t‖₂ of the step actually taken. */
  readonly stepGradNorm: number;
  /** ‖∇G(ν_t)‖₂ at θ*(ν_t) (the stationarity measure of the paper's theorem); NaN when not tracked. */
  readonly trueGradNorm: number;
  /** J of π_θ under r_true with λ = 0 (the true return). */
  readonly trueReturn: number;
  /** Lower-level gap J*_λ(ν_t) − J_λ(ν_t, θ^K) ≥ 0. */
  readonly lowerGap: number;
  /** Samples (trajectories or preference queries) used so far. */
  readonly queries: number;
  /** Milliseconds since the start of the run (from the injected clock). */
  readonly wallMs: number;
}

export interface AparlRun {
  readonly records: ReadonlyArray<AparlRecord>;
  readonly nu: Float64Array;
  readonly theta: Float64Array;
}

const norm2 = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
};

/** `J*_λ` for the reward r: soft optimum for λ > 0, plain for λ = 0. */
const optimalJ = (mdp: Mdp, r: Float64Array, lambda: number): number => {
  const rho = mdp.rho;
  const V = lambda > 0
    ? E.match(() => new Float64Array(mdp.S).fill(NaN), (o: { VStar: Float64Array }) => o.VStar)(softOptimum(mdp, r, lambda))
    : E.match(() => new Float64Array(mdp.S).fill(NaN), (o: { VStar: Float64Array }) => o.VStar)(plainOptimum(mdp, r));
  let J = 0;
  for (let s = 0; s < mdp.S; s++) J += rho[s] * V[s];
  return J;
};

/** Run A-PARL (MATH.md §8) on a problem with a validated configuration. */
export const runAparl = (
  problem: BilevelProblem,
  config: AparlConfig,
  opts: { readonly now?: () => number; readonly onStep?: (r: AparlRecord) => void } = {},
): E.Either<string, AparlRun> => {
  const { mdp, model, upper } = problem;
  const { S, A } = mdp;
  const now = opts.now ?? (() => 0);
  const t0 = now();
  const rng = makeRng(config.seed);
  let nu: Float64Array = Float64Array.from(problem.nu0);
  let theta: Float64Array = Float64Array.from(problem.theta0);
  let queries = 0;
  const records: AparlRecord[] = [];
  for (let t = 0; t < config.T; t++) {
    const r = rewardOf(model, nu);
    // lower level: K warm-started policy-gradient ascent steps (oracle mode solves it exactly)
    let point: PolicyPoint;
    if (config.mode === 'oracle') {
      const p = policyPointAtOptimum(mdp, model, nu, config.lambda);
      if (E.isLeft(p)) return E.left(`step ${t}: ${p.left.message}`);
      point = p.right;
      theta = Float64Array.from(p.right.optimum.thetaStar);
    } else {
      theta = policyGradientAscent(mdp, r, theta, config.lambda, config.beta, config.K);
      point = policyPointAt(mdp, model, nu, theta, config.lambda);
    }
    // upper level at θ^K
    const exact = config.mode !== 'sampled' || config.recordExactG
      ? upperLevelExact(upper, mdp, model, nu, point)
      : E.left('exact G not recorded (recordExactG: false)');
    let step: Float64Array;
    if (config.mode === 'sampled') {
      // ψ materialised at θ^K by the implicit route: dense for small S·A, MINRES per ν-coordinate otherwise
      const psi = (S * A <= 64 ? nuScoreImplicitDense : nuScoreImplicitIterative)(mdp, model, nu, theta, config.lambda).psi;
      const s = upperLevelSampled(upper, config.gradient, mdp, model, nu, point.pi, psi, config.N, rng.split());
      step = s.gradient;
      queries += s.queries;
    } else {
      if (E.isLeft(exact)) return E.left(`step ${t}: ${exact.left}`);
      step = config.gradient === 'parl' ? exact.right.gradG : exact.right.gradGMyopic;
    }
    let trueGradNorm = NaN;
    if (config.trackTrueGradient && config.lambda > 0) {
      const star = policyPointAtOptimum(mdp, model, nu, config.lambda);
      if (E.isRight(star)) {
        const v = upperLevelExact(upper, mdp, model, nu, star.right);
        if (E.isRight(v)) trueGradNorm = norm2(v.right.gradG);
      }
    }
    const pi = softmaxProbs(theta, S, A);
    const trueReturn = evaluatePolicyTable(mdp, problem.rTrue, pi, new Float64Array(S * A), 0).J;
    const lowerGap = optimalJ(mdp, r, config.lambda) - evaluatePolicy(mdp, r, theta, config.lambda).J;
    const record: AparlRecord = {
      t,
      G: E.isRight(exact) ? exact.right.G : NaN,
      stepGradNorm: norm2(step),
      trueGradNorm,
      trueReturn,
      lowerGap,
      queries,
      wallMs: now() - t0,
    };
    records.push(record);
    opts.onStep?.(record);
    const next = new Float64Array(nu.length);
    for (let i = 0; i < nu.length; i++) next[i] = nu[i] + config.alpha * step[i];
    nu = next;
  }
  return E.right({ records, nu, theta });
};
