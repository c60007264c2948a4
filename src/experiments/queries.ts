/**
 * Experiment "queries": the paper's headline claim, that PARL needs fewer preference queries than
 * the methods it is compared with (up to 63% fewer samples on DeepMind Control / MetaWorld), put
 * to the tabular test. True return against cumulative teacher queries for three methods that share
 * one loop — per outer step t: r_ν, K warm-started policy-gradient steps θ ← θ + β ∇_θ J_λ(ν, θ)
 * (MATH.md §8), the true return of π_θ, then N segment pairs drawn from π_θ and labelled by the
 * simulated teacher, then a ν update that differs by method:
 *
 * - `parl`: A-PARL's sampled mode, ν ← ν + α ĝ with ĝ the sampled PARL gradient on the N fresh
 *   pairs, its ν-score at θ^K, with a leave-one-out baseline in the score term (the estimator
 *   `parlGradientPreferenceSampled` with `baseline: 'leave-one-out'`; the ν-score term as one
 *   vector-Jacobian product instead of a materialised ψ, the same number up to rounding);
 * - `myopic`: the same with the ν-score term dropped (fresh labels each step, as A-PARL's baseline);
 * - `pebble-like`: every labelled pair is kept in a buffer; after appending the N new pairs, ν takes
 *   a fixed number of full-batch gradient-ascent steps (step α, halved until the Armijo condition
 *   holds, so the buffer's log-likelihood never decreases) on the mean log-likelihood of the whole
 *   buffer — the reward model refits on all past labels, as PEBBLE does.
 *
 * Each method's α comes from one grid, chosen per (method, K, N, problem family) on selection seeds
 * disjoint from the evaluation seeds, by the mean normalised true return over the query budget (the
 * area under its curve). Metrics per evaluation seed: the normalised true return (J − J_uniform)/(J* − J_uniform)
 * against queries, the queries after which it reaches and holds 0.5 and 0.8 until the budget ends,
 * and the final value. The verdict on the claim is computed from the medians of those query counts.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { BilevelProblem } from '../algorithm/aparl.js';
import { policyGradientAscent } from '../algorithm/lowerLevel.js';
import { formatParlError } from '../errors/parlError.js';
import { lowerPointFor } from '../lowerLevel/lowerSolution.js';
import type { Mdp } from '../mdp/types.js';
import { tallySolves, type SolveReport } from '../numerics/solveReport.js';
import { plainOptimum } from '../optimal/index.js';
import { softmaxProbs } from '../policy/softmax.js';
import { makeRng, type Rng } from '../random/rng.js';
import { lineChart, type Figure } from '../report/figures.js';
import { rewardDimension, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { policyPointAtLower } from '../upperLevel/policyPoint.js';
import { preferenceUtility, preferenceUtilityDerivative, segmentReturn } from '../upperLevel/preference.js';
import { sampleSegment } from '../upperLevel/sampler.js';
import { drawLabel, type DrawnLabel } from '../upperLevel/teacher.js';
import type { Segment, Teacher } from '../upperLevel/types.js';
import { evaluatePolicy, evaluatePolicyTable, objective } from '../value/policyEvaluation.js';
import { RLHF_FAMILIES, RLHF_FAMILY_ABOUT, rlhfFamilyProblem, type RlhfFamily } from './problems.js';
import { meanCi95 } from './stats.js';
import type { ExperimentOptions, ExperimentResult, SummaryRow } from './types.js';

// ---------------------------------------------------------------------------------------------
// The protocol

/** The methods compared, in the order they are reported. */
export const QUERY_METHODS = ['parl', 'myopic', 'pebble-like'] as const;
export type QueryMethod = (typeof QUERY_METHODS)[number];

/** The outer step sizes every method chooses from (the same grid for all; half-decade steps). */
export const QUERY_ALPHAS: ReadonlyArray<number> = [1, 3, 10, 30, 100, 300];
/** Fractions of the way from the uniform policy's true return to the optimum whose queries-to-hold we report. */
export const QUERY_TARGETS = [0.5, 0.8] as const;
/** Full-batch gradient steps of each pebble-like refit. */
export const REFIT_STEPS = 10;
/** PARL's score baseline in the experiment: the same mean, a smaller variance of the sampled ν-score term. */
export const PARL_BASELINE: ScoreBaseline = 'leave-one-out';
const LAMBDA = 0.1;
const BETA = 1;
/** Seeds of the α selection start here unless that range would meet the evaluation seeds. */
const SELECTION_SEED_BASE = 1_000_001;

/** What a run of the experiment covers (quick or full). */
export interface QueryProtocol {
  readonly Ks: ReadonlyArray<number>;
  readonly Ns: ReadonlyArray<number>;
  /** Teacher queries each run may use (a multiple of every N). */
  readonly budget: number;
  readonly alphas: ReadonlyArray<number>;
  readonly families: ReadonlyArray<RlhfFamily>;
  readonly selectionSeeds: ReadonlyArray<number>;
  readonly evaluationSeeds: ReadonlyArray<number>;
}

/**
 * The protocol of a run: the evaluation seeds are `seed … seed + seeds − 1`; the selection seeds
 * are as many consecutive seeds from 1 000 001, or, if that range meets the evaluation seeds, the
 * seeds just after them — disjoint from the evaluation seeds by construction. Quick: K = 5 only
 * and a 384-query budget; full: K ∈ {1, 5, 20} and 1024 queries.
 */
export const queryProtocol = (opts: Pick<ExperimentOptions, 'seed' | 'seeds' | 'quick'>): QueryProtocol => {
  const evaluationSeeds = Array.from({ length: opts.seeds }, (_, i) => opts.seed + i);
  const nSel = opts.quick ? 3 : 5;
  const last = opts.seed + opts.seeds - 1;
  const base = last < SELECTION_SEED_BASE || opts.seed > SELECTION_SEED_BASE + nSel - 1 ? SELECTION_SEED_BASE : last + 1;
  return {
    Ks: opts.quick ? [5] : [1, 5, 20],
    Ns: [8, 32],
    budget: opts.quick ? 384 : 1024,
    alphas: QUERY_ALPHAS,
    families: RLHF_FAMILIES,
    selectionSeeds: Array.from({ length: nSel }, (_, i) => base + i),
    evaluationSeeds,
  };
};

// ---------------------------------------------------------------------------------------------
// Labelled pairs and the pebble-like buffer

/** A teacher-labelled pair of segments drawn from π_θ, with its feature difference x = J_rᵀ(c¹ − c²). */
export interface LabelledPair {
  readonly seg1: Segment;
  readonly seg2: Segment;
  readonly label: DrawnLabel;
  /** `x = J_rᵀ(c¹ − c²)`, a d-vector: Δ_ν = R_ν(τ¹) − R_ν(τ²) = xᵀν (r_ν is linear in ν). */
  readonly x: Float64Array;
}

/**
 * N pairs of independent length-H segments from π, each labelled by the teacher, drawn in the
 * order of the sampled estimators (τ¹, τ², label; then the next pair), so the same `rng` gives the
 * same pairs as `parlGradientPreferenceSampled` and `myopicGradientPreferenceSampled`.
 */
export const drawLabelledPairs = (
  mdp: Mdp,
  model: RewardModel,
  pi: Readonly<Float64Array>,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  N: number,
  rng: Rng,
): LabelledPair[] => {
  const { A } = mdp;
  const diff = new Float64Array(mdp.S * A);
  const pairs: LabelledPair[] = [];
  for (let n = 0; n < N; n++) {
    const seg1 = sampleSegment(mdp, pi, H, rng);
    const seg2 = sampleSegment(mdp, pi, H, rng);
    const label = drawLabel(teacher, rTrue, A, seg1, seg2, rng);
    for (let h = 0; h < H; h++) {
      diff[seg1.states[h] * A + seg1.actions[h]] += 1;
      diff[seg2.states[h] * A + seg2.actions[h]] -= 1;
    }
    pairs.push({ seg1, seg2, label, x: rewardJacobianTransposeApply(model, diff) });
    diff.fill(0);
  }
  return pairs;
};

const dot = (a: Readonly<Float64Array>, b: Readonly<Float64Array>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** The labelled data of the pebble-like method: one feature difference x and one label y per answered query. */
export interface PreferenceBuffer {
  readonly xs: Float64Array[];
  readonly ys: number[];
}

export const emptyBuffer = (): PreferenceBuffer => ({ xs: [], ys: [] });

/** Append the answered pairs (a skipped query has no label, so it adds no data). */
export const appendPairs = (buffer: PreferenceBuffer, pairs: ReadonlyArray<LabelledPair>): void => {
  for (const p of pairs) {
    if ('skip' in p.label) continue;
    buffer.xs.push(p.x);
    buffer.ys.push(p.label.y);
  }
};

/** Mean log-likelihood `(1/n) Σ_i U(y_i, x_iᵀν)` of the buffer (MATH.md §7's U); 0 when empty. */
export const bufferLogLikelihood = (buffer: PreferenceBuffer, nu: Readonly<Float64Array>): number => {
  const n = buffer.ys.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += preferenceUtility(buffer.ys[i], dot(buffer.xs[i], nu));
  return n === 0 ? 0 : s / n;
};

/** Its gradient `(1/n) Σ_i (y_i − σ(x_iᵀν)) x_i`. */
export const bufferLogLikelihoodGradient = (buffer: PreferenceBuffer, nu: Readonly<Float64Array>): Float64Array => {
  const n = buffer.ys.length;
  const g = new Float64Array(nu.length);
  for (let i = 0; i < n; i++) {
    const x = buffer.xs[i];
    const c = preferenceUtilityDerivative(buffer.ys[i], dot(x, nu)) / n;
    for (let k = 0; k < g.length; k++) g[k] += c * x[k];
  }
  return g;
};

/** One pebble-like refit: the buffer's size and its mean log-likelihood before and after. */
export interface RefitRecord {
  readonly bufferSize: number;
  readonly logLikelihoodBefore: number;
  readonly logLikelihoodAfter: number;
}

/**
 * Move ν toward the maximum-likelihood fit on the whole buffer: `steps` gradient-ascent steps on
 * the mean log-likelihood L, each of size α halved (up to 40 times) until the Armijo condition
 * `L(ν + ηg) ≥ L(ν) + 10⁻⁴ η ‖g‖²` holds — so L strictly increases while its gradient is nonzero.
 * Stops early when the gradient vanishes or no step is accepted. Along a step only the margins
 * change, `x_iᵀ(ν + ηg) = x_iᵀν + η x_iᵀg`, so each trial costs O(n), not O(n·d).
 */
export const refitOnBuffer = (
  buffer: PreferenceBuffer,
  nu: Readonly<Float64Array>,
  alpha: number,
  steps: number,
): { readonly nu: Float64Array; readonly record: RefitRecord } => {
  const n = buffer.ys.length;
  const fit = Float64Array.from(nu);
  const margin = new Float64Array(n);
  const slope = new Float64Array(n);
  for (let i = 0; i < n; i++) margin[i] = dot(buffer.xs[i], fit);
  const meanU = (eta: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += preferenceUtility(buffer.ys[i], margin[i] + eta * slope[i]);
    return s / n;
  };
  let L = n === 0 ? 0 : meanU(0);
  const before = L;
  for (let k = 0; k < steps && n > 0; k++) {
    const g = bufferLogLikelihoodGradient(buffer, fit);
    const gg = dot(g, g);
    if (!(gg > 0)) break;
    for (let i = 0; i < n; i++) slope[i] = dot(buffer.xs[i], g);
    let eta = alpha;
    let accepted = false;
    for (let halvings = 0; halvings <= 40; halvings++, eta /= 2) {
      const Lc = meanU(eta);
      if (Lc >= L + 1e-4 * eta * gg) {
        for (let j = 0; j < fit.length; j++) fit[j] += eta * g[j];
        for (let i = 0; i < n; i++) margin[i] += eta * slope[i];
        L = Lc;
        accepted = true;
        break;
      }
    }
    slope.fill(0);
    if (!accepted) break;
  }
  return { nu: fit, record: { bufferSize: n, logLikelihoodBefore: before, logLikelihoodAfter: L } };
};

// ---------------------------------------------------------------------------------------------
// One run of a method

/** The configuration of one run. */
export interface QueryRunConfig {
  readonly method: QueryMethod;
  /** Inner policy-gradient steps per outer step. */
  readonly K: number;
  /** Teacher queries per outer step. */
  readonly N: number;
  /** Total queries; the run takes budget/N outer updates and evaluates π_θ before each and after the last. */
  readonly budget: number;
  /** Outer step size (parl, myopic) or refit step size (pebble-like). */
  readonly alpha: number;
  readonly seed: number;
  readonly beta?: number;
  readonly lambda?: number;
  readonly refitSteps?: number;
  /** PARL's score baseline (default: leave-one-out). */
  readonly baseline?: ScoreBaseline;
}

/** The true return of π_θ after the queries used so far. */
export interface QueryCurvePoint {
  readonly queries: number;
  readonly trueReturn: number;
}

export interface QueryRun {
  /** One point per outer step and one after the last update: queries 0, N, 2N, …, budget. */
  readonly curve: ReadonlyArray<QueryCurvePoint>;
  /** pebble-like only: one record per refit. */
  readonly refits: ReadonlyArray<RefitRecord>;
  /** The ν-score solves (parl only). */
  readonly solves: ReadonlyArray<SolveReport>;
  readonly nu: Float64Array;
}

/** The baseline subtracted from U in PARL's score term: none (A-PARL's sampled mode) or leave-one-out. */
export type ScoreBaseline = 'none' | 'leave-one-out';

/**
 * The sampled myopic or PARL gradient on labelled pairs drawn from π_θ at θ (MATH.md §7): the mean
 * of `∇_ν U = (y − σ(Δ_ν)) x` plus, for PARL, `Σ_{s,a} w[s,a] ψ[s,a]` with
 * `w = (1/N) Σ_n (U_n − b_n)(c¹_n + c²_n)` and ψ the implicit ν-score at θ (one VJP), the same
 * number as `parlGradientPreferenceSampled` on the same pairs up to rounding. `b_n = 0` (`none`), or
 * the mean U of the other N − 1 pairs (`leave-one-out`): independent of pair n, so with
 * `E_π[ψ] = 0` the estimate stays unbiased for ∇G and only its variance changes. A skipped query
 * has U = 0 and no ∇U, and counts in the score term like the library estimator's.
 */
export const sampledPreferenceGradient = (
  which: 'parl' | 'myopic',
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  lambda: number,
  theta: Readonly<Float64Array>,
  pairs: ReadonlyArray<LabelledPair>,
  baseline: ScoreBaseline = 'none',
): { readonly gradient: Float64Array; readonly report: SolveReport | null } => {
  const { A } = mdp;
  const N = pairs.length;
  const r = rewardOf(model, nu);
  const g = new Float64Array(rewardDimension(model));
  const w = new Float64Array(mdp.S * A);
  const deltas = pairs.map((p) => segmentReturn(r, A, p.seg1) - segmentReturn(r, A, p.seg2));
  const us = pairs.map((p, n) => ('skip' in p.label ? 0 : preferenceUtility(p.label.y, deltas[n])));
  const sumU = us.reduce((a, b) => a + b, 0);
  pairs.forEach((p, n) => {
    if (!('skip' in p.label)) {
      const slope = preferenceUtilityDerivative(p.label.y, deltas[n]) / N;
      for (let k = 0; k < g.length; k++) g[k] += slope * p.x[k];
    }
    if (which === 'parl') {
      const b = baseline === 'leave-one-out' && N > 1 ? (sumU - us[n]) / (N - 1) : 0;
      const u = (us[n] - b) / N;
      for (const seg of [p.seg1, p.seg2]) for (let h = 0; h < seg.states.length; h++) w[seg.states[h] * A + seg.actions[h]] += u;
    }
  });
  if (which === 'myopic') return { gradient: g, report: null };
  const point = policyPointAtLower(lowerPointFor({ mdp, model, nu, lambda, r }, theta), 'implicit');
  const term = point.nuScoreVjp(w);
  for (let k = 0; k < g.length; k++) g[k] += term.value[k];
  return { gradient: g, report: term.report };
};

/**
 * One run of a method on a preference problem (see the module comment). The random draws are
 * those of A-PARL's sampled mode with the same seed: one `Rng` from the seed, split once per outer
 * step for that step's pairs; so `parl` and `myopic` follow `runAparl` step for step.
 */
export const runQueryMethod = (problem: BilevelProblem, cfg: QueryRunConfig): QueryRun => {
  const { mdp, model, upper } = problem;
  if (upper.kind !== 'preference') throw new RangeError(`the queries experiment needs a preference problem, got ${upper.kind}`);
  if (!Number.isSafeInteger(cfg.N) || cfg.N < 1 || cfg.budget % cfg.N !== 0) throw new RangeError(`the budget ${cfg.budget} must be a multiple of N = ${cfg.N}`);
  const { S, A } = mdp;
  const lambda = cfg.lambda ?? LAMBDA;
  const beta = cfg.beta ?? BETA;
  const refitSteps = cfg.refitSteps ?? REFIT_STEPS;
  const T = cfg.budget / cfg.N;
  const rng = makeRng(cfg.seed);
  const zeros = new Float64Array(S * A);
  let nu: Float64Array = Float64Array.from(problem.nu0);
  let theta: Float64Array = Float64Array.from(problem.theta0);
  const buffer = emptyBuffer();
  const curve: QueryCurvePoint[] = [];
  const refits: RefitRecord[] = [];
  const solves: SolveReport[] = [];
  let queries = 0;
  for (let t = 0; ; t++) {
    theta = policyGradientAscent(mdp, rewardOf(model, nu), theta, lambda, beta, cfg.K);
    const pi = softmaxProbs(theta, S, A);
    curve.push({ queries, trueReturn: evaluatePolicyTable(mdp, problem.rTrue, pi, zeros, 0).J });
    if (t === T) break;
    const pairs = drawLabelledPairs(mdp, model, pi, upper.teacher, upper.rTrue, upper.H, cfg.N, rng.split());
    queries += cfg.N;
    if (cfg.method === 'pebble-like') {
      appendPairs(buffer, pairs);
      const fit = refitOnBuffer(buffer, nu, cfg.alpha, refitSteps);
      nu = fit.nu;
      refits.push(fit.record);
    } else {
      const step = sampledPreferenceGradient(cfg.method, mdp, model, nu, lambda, theta, pairs, cfg.baseline ?? PARL_BASELINE);
      if (step.report !== null) solves.push(step.report);
      nu = nu.map((v, i) => v + cfg.alpha * step.gradient[i]);
    }
  }
  return { curve, refits, solves, nu };
};

// ---------------------------------------------------------------------------------------------
// Metrics

/** `(J − J_uniform)/(J* − J_uniform)`: 0 for the uniform policy, 1 for the optimum. */
export interface Normaliser {
  readonly uniform: number;
  readonly optimum: number;
}

/** J of the uniform policy and J* (the plain optimum) of a problem's true reward. */
export const normaliserOf = (problem: BilevelProblem): Normaliser => {
  const o = plainOptimum(problem.mdp, problem.rTrue);
  if (E.isLeft(o)) throw new Error(formatParlError(o.left));
  return { uniform: evaluatePolicy(problem.mdp, problem.rTrue, new Float64Array(problem.mdp.S * problem.mdp.A), 0).J, optimum: objective(problem.mdp.rho, o.right.VStar) };
};

const normalise = (j: number, n: Normaliser): number => (n.optimum > n.uniform ? (j - n.uniform) / (n.optimum - n.uniform) : 0);

/** A point of a normalised curve. */
export interface NormalisedPoint {
  readonly queries: number;
  readonly normalisedReturn: number;
}

/**
 * The first query count after which the curve never drops below `target` again (to the end of the
 * budget); null if its last point is below. A curve that reaches the target and falls back does
 * not count until it reaches it for good.
 */
export const queriesToHold = (curve: ReadonlyArray<NormalisedPoint>, target: number): number | null => {
  let q: number | null = null;
  for (let i = curve.length - 1; i >= 0 && curve[i].normalisedReturn >= target; i--) q = curve[i].queries;
  return q;
};

/** The median over seeds, counting null ("never") as +∞; null when the median itself is +∞ (or there are no seeds). */
export const medianQueries = (xs: ReadonlyArray<number | null>): number | null => {
  const all = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  if (all.length === 0) return null;
  const m = all.length % 2 ? all[(all.length - 1) / 2] : (all[all.length / 2 - 1] + all[all.length / 2]) / 2;
  return Number.isFinite(m) ? m : null;
};

/** One evaluation run's record, as written to the JSON. */
export interface QueryResult {
  readonly problem: string;
  readonly seed: number;
  readonly curve: ReadonlyArray<NormalisedPoint>;
  readonly queriesToHold50: number | null;
  readonly queriesToHold80: number | null;
  readonly finalNormalised: number;
}

/** PARL against one baseline at one target, by median queries to reach and hold it. */
export type Comparison = 'fewer' | 'same' | 'more' | 'neither-holds';

/**
 * `fewer`: PARL's median holds the target at fewer queries than the baseline's, or the baseline's
 * never does; `more`: at more queries, or PARL's never does while the baseline's does; `same`: equal
 * medians (the resolution is N queries); `neither-holds`: no evidence either way.
 */
export const compareMedians = (parl: number | null, baseline: number | null): Comparison => {
  if (parl === null && baseline === null) return 'neither-holds';
  if (parl === null) return 'more';
  if (baseline === null) return 'fewer';
  return parl < baseline ? 'fewer' : parl > baseline ? 'more' : 'same';
};

export type Verdict = 'supported' | 'contradicted' | 'mixed' | 'no difference' | 'no evidence';

/**
 * The verdict on "PARL needs fewer queries" from a set of comparisons: supported when PARL needs
 * fewer somewhere and more nowhere, contradicted when more somewhere and fewer nowhere, mixed when
 * both; no difference when every comparison with evidence is a tie; no evidence when no method holds.
 */
export const verdictOf = (comparisons: ReadonlyArray<Comparison>): Verdict => {
  const fewer = comparisons.includes('fewer');
  const more = comparisons.includes('more');
  if (fewer && more) return 'mixed';
  if (fewer) return 'supported';
  if (more) return 'contradicted';
  return comparisons.includes('same') ? 'no difference' : 'no evidence';
};

/**
 * Several verdicts into one (over the baselines of a cell, or over the cells): supported when every
 * one is; contradicted when none is supported or mixed and at least one is contradicted; no
 * difference (or no evidence) when every one is; mixed otherwise.
 */
export const combineVerdicts = (vs: ReadonlyArray<Verdict>): Verdict => {
  if (vs.length === 0) return 'no evidence';
  if (vs.every((v) => v === 'supported')) return 'supported';
  if (vs.some((v) => v === 'supported' || v === 'mixed')) return 'mixed';
  if (vs.some((v) => v === 'contradicted')) return 'contradicted';
  return vs.some((v) => v === 'no difference') ? 'no difference' : 'no evidence';
};

/** Per seed (paired: the same problem and seed), how often PARL holds a target earlier, at the same time, or later than a baseline ("never" = +∞). */
export const pairedCounts = (parl: ReadonlyArray<number | null>, baseline: ReadonlyArray<number | null>): { readonly earlier: number; readonly same: number; readonly later: number } => {
  let earlier = 0;
  let same = 0;
  let later = 0;
  parl.forEach((p, i) => {
    const a = p ?? Infinity;
    const b = baseline[i] ?? Infinity;
    if (a < b) earlier++;
    else if (a > b) later++;
    else same++;
  });
  return { earlier, same, later };
};

// ---------------------------------------------------------------------------------------------
// The experiment

/** One method at one (K, N) on one problem family: its α, the selection scores behind it, and one result per evaluation seed. */
export interface QueryMethodEntry {
  readonly id: QueryMethod;
  readonly K: number;
  readonly N: number;
  readonly problem: RlhfFamily;
  readonly alpha: number;
  readonly selection: ReadonlyArray<{ readonly alpha: number; readonly meanNormalisedReturn: number }>;
  readonly results: ReadonlyArray<QueryResult>;
}

/** PARL against one baseline at one target in one cell. */
export interface QuerySaving {
  readonly baseline: QueryMethod;
  readonly target: number;
  readonly parlMedian: number | null;
  readonly baselineMedian: number | null;
  /** `1 − parlMedian/baselineMedian` when both hold the target at the median; null otherwise. */
  readonly saving: number | null;
  readonly comparison: Comparison;
  /** Paired over the evaluation seeds. */
  readonly seeds: { readonly earlier: number; readonly same: number; readonly later: number };
}

/** One (problem family, K, N) cell: its verdict against each baseline (over both targets) and overall. */
export interface QueryCell {
  readonly problem: RlhfFamily;
  readonly K: number;
  readonly N: number;
  readonly verdict: Verdict;
  readonly verdictByBaseline: Readonly<Record<(typeof BASELINES)[number], Verdict>>;
  readonly savings: ReadonlyArray<QuerySaving>;
}

const BASELINES = ['myopic', 'pebble-like'] as const;
const fmtQ = (q: number | null): string => (q === null ? 'never' : String(q));
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
/** A saving `1 − q_PARL/q_baseline`; a negative one also as the ratio of queries. */
const fmtSaving = (s: number): string => (s >= 0 ? pct(s) : `${pct(s)}, i.e. ${(1 - s).toFixed(1)}× the queries`);
const holdOf = (r: QueryResult, target: number): number | null => (target === 0.5 ? r.queriesToHold50 : r.queriesToHold80);

/** The experiment on an explicit protocol (`runQueries` uses `queryProtocol`; tests use a smaller one). */
export const runQueriesWith = (opts: ExperimentOptions, protocol: QueryProtocol): ExperimentResult => {
  const { Ks, Ns, budget, alphas, families, selectionSeeds, evaluationSeeds } = protocol;
  const problems = new Map<string, { readonly problem: BilevelProblem; readonly norm: Normaliser }>();
  const problemOf = (family: RlhfFamily, seed: number) => {
    const key = `${family}/${seed}`;
    let p = problems.get(key);
    if (p === undefined) {
      const problem = rlhfFamilyProblem(family, seed);
      p = { problem, norm: normaliserOf(problem) };
      problems.set(key, p);
    }
    return p;
  };
  const solveReports: SolveReport[] = [];
  const perCell = alphas.length * families.length * selectionSeeds.length + families.length * evaluationSeeds.length;
  const total = QUERY_METHODS.length * Ks.length * Ns.length * perCell;
  let done = 0;
  const run = (method: QueryMethod, family: RlhfFamily, seed: number, K: number, N: number, alpha: number): NormalisedPoint[] => {
    const { problem, norm } = problemOf(family, seed);
    const r = runQueryMethod(problem, { method, K, N, budget, alpha, seed });
    solveReports.push(...r.solves);
    opts.onProgress?.(++done, total);
    return r.curve.map((p) => ({ queries: p.queries, normalisedReturn: normalise(p.trueReturn, norm) }));
  };

  const methods: QueryMethodEntry[] = [];
  for (const K of Ks) for (const N of Ns) for (const id of QUERY_METHODS) for (const family of families) {
    // α by the mean normalised return over the budget (the area under the curve), averaged over the selection seeds
    const selection = alphas.map((alpha) => {
      const scores = selectionSeeds.map((seed) => {
        const c = run(id, family, seed, K, N, alpha);
        return c.reduce((a, p) => a + p.normalisedReturn, 0) / c.length;
      });
      return { alpha, meanNormalisedReturn: scores.reduce((a, b) => a + b, 0) / scores.length };
    });
    const best = selection.reduce((a, b) => (b.meanNormalisedReturn > a.meanNormalisedReturn ? b : a));
    const results: QueryResult[] = evaluationSeeds.map((seed) => {
      const curve = run(id, family, seed, K, N, best.alpha);
      return {
        problem: family,
        seed,
        curve,
        queriesToHold50: queriesToHold(curve, 0.5),
        queriesToHold80: queriesToHold(curve, 0.8),
        finalNormalised: curve[curve.length - 1].normalisedReturn,
      };
    });
    methods.push({ id, K, N, problem: family, alpha: best.alpha, selection, results });
  }

  const entry = (id: QueryMethod, K: number, N: number, family: RlhfFamily): QueryMethodEntry =>
    methods.find((m) => m.id === id && m.K === K && m.N === N && m.problem === family)!;
  const n = evaluationSeeds.length;
  const summary: SummaryRow[] = [];
  const figures: Figure[] = [];
  const cells: QueryCell[] = [];
  for (const family of families) for (const K of Ks) for (const N of Ns) {
    const rs = (id: QueryMethod) => entry(id, K, N, family).results;
    const hold = (id: QueryMethod, f: number) => rs(id).map((r) => holdOf(r, f));
    const tag = `${family}, K = ${K}, N = ${N}`;
    const savings: QuerySaving[] = [];
    for (const baseline of BASELINES) for (const f of QUERY_TARGETS) {
      const parlMedian = medianQueries(hold('parl', f));
      const baselineMedian = medianQueries(hold(baseline, f));
      savings.push({
        baseline,
        target: f,
        parlMedian,
        baselineMedian,
        saving: parlMedian !== null && baselineMedian !== null ? 1 - parlMedian / baselineMedian : null,
        comparison: compareMedians(parlMedian, baselineMedian),
        seeds: pairedCounts(hold('parl', f), hold(baseline, f)),
      });
    }
    const verdictByBaseline = {
      myopic: verdictOf(savings.filter((s) => s.baseline === 'myopic').map((s) => s.comparison)),
      'pebble-like': verdictOf(savings.filter((s) => s.baseline === 'pebble-like').map((s) => s.comparison)),
    };
    const verdict = combineVerdicts(BASELINES.map((b) => verdictByBaseline[b]));
    cells.push({ problem: family, K, N, verdict, verdictByBaseline, savings });
    summary.push({
      metric: `${tag}: median queries to reach and hold 50% / 80% (seeds that hold it)`,
      value: QUERY_TARGETS.map((f) => `${pct(f)}: ${QUERY_METHODS.map((id) => {
        const h = hold(id, f);
        return `${id} ${fmtQ(medianQueries(h))} (${h.filter((x) => x !== null).length}/${n})`;
      }).join(', ')}`).join('; '),
    });
    summary.push({
      metric: `${tag}: PARL's query saving from the medians (paired over seeds: PARL earlier/same/later) → verdict`,
      value: `${savings.map((s) => `vs ${s.baseline} at ${pct(s.target)}: ${s.saving === null ? (s.comparison === 'neither-holds' ? 'neither holds' : s.comparison === 'fewer' ? `${s.baseline} never holds` : 'PARL never holds') : fmtSaving(s.saving)} (${s.seeds.earlier}/${s.seeds.same}/${s.seeds.later})`).join(', ')} → ${BASELINES.map((b) => `${verdictByBaseline[b]} against ${b}`).join(', ')}: ${verdict}`,
    });
    summary.push({
      metric: `${tag}: final normalised true return (mean ± 95% CI over ${n} seeds)`,
      value: QUERY_METHODS.map((id) => {
        const m = meanCi95(rs(id).map((r) => r.finalNormalised));
        return `${id} ${m.mean.toFixed(2)} ± ${(Number.isFinite(m.half) ? m.half : 0).toFixed(2)}`;
      }).join(', '),
    });
    // the figure: mean normalised return with its 95% band, one line per method
    const rows: Array<Record<string, number | string>> = [];
    for (const id of QUERY_METHODS) {
      const runs = rs(id);
      runs[0].curve.forEach((p, t) => {
        const m = meanCi95(runs.map((r) => r.curve[t].normalisedReturn));
        const half = Number.isFinite(m.half) ? m.half : 0;
        rows.push({ queries: p.queries, normalisedReturn: m.mean, lo: m.mean - half, hi: m.mean + half, method: `${id} (α = ${entry(id, K, N, family).alpha})` });
      });
    }
    figures.push({
      id: `queries-${family}-K${K}-N${N}`,
      title: `Normalised true return against teacher queries (${family}, K = ${K}, N = ${N})`,
      caption: `Mean over ${n} evaluation seeds of the normalised true return (J − J_uniform)/(J* − J_uniform) of π_θ, band: its 95% t-interval, against the cumulative number of teacher queries (${N} per outer step, ${K} inner policy-gradient steps, λ = ${LAMBDA}); each method at its α chosen on the selection seeds (in the legend).`,
      spec: lineChart({ rows, x: 'queries', y: 'normalisedReturn', series: 'method', xTitle: 'teacher queries', yTitle: 'normalised true return', band: { lo: 'lo', hi: 'hi' } }),
    });
  }

  const overall = combineVerdicts(cells.map((c) => c.verdict));
  const count = (v: Verdict) => cells.filter((c) => c.verdict === v).length;
  const verdicts: ReadonlyArray<Verdict> = ['supported', 'contradicted', 'mixed', 'no difference', 'no evidence'];
  const tally = verdicts.filter((v) => count(v) > 0).map((v) => `${v} in ${count(v)}`).join(', ');
  summary.unshift({ metric: `verdict on "PARL needs fewer queries" over the ${cells.length} (problem, K, N) cells`, value: `${overall}: ${tally}` });
  summary.push({
    metric: `α chosen on the selection seeds (grid ${alphas.join(', ')}), per problem and (K, N): ${QUERY_METHODS.join(' / ')}`,
    value: families.flatMap((f) => Ks.flatMap((K) => Ns.map((N) => `${f}, K = ${K}, N = ${N}: ${QUERY_METHODS.map((id) => entry(id, K, N, f).alpha).join(' / ')}`))).join('; '),
  });

  const perFamily = families.map((family) => {
    const cs = cells.filter((c) => c.problem === family);
    return `${family}: ${verdicts
      .map((v) => ({ v, at: cs.filter((c) => c.verdict === v).map((c) => `(K = ${c.K}, N = ${c.N})`) }))
      .filter((g) => g.at.length > 0)
      .map((g) => `${g.v} at ${g.at.join(', ')}`)
      .join('; ')}`;
  });
  const defined = cells.flatMap((c) => c.savings.filter((s) => s.saving !== null).map((s) => ({ ...s, cell: c })));
  const best = defined.reduce<(typeof defined)[number] | null>((a, b) => (a === null || b.saving! > a.saving! ? b : a), null);
  const worst = defined.reduce<(typeof defined)[number] | null>((a, b) => (a === null || b.saving! < a.saving! ? b : a), null);
  const where = (s: (typeof defined)[number]) => `vs ${s.baseline} at ${pct(s.target)}, ${s.cell.problem}, K = ${s.cell.K}, N = ${s.cell.N}`;
  const allComparisons = cells.flatMap((c) => c.savings);
  const parlNever = allComparisons.filter((s) => s.parlMedian === null && s.baselineMedian !== null).length;
  const unreliable = solveReports.filter((r) => !r.reliable);
  const median = (xs: number[]): number => medianQueries(xs) ?? Infinity;
  const finals = QUERY_METHODS.map((id) => {
    const xs = methods.filter((m) => m.id === id).flatMap((m) => m.results.map((r) => r.finalNormalised));
    return `${id} ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}`;
  });
  const finding = `Verdict on "PARL needs fewer queries": ${overall} (${tally} of ${cells.length} problem × (K, N) cells). ${perFamily.join('. ')}. `
    + (best === null || worst === null
      ? 'At no target do both PARL and a baseline hold it at the median, so no saving is defined. '
      : `Where both hold a target at the median, PARL's query saving ranges from ${fmtSaving(worst.saving!)} (${where(worst)}) to ${fmtSaving(best.saving!)} (${where(best)}; the paper reports up to 63%). `)
    + (parlNever > 0 ? `In ${parlNever} of ${allComparisons.length} comparisons a baseline's median holds the target and PARL's never does. ` : '')
    + `Final normalised true return, mean over every cell and seed: ${finals.join(', ')}. `
    + (unreliable.length > 0 ? `${unreliable.length} of ${solveReports.length} of PARL's ν-score solves at θ^K were flagged unreliable by their reports (median condition estimate of the Hessian ${median(unreliable.map((r) => r.condition ?? NaN)).toExponential(1)}). ` : '')
    + `(Medians over ${n} evaluation seeds, seeds ${evaluationSeeds[0]}–${evaluationSeeds[evaluationSeeds.length - 1]}, "never" counted as +∞; budget ${budget} queries; λ = ${LAMBDA}, β = ${BETA}; PARL's score term with a ${PARL_BASELINE} baseline; pebble-like ${REFIT_STEPS} refit steps per outer step; α per method, problem and (K, N) from ${alphas.join(', ')} on seeds ${selectionSeeds.join(', ')}.)`;

  return {
    name: 'queries',
    title: 'Query efficiency: true return against teacher queries for PARL, myopic and a PEBBLE-like refit',
    claim: 'PARL needs fewer preference queries than the baselines to reach a given true return (the paper: up to 63% fewer samples). Measured per problem and (K, N) by the median over seeds of the queries after which the normalised true return stays at or above 50% and 80% of the way from the uniform policy to the optimum. A cell supports the claim when PARL\'s median is below each baseline\'s at some target and above none; it contradicts it when PARL\'s median is above some baseline\'s (or PARL never holds a level a baseline holds) and below none; equal medians are no difference (the resolution is N queries); anything else is mixed.',
    finding,
    summary,
    data: {
      protocol: {
        selectionSeeds,
        evaluationSeeds,
        Ks,
        Ns,
        alphas,
        budget,
        lambda: LAMBDA,
        beta: BETA,
        refitSteps: REFIT_STEPS,
        parlBaseline: PARL_BASELINE,
        targets: QUERY_TARGETS,
        normalisedReturn: '(J − J_uniform)/(J* − J_uniform) of π_θ under r_true (λ = 0), J* the true optimum',
        selectionCriterion: 'mean normalised true return over the query budget (the area under the curve), averaged over the selection seeds, per (method, K, N, problem family)',
        queriesToHold: 'the first query count after which the normalised true return never drops below the target until the budget ends; null if never; the summaries give the median over seeds counting null as +∞',
        problems: families.map((f) => ({ id: f, seeded: true, about: RLHF_FAMILY_ABOUT[f] })),
      },
      methods,
      cells,
    },
    solves: tallySolves(solveReports),
    figures,
  };
};

/** Experiment "queries" (see the module comment). */
export const runQueries = (opts: ExperimentOptions): ExperimentResult => runQueriesWith(opts, queryProtocol(opts));
