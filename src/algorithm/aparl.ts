/**
 * A-PARL (MATH.md §8; the paper's Algorithm 1) as a pure loop: for t = 0..T−1, K warm-started
 * policy-gradient steps θ ← θ + β ∇_θ J_λ(ν_t, θ), then ν_{t+1} = ν_t + α ĝ_t with ĝ_t the PARL
 * gradient (or the myopic one, the baseline) at θ^K. The only impure input is the clock used for
 * the wall-time column, which the caller injects.
 */
import * as E from 'fp-ts/lib/Either.js';
import { invalidInput, type ParlError } from '../errors/parlError.js';
import { lowerPointFor, solveLowerLevelFor, type LowerProblem, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import type { Mdp } from '../mdp/types.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { nuScoreOf } from '../nuScore/routes.js';
import { plainOptimum } from '../optimal/index.js';
import { makeRng, type Rng } from '../random/rng.js';
import { firstOrderHypergradient, unrolledHypergradient, zerothOrderHypergradient, type Hypergradient } from '../hypergradient/routes.js';
import { rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { policyPointAtLower, policyPointOf } from '../upperLevel/policyPoint.js';
import type { PolicyPoint } from '../upperLevel/types.js';
import { evaluatePolicyTable, objective } from '../value/policyEvaluation.js';
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
  /**
   * The report of every solve behind this record: the lower-level optimum (quantity `V*`, whenever
   * θ* or J* is used: oracle mode, the lower gap, ‖∇G‖ at θ*) and the ν-score solve of the step
   * (quantity `psi·w` or `psi`), and the ν-score at θ* when ‖∇G(ν_t)‖ is tracked.
   */
  readonly solves: ReadonlyArray<SolveReport>;
}

export interface AparlRun {
  readonly records: ReadonlyArray<AparlRecord>;
  readonly nu: Float64Array;
  readonly theta: Float64Array;
}

/**
 * Largest S·A at which exact mode solves the implicit ν-score VJP at θ^K directly (the closed-form
 * Hessian and one LU on a gauge complement, O(S³ + (S(A−1))³)) instead of by MINRES, whose iteration
 * count away from θ*(ν) reaches S·A and beyond. Measured on Garnets (branching 5, γ = 0.9, λ = 0.1,
 * θ ~ 2·N(0,1)), one VJP, on a loaded 2-core machine: S·A = 400: direct 74–260 ms, MINRES 1452
 * iterations 510–820 ms; S·A = 1024: direct 0.45–1.3 s, MINRES 4087 iterations 3.8–4.7 s. The
 * direct solve's memory, (S·A)² doubles (8 MB at the limit), and its cubic cost bound it above.
 */
export const APARL_DIRECT_SOLVE_MAX_N = 1024;

/** The implicit VJP solver of exact mode at size (S, A). */
export const implicitSolverFor = (S: number, A: number): 'direct' | 'minres' => (S * A <= APARL_DIRECT_SOLVE_MAX_N ? 'direct' : 'minres');

const norm2 = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  if (Number.isFinite(s) && (s > 1e-290 || s === 0)) return Math.sqrt(s);
  // squares overflowed (or underflowed): the same norm scaled by max|xᵢ|
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  if (!(m > 0) || !Number.isFinite(m)) return Number.isNaN(m) ? NaN : m;
  let t = 0;
  for (let i = 0; i < x.length; i++) t += (x[i] / m) ** 2;
  return m * Math.sqrt(t);
};

/** `J*_λ` with its report: the solved lower level's for λ > 0, the plain optimum's for λ = 0. */
const optimalJ = (problem: LowerProblem, sol: LowerSolution | null): { readonly J: number; readonly report: SolveReport | null } => {
  if (sol !== null) return { J: objective(problem.mdp.rho, sol.optimum.VStar), report: sol.optimum.report };
  const o = plainOptimum(problem.mdp, problem.r);
  return E.isLeft(o) ? { J: NaN, report: null } : { J: objective(problem.mdp.rho, o.right.VStar), report: o.right.report };
};

/** `e` with the outer step it happened at prefixed to its message (and to every problem of an `InvalidInput`). */
const atStep = (t: number, e: ParlError): ParlError => {
  const at = <V extends { readonly message: string }>(v: V): V => ({ ...v, message: `step ${t}: ${v.message}` });
  if (e._tag !== 'InvalidInput') return at(e);
  const [first, ...rest] = e.errors;
  return { ...at(e), errors: [at(first), ...rest.map(at)] };
};

/**
 * The step of a hypergradient route (src/hypergradient): unrolled through this step's K inner
 * steps from the warm start, the value-gap penalty with weight σ at θ*(ν_t), or N zeroth-order
 * directions (the lower level solved exactly at each point).
 */
const hypergradientStep = (
  config: AparlConfig,
  upper: UpperLevelSpec,
  problem: LowerProblem,
  thetaWarm: Readonly<Float64Array>,
  sol: LowerSolution | null,
  rng: Rng,
): E.Either<ParlError, Hypergradient> => {
  switch (config.gradient) {
    case 'unrolled':
      return unrolledHypergradient(upper, problem, thetaWarm, { K: config.K, beta: config.beta });
    case 'first-order':
      return sol === null
        ? E.left(invalidInput('lambda', 'the first-order gradient needs λ > 0'))
        : firstOrderHypergradient(upper, sol, { sigma: config.sigma });
    default:
      return zerothOrderHypergradient(upper, problem, { N: config.N }, rng.split());
  }
};

/**
 * Run A-PARL (MATH.md §8) on a problem with a validated configuration: one lower-level solve per
 * outer step. `Left` is the first solve's `ParlError` that stopped the run (its message prefixed
 * with the step), or `InvalidInput` on `mode` for oracle mode at λ = 0.
 */
export const runAparl = (
  problem: BilevelProblem,
  config: AparlConfig,
  opts: { readonly now?: () => number; readonly onStep?: (r: AparlRecord) => void } = {},
): E.Either<ParlError, AparlRun> => {
  const { mdp, model, upper } = problem;
  const { S, A } = mdp;
  const now = opts.now ?? (() => 0);
  const t0 = now();
  const rng = makeRng(config.seed);
  let nu: Float64Array = Float64Array.from(problem.nu0);
  let theta: Float64Array = Float64Array.from(problem.theta0);
  let queries = 0;
  const records: AparlRecord[] = [];
  const lambda = config.lambda;
  for (let t = 0; t < config.T; t++) {
    // r_ν formed once per step; the lower level solved at most once per step (λ > 0)
    const lowerProblem: LowerProblem = { mdp, model, nu, lambda, r: rewardOf(model, nu) };
    let sol: LowerSolution | null = null;
    if (lambda > 0) {
      const solved = solveLowerLevelFor(lowerProblem);
      if (E.isLeft(solved)) return E.left(atStep(t, solved.left));
      sol = solved.right;
    }
    const solves: SolveReport[] = [];
    let thetaWarm = theta;
    // lower level: K warm-started policy-gradient ascent steps (oracle mode takes θ* itself)
    let point: PolicyPoint;
    if (config.mode === 'oracle') {
      if (sol === null) return E.left(atStep(t, invalidInput('mode', 'oracle mode needs λ > 0 (θ* does not exist at λ = 0)')));
      point = policyPointOf(sol);
      theta = Float64Array.from(sol.theta);
    } else {
      thetaWarm = theta;
      theta = policyGradientAscent(mdp, lowerProblem.r, theta, lambda, config.beta, config.K);
      const bad = theta.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        return E.left(atStep(t, invalidInput('beta', `the inner policy-gradient steps left θ[${bad}] = ${theta[bad]}: β = ${config.beta} is too large a step for this problem (or the rewards overflow)`)));
      }
      point = policyPointAtLower(lowerPointFor(lowerProblem, theta), 'implicit', { solver: implicitSolverFor(S, A) });
    }
    const J = config.mode === 'oracle' && sol !== null ? sol.evaluation.J : point.lower.evaluation.J;
    // upper level at θ^K (its reports: the point's and the ν-score solve's)
    const exact = config.mode !== 'sampled' || config.recordExactG
      ? upperLevelExact(upper, point)
      : E.left(invalidInput('recordExactG', 'exact G not recorded (recordExactG: false)'));
    if (E.isRight(exact)) solves.push(...exact.right.reports);
    let step: Float64Array;
    if (config.mode === 'sampled') {
      // ψ materialised at θ^K by the implicit route: dense for small S·A, MINRES per ν-coordinate otherwise
      const psiE = nuScoreOf(point.lower, S * A <= 64 ? 'dense' : 'implicit');
      if (E.isLeft(psiE)) return E.left(atStep(t, psiE.left));
      solves.push(psiE.right.report);
      const s = upperLevelSampled(upper, config.gradient === 'myopic' ? 'myopic' : 'parl', mdp, model, nu, point.pi, psiE.right.psi, config.N, rng.split(), { baseline: config.baseline === 'leave-one-out' ? 'leave-one-out' : 0 });
      step = s.gradient;
      queries += s.queries;
    } else if (config.gradient === 'parl' || config.gradient === 'myopic') {
      if (E.isLeft(exact)) return E.left(atStep(t, exact.left));
      step = config.gradient === 'parl' ? exact.right.gradG : exact.right.gradGMyopic;
    } else {
      const hg = hypergradientStep(config, upper, lowerProblem, thetaWarm, sol, rng);
      if (E.isLeft(hg)) return E.left(atStep(t, hg.left));
      solves.push(...hg.right.reports.filter((r) => !solves.includes(r) && r !== sol?.optimum.report));
      step = hg.right.gradient;
    }
    let trueGradNorm = NaN;
    if (config.trackTrueGradient && sol !== null) {
      const v = config.mode === 'oracle' ? exact : upperLevelExact(upper, policyPointOf(sol));
      if (E.isRight(v)) {
        trueGradNorm = norm2(v.right.gradG);
        if (config.mode !== 'oracle') solves.push(...v.right.reports.filter((r) => r !== sol!.optimum.report));
      }
    }
    const star = optimalJ(lowerProblem, sol);
    if (star.report !== null && !solves.includes(star.report)) solves.unshift(star.report);
    const pi = point.pi;
    // under the same π as the point's evaluation: its factorisation of I − γP_π is reused
    const trueReturn = evaluatePolicyTable(mdp, problem.rTrue, pi, new Float64Array(S * A), 0, point.lower.evaluation).J;
    const record: AparlRecord = {
      t,
      G: E.isRight(exact) ? exact.right.G : NaN,
      stepGradNorm: norm2(step),
      trueGradNorm,
      trueReturn,
      lowerGap: star.J - J,
      queries,
      wallMs: now() - t0,
      solves,
    };
    records.push(record);
    opts.onStep?.(record);
    const next = new Float64Array(nu.length);
    for (let i = 0; i < nu.length; i++) next[i] = nu[i] + config.alpha * step[i];
    const badNu = next.findIndex((x) => !Number.isFinite(x));
    if (badNu >= 0) {
      return E.left(atStep(t, invalidInput('alpha', `the upper step left ν[${badNu}] = ${next[badNu]} (α = ${config.alpha}, ĝ[${badNu}] = ${step[badNu]}): α is too large a step here, or θ^K (β = ${config.beta}) made the gradient overflow`)));
    }
    nu = next;
  }
  return E.right({ records, nu, theta });
};
