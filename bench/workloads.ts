/**
 * The benchmark workloads, defined once for `npm run bench` (human tables) and `npm run bench:json`,
 * as the same work as the numpy peer (`../shared/peers/numpy_peer.py`) on a parl-ts Garnet with the
 * peer's parameters (branching min(S, 5), γ = 0.9, λ = 0.1; the two Garnets are drawn by different
 * generators, so they are the same kind of MDP, not the same numbers):
 *
 * - W1: `evaluatePolicy` + `policyGradientFromEvaluation` at a fresh θ ~ 3·N(0, 1) (its route: one
 *   dense LU below S = 256, GMRES on the sparse I − γP_π from there, src/value/bellmanSolve.ts; the peer's
 *   `evaluate`: π, V, Q, Adv, d, ∇J by two dense solves of I − γP_π and its transpose).
 * - W2: `softOptimum` for a fresh reward table r ~ U[0, 1) (the peer's soft policy iteration).
 * - W3: ψ materialised by the closed form, tabular reward (d = S·A): `nuScoreOf(sol, 'closed')` on
 *   a lower level solved (untimed) for a fresh ν ~ U[0, 1). The peer forms I − γP_{π*} and factorises
 *   it inside its timing; ours reuses the factorisation the solved lower level already carries
 *   (O(S³) of the O(S³ + S²·d) work).
 * - W4: additive ∇G given a materialised ψ (the peer's `additive_gradG`: evaluate a fresh utility u
 *   under π* by one LU, weights d∘π∘Q_u/(1−γ), contract them with ψ). Ours: `additiveObjectiveExact`
 *   at the solved lower level with a policy point whose ν-score VJP contracts the ψ materialised
 *   (untimed) by W3's route, so the timed work is the same (its weights use Adv_u = Q_u − V_u, which
 *   gives the same contraction since Σ_a π ψ = 0). The library's own route needs no ψ at all
 *   (`policyPointOf(sol)` + `upperLevelExact`, the closed-form VJP): timed as `W4-vjp` beside it.
 * - A-PARL: `runAparl` exact mode on a Garnet, additive design utility u = the Garnet's reward,
 *   per-step wall time from an injected clock; fresh ν₀ per run.
 */
import * as E from 'fp-ts/lib/Either.js';
import { runAparl, type BilevelProblem } from '../src/algorithm/aparl.js';
import { validateAparlConfig } from '../src/algorithm/config.js';
import { formatParlError } from '../src/errors/parlError.js';
import { policyGradientFromEvaluation } from '../src/gradient/policyGradient.js';
import { solveLowerLevel, type LowerSolution } from '../src/lowerLevel/lowerSolution.js';
import { garnetOrThrow } from '../src/mdp/index.js';
import type { MdpWithReward } from '../src/mdp/types.js';
import { contractPsi, nuScoreOf } from '../src/nuScore/routes.js';
import { softOptimum, type OptimumOptions, type SoftOptimum } from '../src/optimal/index.js';
import { makeRng, type Rng } from '../src/random/rng.js';
import type { RewardModel } from '../src/reward/rewardModel.js';
import { additiveObjectiveExact, type AdditiveObjective } from '../src/upperLevel/additive.js';
import { upperLevelExact } from '../src/upperLevel/objective.js';
import { policyPointOf } from '../src/upperLevel/policyPoint.js';
import type { PolicyPoint } from '../src/upperLevel/types.js';
import { evaluatePolicy } from '../src/value/policyEvaluation.js';
import type { PeerWorkload } from './peer.js';
import { timerOf, type Schedule, type Timer, type Workload } from './timing.js';

/** The peer's Garnet parameters (numpy_peer.py: `garnet(S, A, min(S, 5))`, γ = 0.9, λ = 0.1). */
export const BENCH_BRANCHING = 5;
export const BENCH_GAMMA = 0.9;
export const BENCH_LAMBDA = 0.1;

/** The workloads with a peer equivalent, and the library's VJP route of W4 (no peer equivalent). */
export type OurWorkload = PeerWorkload | 'W4-vjp';

/** One-line descriptions of the workloads (printed with the JSON results). */
export const WORKLOAD_DESCRIPTIONS: Readonly<Record<OurWorkload | 'aparl-step' | 'aparl-first-step', string>> = {
  W1: 'evaluatePolicy + policyGradientFromEvaluation at a fresh θ ~ 3·N(0,1) (one dense LU below S = 256, GMRES on the sparse I − γP_π from 256); peer: evaluate (π, V, Q, Adv, d, ∇J; two dense LAPACK solves)',
  W2: 'softOptimum for a fresh r ~ U[0,1); peer: soft_optimal (soft policy iteration, tol 1e-12)',
  W3: "ψ materialised, (S·A)×(S·A), tabular reward: nuScoreOf(sol, 'closed') at a lower level solved untimed for a fresh ν (its LU reused); peer: psi_closed (its LU inside the timing)",
  W4: 'additive ∇G given a materialised ψ: additiveObjectiveExact at θ*(ν) with a VJP contracting ψ, fresh ν and u; peer: additive_gradG',
  'W4-vjp': 'additive ∇G by the library route (policyPointOf(sol) + upperLevelExact, closed-form VJP, no ψ), fresh ν and u; not a peer workload',
  'aparl-step': 'A-PARL exact-mode outer step (runAparl), median of the steady-state steps from wallMs differences of an injected clock, fresh ν₀ per run',
  'aparl-first-step': 'A-PARL exact-mode first outer step from θ = 0 (wallMs of step 0), median over runs with fresh ν₀',
};

/** The seed of the benchmark Garnet at (S, A). */
export const garnetSeed = (S: number, A: number): number => 10_000 * A + S;

/** The benchmark Garnet at (S, A) with the peer's parameters. */
export const benchGarnet = (S: number, A: number): MdpWithReward =>
  garnetOrThrow({ S, A, branching: Math.min(BENCH_BRANCHING, S), gamma: BENCH_GAMMA, seed: garnetSeed(S, A) });

/**
 * Least untimed warm-up before the first round at S > 100 (ms): a cheap workload (W1 at S = 400 takes
 * ~5 ms) reaches the JIT's steady state only after some tens of calls, an expensive one after a few.
 */
export const BENCH_WARMUP_MS = 250;

/**
 * The schedule by size (bench/timing.ts), so the whole `bench:json` run stays within minutes on 2 cores.
 * Five alternations of ours and the peer's: this machine's speed drifts by up to 1.5× over seconds (a
 * plain float64 loop measured 5.5 ms in some 150 ms blocks and 8.5 ms in others), so a ratio needs
 * both sides sampled across the drift.
 */
export const defaultSchedule = (S: number): Schedule =>
  S <= 100
    ? { rounds: 5, warmup: 10, reps: 11 }
    : S <= 400
      ? { rounds: 5, warmup: 2, warmupMs: BENCH_WARMUP_MS, reps: 4 }
      : { rounds: 5, warmup: 1, warmupMs: BENCH_WARMUP_MS, reps: 2 };

const tabular = (S: number, A: number): RewardModel => ({ kind: 'tabular', S, A });

const draw = (rng: Rng, n: number, f: (rng: Rng) => number): Float64Array => {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = f(rng);
  return x;
};
const uniform01 = (rng: Rng): number => rng.uniform();

const orThrow = <A>(e: E.Either<{ readonly message: string }, A>, what: string): A => {
  if (E.isLeft(e)) throw new Error(`${what}: ${e.left.message}`);
  return e.right;
};

/** The lower level solved for a fresh ν ~ U[0, 1) (tabular reward). */
const freshSolution = (g: MdpWithReward, rng: Rng): LowerSolution => {
  const { S, A } = g.mdp;
  return orThrow(solveLowerLevel(g.mdp, tabular(S, A), draw(rng, S * A, uniform01), BENCH_LAMBDA), 'solveLowerLevel');
};

/** W1: evaluate + ∇J at a fresh θ. */
export const workloadW1 = (g: MdpWithReward, seed: number): Workload<Float64Array> => {
  const { mdp, reward } = g;
  const rng = makeRng(seed);
  return {
    prepare: () => draw(rng, mdp.S * mdp.A, (r) => 3 * r.normal()),
    run: (theta) => policyGradientFromEvaluation(mdp, evaluatePolicy(mdp, reward, theta, BENCH_LAMBDA)),
  };
};

/** W2: the soft optimum for a fresh reward table; `onResult` sees each optimum (iteration counts, residuals). */
export const workloadW2 = (g: MdpWithReward, seed: number, opts: OptimumOptions = {}, onResult: (o: SoftOptimum) => void = () => {}): Workload<Float64Array> => {
  const { mdp } = g;
  const rng = makeRng(seed);
  return {
    prepare: () => draw(rng, mdp.S * mdp.A, uniform01),
    run: (r) => {
      const o = orThrow(softOptimum(mdp, r, BENCH_LAMBDA, opts), 'softOptimum');
      onResult(o);
      return o;
    },
  };
};

/** W3: ψ materialised by the closed form at a lower level solved (untimed) for a fresh ν. */
export const workloadW3 = (g: MdpWithReward, seed: number): Workload<LowerSolution> => {
  const { S, A } = g.mdp;
  const rng = makeRng(seed);
  return {
    prepare: () => freshSolution(g, rng),
    run: (sol) => {
      const { psi } = orThrow(nuScoreOf(sol, 'closed'), 'nuScoreOf');
      if (psi.length !== S * A * S * A) throw new Error(`ψ has ${psi.length} entries, expected (S·A)² = ${(S * A) ** 2}`);
      return psi;
    },
  };
};

/** Inputs of W4: a policy point at θ*(ν) whose VJP contracts a materialised ψ, and a fresh utility. */
export interface W4Input {
  readonly point: PolicyPoint;
  readonly u: Float64Array;
}

/** W4: additive ∇G given ψ materialised (untimed) at a lower level solved for a fresh ν, fresh u ~ U[0, 1). */
export const workloadW4 = (g: MdpWithReward, seed: number): Workload<W4Input> => {
  const { S, A } = g.mdp;
  const rng = makeRng(seed);
  return {
    prepare: () => {
      const sol = freshSolution(g, rng);
      const { psi, report } = orThrow(nuScoreOf(sol, 'closed'), 'nuScoreOf');
      const point: PolicyPoint = {
        lower: sol,
        pi: sol.optimum.piStar,
        route: 'closed',
        nuScoreVjp: (w) => ({ value: contractPsi(psi, w), report }),
        reports: sol.reports,
      };
      return { point, u: draw(rng, S * A, uniform01) };
    },
    run: ({ point, u }): AdditiveObjective => additiveObjectiveExact(point, { kind: 'additive', u }),
  };
};

/** W4 by the library's route: `policyPointOf(sol)` + `upperLevelExact` (closed-form VJP, no ψ). */
export const workloadW4Vjp = (g: MdpWithReward, seed: number): Workload<{ readonly sol: LowerSolution; readonly u: Float64Array }> => {
  const { S, A } = g.mdp;
  const rng = makeRng(seed);
  return {
    prepare: () => ({ sol: freshSolution(g, rng), u: draw(rng, S * A, uniform01) }),
    run: ({ sol, u }) => orThrow(upperLevelExact({ kind: 'additive', utility: { kind: 'additive', u } }, policyPointOf(sol)), 'upperLevelExact'),
  };
};

/** The seed of a workload's fresh inputs at (S, A). */
export const workloadSeed = (w: OurWorkload, S: number, A: number): number =>
  garnetSeed(S, A) + 1 + (['W1', 'W2', 'W3', 'W4', 'W4-vjp'] as const).indexOf(w);

/** A timer of a workload of ours at (S, A) on the benchmark Garnet, fresh inputs from `workloadSeed`. */
export const oursTimer = (w: OurWorkload, S: number, A: number): Timer => {
  const g = benchGarnet(S, A);
  const seed = workloadSeed(w, S, A);
  switch (w) {
    case 'W1':
      return timerOf(workloadW1(g, seed));
    case 'W2':
      return timerOf(workloadW2(g, seed));
    case 'W3':
      return timerOf(workloadW3(g, seed));
    case 'W4':
      return timerOf(workloadW4(g, seed));
    default:
      return timerOf(workloadW4Vjp(g, seed));
  }
};

/** The A-PARL measurement: Garnet (S, A), exact mode, K inner steps, T outer steps per run. */
export interface AparlPlan {
  readonly S: number;
  readonly A: number;
  readonly K: number;
  /** Outer steps per run (> steadyFrom). */
  readonly T: number;
  /** The steady state is steps steadyFrom..T−1. */
  readonly steadyFrom: number;
  /** Rounds (ours, then the peer's) and timed runs per round, each run from θ = 0 at a fresh ν₀. */
  readonly rounds: number;
  readonly runs: number;
  /** Untimed runs before the first round. */
  readonly warmupRuns: number;
}

export const DEFAULT_APARL_PLAN: AparlPlan = { S: 100, A: 4, K: 10, T: 30, steadyFrom: 10, rounds: 3, runs: 3, warmupRuns: 1 };

/** The A-PARL samples of some runs: each run's first step and its steady-state steps (ms). */
export interface AparlSamples {
  readonly firstStepsMs: ReadonlyArray<number>;
  readonly steadyStepsMs: ReadonlyArray<number>;
}

/**
 * A timer of A-PARL exact-mode outer steps: `(runs, warmupRuns)` makes `warmupRuns` untimed runs
 * and `runs` timed ones, each from θ = 0 at a fresh ν₀ = ½ r + 0.1·N(0, 1) (the stream continues
 * from call to call), and returns each run's first step (its record's wallMs) and its steps
 * steadyFrom..T−1 (differences of the records' wallMs under an injected performance.now clock).
 */
export const aparlTimer = (plan: AparlPlan): ((runs: number, warmupRuns: number) => AparlSamples) => {
  if (!(plan.T > plan.steadyFrom && plan.steadyFrom >= 1)) throw new RangeError(`A-PARL plan needs T > steadyFrom ≥ 1, got T = ${plan.T}, steadyFrom = ${plan.steadyFrom}`);
  const g = benchGarnet(plan.S, plan.A);
  const { S, A } = g.mdp;
  const rng = makeRng(garnetSeed(S, A) + 100);
  const validated = validateAparlConfig({ mode: 'exact', K: plan.K, T: plan.T, alpha: 0.5, lambda: BENCH_LAMBDA, trackTrueGradient: false });
  if (E.isLeft(validated)) throw new Error(`A-PARL config: ${validated.left.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  const cfg = validated.right;
  let seed = 0;
  return (runs, warmupRuns) => {
    const firsts: number[] = [];
    const steady: number[] = [];
    for (let run = 0; run < warmupRuns + runs; run++) {
      const problem: BilevelProblem = {
        name: 'bench',
        mdp: g.mdp,
        model: tabular(S, A),
        rTrue: g.reward,
        upper: { kind: 'additive', utility: { kind: 'additive', u: Float64Array.from(g.reward) } },
        nu0: Float64Array.from(g.reward, (x) => 0.5 * x + 0.1 * rng.normal()),
        theta0: new Float64Array(S * A),
      };
      const result = runAparl(problem, { ...cfg, seed: ++seed }, { now: () => performance.now() });
      if (E.isLeft(result)) throw new Error(formatParlError(result.left));
      if (run < warmupRuns) continue;
      const w = result.right.records.map((r) => r.wallMs);
      firsts.push(w[0]);
      for (let t = plan.steadyFrom; t < w.length; t++) steady.push(w[t] - w[t - 1]);
    }
    return { firstStepsMs: firsts, steadyStepsMs: steady };
  };
};
