/**
 * Hypergradient routes compared (src/hypergradient/routes.ts, MATH.md §6–§7): on one bilevel
 * problem, ∇_ν G by the closed-form reference and, at several budgets each, by the implicit
 * function theorem (MINRES iterations), by unrolling K policy-gradient steps, by the value-gap
 * penalty (σ), by two-point Gaussian smoothing (N directions), and the myopic gradient, with each
 * point's relative error, cosine to ∇G and cost. Shared by `parl hypergradients` (which times
 * each call with its clock) and the experiment "hypergradients" of `parl run` (which has no
 * clock and plots error against exact policy evaluations).
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError, type ParlError } from '../errors/parlError.js';
import { hessianJ } from '../hessian/index.js';
import {
  exactHypergradient,
  firstOrderHypergradient,
  implicitHypergradient,
  myopicHypergradient,
  unrolledHypergradient,
  zerothOrderHypergradient,
  type Hypergradient,
  type HypergradientRoute,
} from '../hypergradient/routes.js';
import { solve } from '../linalg/lu.js';
import { symmetricEigen } from '../linalg/symmetricEigen.js';
import { solveLowerLevel, type LowerSolution } from '../lowerLevel/lowerSolution.js';
import { garnetOrThrow, twoStateChain } from '../mdp/index.js';
import type { Mdp } from '../mdp/types.js';
import { tallySolves, type SolveReport } from '../numerics/solveReport.js';
import { makeRng } from '../random/rng.js';
import { lineChart } from '../report/figures.js';
import { rewardDimension, type RewardModel } from '../reward/rewardModel.js';
import type { UpperLevelSpec } from '../upperLevel/objective.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';
import { designProblem, rlhfProblem } from './problems.js';
import { logLogSlope } from './stats.js';
import type { ExperimentOptions, ExperimentResult, SummaryRow } from './types.js';

/** Upper levels of the comparison: simulated-teacher preferences or an additive true-reward utility. */
export const HYPERGRADIENT_PROBLEMS = ['rlhf', 'design'] as const;
export type HypergradientProblemKind = (typeof HYPERGRADIENT_PROBLEMS)[number];

/** Environments of the comparison. */
export const HYPERGRADIENT_ENVIRONMENTS = ['garnet', 'gridworld', 'chain'] as const;
export type HypergradientEnvironment = (typeof HYPERGRADIENT_ENVIRONMENTS)[number];

/** Default entropy weight λ of the comparison. */
export const DEFAULT_HYPERGRADIENT_LAMBDA = 0.3;

/** Rationality β of the comparison's Bradley–Terry teacher. */
const TEACHER_BETA = 2;

/** Segment length H of the comparison's preference queries. */
const SEGMENT_LENGTH = 2;

/** A bilevel problem at a fixed ν, ready for every route. */
export interface HypergradientProblem {
  /** `<problem>-<env>`, e.g. `rlhf-garnet`. */
  readonly name: string;
  readonly problem: HypergradientProblemKind;
  readonly env: HypergradientEnvironment;
  readonly seed: number;
  /** The MDP, the upper level and ν in words. */
  readonly about: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly spec: UpperLevelSpec;
  readonly nu: Float64Array;
  readonly lambda: number;
}

/** The ν that reproduces r_true in the model: r_true itself (tabular), least squares `(ΦᵀΦ)⁻¹Φᵀr_true` (linear). */
const nuOfTrueReward = (model: RewardModel, rTrue: Readonly<Float64Array>): Float64Array => {
  if (model.kind === 'tabular') return Float64Array.from(rTrue);
  const { k, features } = model;
  const n = model.S * model.A;
  const ftf = new Float64Array(k * k);
  const ftr = new Float64Array(k);
  for (let sa = 0; sa < n; sa++) {
    for (let i = 0; i < k; i++) {
      ftr[i] += features[sa * k + i] * rTrue[sa];
      for (let j = 0; j < k; j++) ftf[i * k + j] += features[sa * k + i] * features[sa * k + j];
    }
  }
  return solve(ftf, k, ftr).x;
};

/**
 * The comparison's problem. Garnet: S = 4, A = 2, branching 2, γ = 0.8 (seeded), tabular reward;
 * gridworld: Sutton & Barto's 5×5 (γ = 0.9), three linear features for rlhf, tabular for design;
 * chain: the two-state chain (γ = 0.9), tabular. Upper level: a Bradley–Terry teacher (β = 2)
 * on pairs of length-2 segments (rlhf), or the additive utility u = r_true (design). ν is
 * `0.5·ν_true + 0.1·sin(i)` (ν_true reproduces r_true), so π*(ν) is neither the teacher's nor
 * uniform and the ν-score term of ∇G matters. λ > 0 is the caller's (validated there).
 */
export const hypergradientProblem = (
  problem: HypergradientProblemKind,
  env: HypergradientEnvironment,
  seed: number,
  lambda: number,
): HypergradientProblem => {
  const built = ((): { mdp: Mdp; model: RewardModel; rTrue: Float64Array; mdpAbout: string } => {
    if (env === 'gridworld') {
      const p = problem === 'rlhf' ? rlhfProblem('gridworld', seed, TEACHER_BETA) : designProblem('gridworld', seed);
      const about = `Sutton & Barto gridworld (S = 25, A = 4, γ = ${p.mdp.gamma}), ${p.model.kind === 'linear' ? `${p.model.k} linear features` : 'tabular reward'}`;
      return { mdp: p.mdp, model: p.model, rTrue: Float64Array.from(p.rTrue), mdpAbout: about };
    }
    if (env === 'chain') {
      const c = twoStateChain({ gamma: 0.9 });
      return { mdp: c.mdp, model: { kind: 'tabular', S: c.mdp.S, A: c.mdp.A }, rTrue: Float64Array.from(c.reward), mdpAbout: 'two-state chain (γ = 0.9), tabular reward' };
    }
    const g = garnetOrThrow({ S: 4, A: 2, branching: 2, gamma: 0.8, seed });
    return { mdp: g.mdp, model: { kind: 'tabular', S: 4, A: 2 }, rTrue: Float64Array.from(g.reward), mdpAbout: `Garnet (S = 4, A = 2, branching 2, γ = 0.8, seed ${seed}), tabular reward` };
  })();
  const { mdp, model, rTrue, mdpAbout } = built;
  const spec: UpperLevelSpec = problem === 'rlhf'
    ? { kind: 'preference', teacher: bradleyTerryTeacher(TEACHER_BETA), rTrue, H: SEGMENT_LENGTH }
    : { kind: 'additive', utility: { kind: 'additive', u: rTrue } };
  const nu = nuOfTrueReward(model, rTrue).map((x, i) => 0.5 * x + 0.1 * Math.sin(i));
  const upperAbout = problem === 'rlhf'
    ? `Bradley–Terry teacher (β = ${TEACHER_BETA}) on pairs of length-${SEGMENT_LENGTH} segments`
    : 'additive utility u = r_true';
  return {
    name: `${problem}-${env}`,
    problem,
    env,
    seed,
    about: `${mdpAbout}; ${upperAbout}; ν = 0.5·ν_true + 0.1·sin(i), λ = ${lambda}`,
    mdp,
    model,
    spec,
    nu,
    lambda,
  };
};

/** The budgets of each approximate route. */
export interface HypergradientBudgets {
  /** MINRES iteration caps of the implicit route; `undefined` = uncapped (MINRES's own tolerance). */
  readonly implicitCaps: ReadonlyArray<number | undefined>;
  /** Policy-gradient steps K of the unrolled route. */
  readonly unrolledSteps: ReadonlyArray<number>;
  /** Penalty weights σ of the first-order route. */
  readonly sigmas: ReadonlyArray<number>;
  /** Directions N of the zeroth-order route. */
  readonly directions: ReadonlyArray<number>;
}

/** The budgets of `parl hypergradients` and of the quick experiment. */
export const DEFAULT_HYPERGRADIENT_BUDGETS: HypergradientBudgets = {
  implicitCaps: [1, 2, 4, undefined],
  unrolledSteps: [10, 30, 100, 300, 1000],
  sigmas: [1, 10, 100, 1000, 10000],
  directions: [10, 100, 1000],
};

/** The budgets of the full experiment: one more decade for the unrolled, first-order and zeroth-order routes. */
export const FULL_HYPERGRADIENT_BUDGETS: HypergradientBudgets = {
  implicitCaps: [1, 2, 4, 8, undefined],
  unrolledSteps: [10, 30, 100, 300, 1000, 3000],
  sigmas: [1, 10, 100, 1000, 10000, 100000],
  directions: [10, 100, 1000, 10000],
};

/** Smoothing radius μ of the zeroth-order route (the route's default). */
const ZEROTH_ORDER_MU = 1e-4;

/** Errors below this are rounding (the exact and implicit routes agree to ~1e-14): excluded from rate fits. */
const ROUNDING_FLOOR = 1e-11;

const norm = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
};

/** `‖g − ref‖ / ‖ref‖` (the absolute error `‖g − ref‖` when ref = 0). */
export const relativeError = (g: Readonly<Float64Array>, ref: Readonly<Float64Array>): number => {
  const e = norm(g.map((v, i) => v - ref[i]));
  const r = norm(ref);
  return r > 0 ? e / r : e;
};

/** The cosine of the angle between g and ref; 0 when either is the zero vector. */
export const cosineSimilarity = (g: Readonly<Float64Array>, ref: Readonly<Float64Array>): number => {
  const ng = norm(g);
  const nr = norm(ref);
  if (!(ng > 0 && nr > 0)) return 0;
  let dot = 0;
  for (let i = 0; i < g.length; i++) dot += g[i] * ref[i];
  return dot / (ng * nr);
};

/**
 * The unrolled route's step size β = 1/L̂, with L̂ the largest curvature |μ| of ∇²_θθ J_λ at θ₀
 * and at θ*(ν) (a local smoothness constant: a policy-gradient step of size 1/L ascends), and
 * the per-step factor `1 − β μ_min` (μ_min the smallest non-null curvature at θ*, the gauge and
 * unvisited states excluded) at which the linearised iteration `I + βH` contracts near θ*: the
 * rate at which θ_K → θ* and the unrolled derivative → ∇G.
 */
export interface UnrolledStepSize {
  readonly beta: number;
  /** L̂: the largest |eigenvalue| of ∇²J_λ at θ₀ and at θ*. */
  readonly curvatureMax: number;
  /** μ_min: the smallest non-null |eigenvalue| of ∇²J_λ at θ*. */
  readonly curvatureMin: number;
  /** `1 − β μ_min`. */
  readonly predictedRate: number;
}

/** β = 1/L̂ and the predicted per-step factor of the unrolled route (see `UnrolledStepSize`). */
export const unrolledStepSize = (sol: LowerSolution, theta0: Readonly<Float64Array>): UnrolledStepSize => {
  const { mdp, r, lambda } = sol;
  const n = mdp.S * mdp.A;
  const spectrum = (theta: Readonly<Float64Array>): number[] => Array.from(symmetricEigen(hessianJ(mdp, r, theta, lambda), n).values, Math.abs);
  const atStar = spectrum(sol.theta);
  const L = Math.max(...spectrum(theta0), ...atStar);
  if (!(L > 0)) return { beta: 1, curvatureMax: 0, curvatureMin: 0, predictedRate: 1 };
  const nonNull = atStar.filter((m) => m > 1e-8 * L);
  const muMin = nonNull.length > 0 ? Math.min(...nonNull) : 0;
  return { beta: 1 / L, curvatureMax: L, curvatureMin: muMin, predictedRate: 1 - muMin / L };
};

/** One budget of a route: its error against ∇G and what it cost. */
export interface HypergradientPoint {
  /** MINRES iterations, K, σ or N; 0 for the myopic gradient. */
  readonly budget: number;
  /** `‖g − ∇G‖ / ‖∇G‖`. */
  readonly relError: number;
  /** Cosine of g and ∇G (0 for a zero vector). */
  readonly cosine: number;
  /** Wall time of the call (0 without a clock); the shared lower solve is not in it. */
  readonly ms: number;
  readonly lowerSolves: number;
  readonly evaluations: number;
  readonly hessianVectorProducts: number;
  /** Every solve behind the point can be vouched for. */
  readonly reliable: boolean;
  /** Implicit: the MINRES cap that produced the point (null = uncapped). */
  readonly cap?: number | null;
  /** First-order: natural-gradient steps to θ_σ and the last step's size. */
  readonly innerSteps?: number;
  readonly stationarity?: number;
}

/** The routes other than the reference, in the order they are reported. */
export type ApproximateRoute = Exclude<HypergradientRoute, 'exact'>;
export const APPROXIMATE_ROUTES: ReadonlyArray<ApproximateRoute> = ['implicit', 'unrolled', 'first-order', 'zeroth-order', 'myopic'];

/** A route's points, budgets increasing. */
export interface RoutePoints {
  readonly route: ApproximateRoute;
  readonly points: ReadonlyArray<HypergradientPoint>;
}

/** Everything the comparison computed. */
export interface HypergradientComparison {
  readonly problem: HypergradientProblem;
  readonly exact: {
    readonly gradient: Float64Array;
    readonly norm: number;
    /** Wall time of the exact route (the lower solve excluded). */
    readonly ms: number;
    /** Wall time of the one lower-level solve the routes at θ* share. */
    readonly lowerSolveMs: number;
    readonly reports: ReadonlyArray<SolveReport>;
  };
  readonly unrolled: UnrolledStepSize;
  readonly routes: ReadonlyArray<RoutePoints>;
  /** Every solve of the comparison (the lower level's, the exact route's, each route's). */
  readonly reports: ReadonlyArray<SolveReport>;
}

/** Options of `compareHypergradients`. */
export interface CompareOptions {
  /** Seed of the zeroth-order directions (one split stream per N). */
  readonly seed: number;
  readonly budgets?: HypergradientBudgets;
  /** A clock in milliseconds; without one every `ms` is 0. */
  readonly now?: () => number;
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

/** The number of calls `compareHypergradients` makes with these budgets (for progress). */
const callCount = (b: HypergradientBudgets): number =>
  2 + b.implicitCaps.length + b.unrolledSteps.length + b.sigmas.length + b.directions.length + 1;

/**
 * Solve the lower level once, take ∇G by the exact route, then every approximate route at each
 * budget, timing each call with `now`. Implicit points with equal budgets (iterations used)
 * are kept once (the first, lowest cap). `Left` is the first route's error.
 */
export const compareHypergradients = (p: HypergradientProblem, o: CompareOptions): E.Either<ParlError, HypergradientComparison> => {
  const now = o.now ?? (() => 0);
  const b = o.budgets ?? DEFAULT_HYPERGRADIENT_BUDGETS;
  const total = callCount(b);
  let done = 0;
  const tick = (what: string): void => o.onProgress?.(++done, total, what);
  const timed = <T>(f: () => T): { readonly value: T; readonly ms: number } => {
    const t0 = now();
    const value = f();
    return { value, ms: now() - t0 };
  };

  const lower = timed(() => solveLowerLevel(p.mdp, p.model, p.nu, p.lambda));
  if (E.isLeft(lower.value)) return lower.value;
  const sol = lower.value.right;
  tick('lower level');
  const exact = timed(() => exactHypergradient(p.spec, sol));
  if (E.isLeft(exact.value)) return exact.value;
  const ref = exact.value.right.gradient;
  tick('exact');

  const reports: SolveReport[] = [...exact.value.right.reports];
  const pointOf = (h: Hypergradient, ms: number, extra: Partial<HypergradientPoint> = {}): HypergradientPoint => {
    // the shared lower solve's reports are already counted once (in the exact route's)
    const own = h.reports.filter((r) => !sol.reports.includes(r));
    reports.push(...own);
    return {
      budget: h.budget,
      relError: relativeError(h.gradient, ref),
      cosine: cosineSimilarity(h.gradient, ref),
      ms,
      lowerSolves: h.cost.lowerSolves,
      evaluations: h.cost.evaluations,
      hessianVectorProducts: h.cost.hessianVectorProducts,
      reliable: h.reports.every((r) => r.reliable),
      ...extra,
    };
  };
  const run = (
    what: string,
    f: () => E.Either<ParlError, Hypergradient>,
    extra: (h: Hypergradient) => Partial<HypergradientPoint> = () => ({}),
  ): E.Either<ParlError, HypergradientPoint> => {
    const r = timed(f);
    tick(what);
    return E.map((h: Hypergradient) => pointOf(h, r.ms, extra(h)))(r.value);
  };
  const all = (
    calls: ReadonlyArray<() => E.Either<ParlError, HypergradientPoint>>,
  ): E.Either<ParlError, HypergradientPoint[]> => {
    const out: HypergradientPoint[] = [];
    for (const c of calls) {
      const r = c();
      if (E.isLeft(r)) return r;
      out.push(r.right);
    }
    return E.right(out);
  };

  const implicit = all(b.implicitCaps.map((cap) => () =>
    run(`implicit, cap ${cap ?? 'none'}`, () => implicitHypergradient(p.spec, sol, cap), () => ({ cap: cap ?? null }))));
  if (E.isLeft(implicit)) return implicit;
  const theta0 = new Float64Array(p.mdp.S * p.mdp.A);
  const unrolled = unrolledStepSize(sol, theta0);
  const unrolledPoints = all(b.unrolledSteps.map((K) => () =>
    run(`unrolled, K = ${K}`, () => unrolledHypergradient(p.spec, sol, theta0, { K, beta: unrolled.beta }))));
  if (E.isLeft(unrolledPoints)) return unrolledPoints;
  const firstOrder = all(b.sigmas.map((sigma) => () =>
    run(`first-order, σ = ${sigma}`, () => firstOrderHypergradient(p.spec, sol, { sigma }), (h) => ({
      innerSteps: h.detail?.innerSteps ?? 0,
      stationarity: h.detail?.stationarity ?? 0,
    }))));
  if (E.isLeft(firstOrder)) return firstOrder;
  const rng = makeRng(o.seed);
  const zerothOrder = all(b.directions.map((N) => () => {
    const stream = rng.split();
    return run(`zeroth-order, N = ${N}`, () => zerothOrderHypergradient(p.spec, sol, { N, mu: ZEROTH_ORDER_MU }, stream));
  }));
  if (E.isLeft(zerothOrder)) return zerothOrder;
  const myopic = run('myopic', () => myopicHypergradient(p.spec, sol));
  if (E.isLeft(myopic)) return myopic;

  const seen = new Set<number>();
  const implicitPoints = implicit.right.filter((q) => (seen.has(q.budget) ? false : (seen.add(q.budget), true)));
  const byBudget = (xs: HypergradientPoint[]): HypergradientPoint[] => [...xs].sort((x, y) => x.budget - y.budget);
  return E.right({
    problem: p,
    exact: { gradient: ref, norm: norm(ref), ms: exact.ms, lowerSolveMs: lower.ms, reports: exact.value.right.reports },
    unrolled,
    routes: [
      { route: 'implicit', points: byBudget(implicitPoints) },
      { route: 'unrolled', points: unrolledPoints.right },
      { route: 'first-order', points: firstOrder.right },
      { route: 'zeroth-order', points: zerothOrder.right },
      { route: 'myopic', points: [myopic.right] },
    ],
    reports,
  });
};

/** The points of one route of a comparison. */
export const routePoints = (c: HypergradientComparison, route: ApproximateRoute): ReadonlyArray<HypergradientPoint> =>
  c.routes.find((r) => r.route === route)?.points ?? [];

/** What the numbers say about each route's rate, with the thresholds of the experiment's claim. */
export interface HypergradientAnalysis {
  readonly implicit: { readonly budget: number; readonly relError: number; readonly consistent: boolean };
  readonly unrolled: {
    /** The first K with relError ≤ 1e-8 (undefined if none). */
    readonly reaches1e8At: number | undefined;
    /** `(e₂/e₁)^{1/(K₂−K₁)}` over the last two budgets above the rounding floor (NaN if fewer than two). */
    readonly fittedRate: number;
    readonly predictedRate: number;
    /** `ln(fitted)/ln(predicted)`: 1 when the error falls exactly at the predicted rate. */
    readonly rateRatio: number;
    readonly consistent: boolean;
  };
  readonly firstOrder: { readonly errorTimesSigma: ReadonlyArray<number>; readonly slope: number; readonly consistent: boolean };
  readonly zerothOrder: {
    readonly errorTimesSqrtN: ReadonlyArray<number>;
    /** √(d+1): the RMS of `relError·√N` for two-point Gaussian smoothing (`E‖(gᵀu)u − g‖² = (d+1)‖g‖²`). */
    readonly predicted: number;
    readonly slope: number;
    readonly consistent: boolean;
  };
  readonly myopic: { readonly relError: number; readonly cosine: number };
}

/** Rates of a comparison, and whether each agrees with its claim (thresholds in `HYPERGRADIENT_CLAIM`). */
export const analyseHypergradients = (c: HypergradientComparison): HypergradientAnalysis => {
  const implicit = routePoints(c, 'implicit');
  const bestImplicit = implicit.reduce((m, q) => (q.relError < m.relError ? q : m), implicit[implicit.length - 1]);

  const unrolled = routePoints(c, 'unrolled');
  const above = unrolled.filter((q) => q.relError > ROUNDING_FLOOR);
  const fittedRate = above.length >= 2
    ? (above[above.length - 1].relError / above[above.length - 2].relError) ** (1 / (above[above.length - 1].budget - above[above.length - 2].budget))
    : NaN;
  const predictedRate = c.unrolled.predictedRate;
  const rateRatio = Math.log(fittedRate) / Math.log(predictedRate);
  const lastUnrolled = unrolled[unrolled.length - 1];
  const unrolledConsistent = Number.isFinite(rateRatio)
    ? rateRatio >= 0.5 && rateRatio <= 1.5
    // too fast to fit: at rounding by the second budget
    : lastUnrolled !== undefined && lastUnrolled.relError <= 1e-8;

  const firstOrder = routePoints(c, 'first-order').filter((q) => q.relError > ROUNDING_FLOOR);
  const foSlope = logLogSlope(firstOrder.map((q) => q.budget), firstOrder.map((q) => q.relError)).slope;

  const zerothOrder = routePoints(c, 'zeroth-order');
  const zoSlope = logLogSlope(zerothOrder.map((q) => q.budget), zerothOrder.map((q) => q.relError)).slope;
  const d = rewardDimension(c.problem.model);

  const myopic = routePoints(c, 'myopic')[0];
  return {
    implicit: { budget: bestImplicit.budget, relError: bestImplicit.relError, consistent: bestImplicit.relError <= 1e-8 },
    unrolled: {
      reaches1e8At: unrolled.find((q) => q.relError <= 1e-8)?.budget,
      fittedRate,
      predictedRate,
      rateRatio,
      consistent: unrolledConsistent,
    },
    firstOrder: { errorTimesSigma: firstOrder.map((q) => q.relError * q.budget), slope: foSlope, consistent: foSlope >= -1.1 && foSlope <= -0.9 },
    zerothOrder: {
      errorTimesSqrtN: zerothOrder.map((q) => q.relError * Math.sqrt(q.budget)),
      predicted: Math.sqrt(d + 1),
      slope: zoSlope,
      consistent: zoSlope >= -0.8 && zoSlope <= -0.2,
    },
    myopic: { relError: myopic.relError, cosine: myopic.cosine },
  };
};

/** The experiment's claim, with the outcomes that would contradict it. */
export const HYPERGRADIENT_CLAIM =
  'Each route converges to ∇G at its own rate while the myopic gradient does not: implicit (MINRES) to rounding; unrolled geometrically in K, '
  + 'with the per-step factor 1 − βμ_min of the linearised iteration at θ* (β = 1/L̂ from the Hessian spectrum); first-order as O(1/σ); '
  + 'zeroth-order as O(1/√N), relError·√N ≈ √(d+1). Contradicted by: implicit relError > 1e-8 at its largest budget; an unrolled fitted '
  + 'per-step rate ln ρ̂ outside [0.5, 1.5]× ln(1 − βμ_min) (not geometric at the predicted rate); a first-order log-log slope in σ '
  + 'outside [−1.1, −0.9] (relError·σ not constant); a zeroth-order log-log slope in N outside [−0.8, −0.2].';

const e = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toExponential(digits) : String(x));
const verdict = (ok: boolean): string => (ok ? 'consistent' : 'CONTRADICTED');

/** The finding, generated from the numbers of a comparison. */
export const hypergradientFinding = (c: HypergradientComparison, a: HypergradientAnalysis): string => {
  const u = a.unrolled;
  const unrolledText = u.reaches1e8At !== undefined
    ? `unrolled (β = ${c.unrolled.beta.toPrecision(3)}) reaches 1e-8 at K = ${u.reaches1e8At}`
    : `unrolled (β = ${c.unrolled.beta.toPrecision(3)}) does not reach 1e-8 by K = ${routePoints(c, 'unrolled').at(-1)?.budget}`;
  const rateText = Number.isFinite(u.fittedRate)
    ? `, per-step factor ${u.fittedRate.toFixed(4)} against 1 − βμ_min = ${u.predictedRate.toFixed(4)} predicted (rate ratio ${u.rateRatio.toFixed(2)}; ${verdict(u.consistent)})`
    : ` (too fast to fit a rate; ${verdict(u.consistent)})`;
  const fo = a.firstOrder.errorTimesSigma;
  const zo = a.zerothOrder;
  return [
    `On ${c.problem.name} (d = ${rewardDimension(c.problem.model)}): the myopic gradient is off by ${e(a.myopic.relError, 2)} (cosine ${a.myopic.cosine.toFixed(3)});`,
    `implicit reaches ${e(a.implicit.relError)} at ${a.implicit.budget} MINRES iteration${a.implicit.budget === 1 ? '' : 's'} (${verdict(a.implicit.consistent)});`,
    `${unrolledText}${rateText};`,
    `first-order's error × σ stays at ${e(Math.min(...fo), 2)}–${e(Math.max(...fo), 2)} (log-log slope ${a.firstOrder.slope.toFixed(3)}, the O(1/σ) rate; ${verdict(a.firstOrder.consistent)});`,
    `zeroth-order's error × √N is ${zo.errorTimesSqrtN.map((x) => x.toFixed(2)).join(', ')} against √(d+1) = ${zo.predicted.toFixed(2)} (slope ${zo.slope.toFixed(2)}, ≈ 1/√N; ${verdict(zo.consistent)}).`,
  ].join(' ');
};

/** The budget of a point in words: `2 it`, `K = 10`, `σ = 100`, `N = 1000`, `—` (myopic). */
export const budgetLabel = (route: ApproximateRoute, budget: number): string => {
  switch (route) {
    case 'implicit': return `${budget} it`;
    case 'unrolled': return `K = ${budget}`;
    case 'first-order': return `σ = ${budget}`;
    case 'zeroth-order': return `N = ${budget}`;
    default: return '—';
  }
};

/** Experiment "hypergradients": the comparison on the default problem, error against exact policy evaluations. */
export const runHypergradients = (opts: ExperimentOptions): ExperimentResult => {
  const problem = hypergradientProblem('rlhf', 'garnet', opts.seed, DEFAULT_HYPERGRADIENT_LAMBDA);
  const budgets = opts.quick ? DEFAULT_HYPERGRADIENT_BUDGETS : FULL_HYPERGRADIENT_BUDGETS;
  const cmp = compareHypergradients(problem, { seed: opts.seed, budgets, onProgress: (done, total) => opts.onProgress?.(done, total) });
  if (E.isLeft(cmp)) throw new Error(formatParlError(cmp.left));
  const c = cmp.right;
  const a = analyseHypergradients(c);
  const rows = c.routes.flatMap((r) => r.points.map((q) => ({ route: r.route, budget: q.budget, evaluations: q.evaluations, relError: q.relError })));
  const summary: SummaryRow[] = [
    { metric: '‖∇G‖ (exact, closed-form ψ)', value: c.exact.norm.toExponential(3) },
    ...c.routes.map((r) => ({
      metric: `${r.route} relError (${r.points.map((q) => budgetLabel(r.route, q.budget)).join(', ')})`,
      value: r.points.map((q) => e(q.relError)).join(', '),
    })),
    { metric: 'unrolled β = 1/L̂; per-step factor fitted / predicted', value: `${c.unrolled.beta.toPrecision(3)}; ${a.unrolled.fittedRate.toFixed(4)} / ${a.unrolled.predictedRate.toFixed(4)}` },
    { metric: 'first-order relError × σ', value: a.firstOrder.errorTimesSigma.map((x) => e(x, 2)).join(', ') },
    { metric: `zeroth-order relError × √N (√(d+1) = ${a.zerothOrder.predicted.toFixed(2)})`, value: a.zerothOrder.errorTimesSqrtN.map((x) => x.toFixed(2)).join(', ') },
  ];
  return {
    name: 'hypergradients',
    title: 'Hypergradient routes: error against cost',
    claim: HYPERGRADIENT_CLAIM,
    finding: hypergradientFinding(c, a),
    summary,
    data: {
      problem: { name: problem.name, about: problem.about, S: problem.mdp.S, A: problem.mdp.A, d: rewardDimension(problem.model), lambda: problem.lambda, gamma: problem.mdp.gamma, seed: problem.seed },
      budgets: { ...budgets, implicitCaps: budgets.implicitCaps.map((x) => x ?? null) },
      exact: { gradient: Array.from(c.exact.gradient), norm: c.exact.norm },
      unrolled: c.unrolled,
      routes: c.routes,
      analysis: a,
    },
    solves: tallySolves(c.reports),
    figures: [{
      id: 'hypergradients',
      title: 'Relative error of each hypergradient route against its cost in exact policy evaluations',
      caption: `${problem.about}. x: exact policy evaluations (one LU of I − γP_π each) the route made — the machine-independent part of its cost; `
        + 'the lower-level solves (2N for zeroth-order, one shared by implicit, first-order and myopic) and Hessian-vector products are in the table, not on this axis. '
        + `Budgets: implicit MINRES iterations, unrolled K (β = ${c.unrolled.beta.toPrecision(3)}, θ₀ = 0), first-order σ, zeroth-order N; myopic is one point.`,
      spec: lineChart({
        rows: rows.filter((q) => q.relError > 0),
        x: 'evaluations',
        y: 'relError',
        series: 'route',
        xTitle: 'exact policy evaluations',
        yTitle: '‖g − ∇G‖ / ‖∇G‖',
        logX: true,
        logY: true,
        points: true,
      }),
    }],
  };
};
