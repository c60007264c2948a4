/**
 * The preference (RLHF) utility of the upper level and its exact objective (MATH.md §7).
 *
 *   R_ν(τ) = Σ_{h<H} r_ν[s_h,a_h]                       (undiscounted; a teacher's myopia is the teacher's)
 *   Δ_ν = R_ν(τ¹) − R_ν(τ²)
 *   U_ν(τ¹,τ²,y) = y log σ(Δ_ν) + (1−y) log σ(−Δ_ν)      (y = P(τ¹ preferred), parl-ts's orientation)
 *   ∇_ν U = (y − σ(Δ_ν)) J_rᵀ (c¹ − c²)                  (c = visit counts of a segment, an S×A table)
 *
 *   G(ν) = E_{τ¹,τ² ∼ π, y}[U],  π = π_{θ*(ν)}, τ¹ ⟂ τ², s_0 ∼ ρ
 *   ∇_ν G = E[∇_ν U] + E[U · Σ_h (ψ[s¹_h,a¹_h] + ψ[s²_h,a²_h])]
 *         = J_rᵀ g + Σ_{s,a} w[s,a] ψ[s,a],
 *   g[s,a] = Σ_pairs p(τ¹)p(τ²) (E_y[y] − σ(Δ)) (c¹ − c²)[s,a],
 *   w[s,a] = Σ_pairs p(τ¹)p(τ²) E_y[U] (c¹ + c²)[s,a]
 * — the score of a pair covers BOTH segments, and E_y[U] = U(E_y[y]) because U is affine in y.
 * The ν-score term is one vector-Jacobian product `point.nuScoreVjp(w)`: ψ is never materialised.
 *
 * Skipped queries (a teacher's skip rule, `teacher.ts`) yield no label and no utility: such a pair
 * contributes 0 to G, to the myopic gradient and to w. So G is E[U · 1{asked}], not the
 * conditional mean E[U | asked]; the latter would divide by P(asked), which itself depends on ν
 * through π*, and would change the gradient. `skipProbability` reports P(skip) under π.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Mdp } from '../mdp/types.js';
import { rewardDimension, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { invalidInput, limitExceeded, type ParlError } from '../errors/parlError.js';
import type { SolveReport } from '../numerics/solveReport.js';
import { bradleyTerryProbability, logSigmoid, segmentReturns, sigmoid, validateTeacher, type SegmentReturns } from './teacher.js';
import type { PolicyPoint, Segment, Teacher, UpperParts } from './types.js';
import type { LowerPoint } from '../lowerLevel/lowerSolution.js';

// ---------------------------------------------------------------------------------------------
// The utility of one pair

/** `U(y, Δ) = y log σ(Δ) + (1−y) log σ(−Δ)` (MATH.md §7), stable for any finite Δ; y ∈ [0, 1]. */
export const preferenceUtility = (y: number, delta: number): number => {
  // skip a zero-weight term so that 0·log σ(±∞) can never produce NaN
  const first = y === 0 ? 0 : y * logSigmoid(delta);
  const second = y === 1 ? 0 : (1 - y) * logSigmoid(-delta);
  return first + second;
};

/** `∂U/∂Δ = y − σ(Δ)` (MATH.md §7). */
export const preferenceUtilityDerivative = (y: number, delta: number): number => y - sigmoid(delta);

/** Visit counts `c[s,a] = #{h : (s_h,a_h) = (s,a)}` of a segment, an `S×A` table (MATH.md §7). */
export const segmentVisitCounts = (S: number, A: number, seg: Segment): Float64Array => {
  const c = new Float64Array(S * A);
  for (let h = 0; h < seg.states.length; h++) c[seg.states[h] * A + seg.actions[h]] += 1;
  return c;
};

/** `R(τ) = Σ_{h<H} r[s_h,a_h]` for an `S×A` table r, undiscounted (MATH.md §7). */
export const segmentReturn = (r: Readonly<Float64Array>, A: number, seg: Segment): number => {
  let acc = 0;
  for (let h = 0; h < seg.states.length; h++) acc += r[seg.states[h] * A + seg.actions[h]];
  return acc;
};

/** `U_ν(τ¹,τ²,y)` and `∇_ν U = (y − σ(Δ_ν)) J_rᵀ(c¹ − c²)`, a d-vector (MATH.md §7). */
export const preferenceUtilityAndGradient = (
  model: RewardModel,
  nu: Readonly<Float64Array>,
  seg1: Segment,
  seg2: Segment,
  y: number,
): { readonly U: number; readonly delta: number; readonly gradNu: Float64Array } => {
  const { S, A } = model;
  const r = rewardOf(model, nu);
  const delta = segmentReturn(r, A, seg1) - segmentReturn(r, A, seg2);
  const coef = preferenceUtilityDerivative(y, delta);
  const c = segmentVisitCounts(S, A, seg1);
  const c2 = segmentVisitCounts(S, A, seg2);
  for (let i = 0; i < c.length; i++) c[i] = coef * (c[i] - c2[i]);
  return { U: preferenceUtility(y, delta), delta, gradNu: rewardJacobianTransposeApply(model, c) };
};

// ---------------------------------------------------------------------------------------------
// Segment probabilities and enumeration

/** `p(τ) = ρ(s_0) Π_{h<H} π(a_h|s_h) Π_{h<H−1} P(s_{h+1}|s_h,a_h)` (MATH.md §7; ρ defaults to `mdp.rho`). */
export const segmentProbability = (mdp: Mdp, pi: Readonly<Float64Array>, seg: Segment, rho: Readonly<Float64Array> = mdp.rho): number => {
  const { S, A, P } = mdp;
  const H = seg.states.length;
  if (H === 0) return 1;
  let p = rho[seg.states[0]];
  for (let h = 0; h < H && p !== 0; h++) {
    const sa = seg.states[h] * A + seg.actions[h];
    p *= pi[sa];
    if (h + 1 < H) p *= P[sa * S + seg.states[h + 1]];
  }
  return p;
};

/**
 * The number of length-H segments whose every factor ρ(s_0), π(a_h|s_h), P(s_{h+1}|s_h,a_h) is
 * positive (MATH.md §7), by a count recursion over (h, s): at most `(S·A)^H`, and the size of
 * `enumerateSegments` unless a product of positive factors underflows to 0 (such segments are
 * dropped there). Counts above 1e300 are reported as Infinity.
 */
export const countReachableSegments = (mdp: Mdp, pi: Readonly<Float64Array>, H: number, rho: Readonly<Float64Array> = mdp.rho): number => {
  const { S, A, P } = mdp;
  let count = new Float64Array(S);
  for (let s = 0; s < S; s++) count[s] = rho[s] > 0 ? 1 : 0;
  for (let h = 0; h + 1 < H; h++) {
    const next = new Float64Array(S);
    let total = 0;
    for (let s = 0; s < S; s++) {
      if (count[s] === 0) continue;
      for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        if (pi[sa] === 0) continue;
        for (let t = 0; t < S; t++) if (P[sa * S + t] > 0) next[t] += count[s];
      }
    }
    for (let t = 0; t < S; t++) total += next[t];
    if (!(total <= 1e300)) return Infinity;
    count = next;
  }
  let n = 0;
  for (let s = 0; s < S; s++) {
    if (count[s] === 0) continue;
    let actions = 0;
    for (let a = 0; a < A; a++) if (pi[s * A + a] > 0) actions++;
    n += count[s] * actions;
  }
  return n;
};

/** One enumerated segment with its probability under π. */
export interface WeightedSegment {
  readonly segment: Segment;
  readonly probability: number;
}

/** Every length-H segment with positive probability under π from ρ, depth first in (s_0, a_0, s_1, …) order (MATH.md §7). */
export const enumerateSegments = (
  mdp: Mdp,
  pi: Readonly<Float64Array>,
  H: number,
  rho: Readonly<Float64Array> = mdp.rho,
): WeightedSegment[] => {
  const { S, A, P } = mdp;
  const out: WeightedSegment[] = [];
  if (!(H >= 1)) return out;
  const states = new Int32Array(H);
  const actions = new Int32Array(H);
  // iterative depth-first search (no recursion, so any H is safe): at depth h the prefix
  // (s_0, a_0, …, s_h) has probability base[h]; nextA[h], nextT[h] say where to resume
  const base = new Float64Array(H);
  const nextA = new Int32Array(H);
  const nextT = new Int32Array(H);
  for (let s0 = 0; s0 < S; s0++) {
    if (!(rho[s0] > 0)) continue;
    states[0] = s0;
    base[0] = rho[s0];
    nextA[0] = 0;
    nextT[0] = 0;
    let h = 0;
    while (h >= 0) {
      const s = states[h];
      let descended = false;
      while (nextA[h] < A) {
        const a = nextA[h];
        const sa = s * A + a;
        const pa = base[h] * pi[sa];
        if (pa === 0) {
          nextA[h]++;
          nextT[h] = 0;
          continue;
        }
        actions[h] = a;
        if (h + 1 === H) {
          out.push({ segment: { states: states.slice(), actions: actions.slice() }, probability: pa });
          nextA[h]++;
          continue;
        }
        let t = nextT[h];
        while (t < S && !(P[sa * S + t] > 0 && pa * P[sa * S + t] > 0)) t++;
        if (t === S) {
          nextA[h]++;
          nextT[h] = 0;
          continue;
        }
        nextT[h] = t + 1;
        states[h + 1] = t;
        base[h + 1] = pa * P[sa * S + t];
        nextA[h + 1] = 0;
        nextT[h + 1] = 0;
        h++;
        descended = true;
        break;
      }
      if (!descended) h--;
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// The exact objective

/** Options of `preferenceObjectiveExact`. */
export interface PreferenceExactOptions {
  /** Initial distribution of s_0 (default `mdp.rho`). */
  readonly rho?: Readonly<Float64Array>;
  /** Largest number of ordered segment pairs to enumerate (default 4e6). */
  readonly maxPairs?: number;
}

/** G, the PARL gradient and the myopic gradient of a preference utility, exact by enumeration. */
export interface PreferenceObjective {
  /** `G = E[U]` over pairs and labels (skipped pairs count 0). */
  readonly G: number;
  /** `∇_ν G` including the ν-score term. */
  readonly gradG: Float64Array;
  /** `E[∇_ν U]`: the gradient that ignores how the data depends on ν. */
  readonly gradGMyopic: Float64Array;
  /** Number of ordered pairs enumerated (segments²). */
  readonly pairs: number;
  /** Number of segments with positive probability. */
  readonly segments: number;
  /** Probability that a pair is skipped by the teacher. */
  readonly skipProbability: number;
  /** Reports of the solves behind the value: the point's (θ*) and the ν-score VJP's. */
  readonly reports: ReadonlyArray<SolveReport>;
}

/** Default bound on ordered pairs for exact enumeration. */
export const DEFAULT_MAX_PAIRS = 4e6;

const formatCount = (x: number): string =>
  !Number.isFinite(x) ? 'more than 1e300' : x < 1e6 && Number.isInteger(x) ? String(x) : x.toExponential(2);

const checkTable = (x: Readonly<Float64Array>, n: number, field: string): ParlError | undefined => {
  if (x.length !== n) return invalidInput(field, `wrong length: expected ${n}, got ${x.length}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return invalidInput(field, `not a finite number: ${x[i]}`, [i]);
  return undefined;
};

/**
 * `G(ν)`, `∇_ν G` and the myopic gradient for the preference utility, exact by enumerating every
 * pair of length-H segments drawn from `point.pi` (MATH.md §7). A Left names the offending input,
 * or gives the pair count when it exceeds `maxPairs` (then use the sampled estimator).
 */
export const preferenceObjectiveExact = (
  point: PolicyPoint,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  opts: PreferenceExactOptions = {},
): E.Either<ParlError, PreferenceObjective> => {
  const parts = preferenceParts(point.lower, point.pi, teacher, rTrue, H, opts);
  if (E.isLeft(parts)) return parts;
  const { gradGMyopic, scoreWeights, ...rest } = parts.right;
  const scoreTerm = point.nuScoreVjp(scoreWeights);
  const gradG = gradGMyopic.map((x, k) => x + scoreTerm.value[k]);
  return E.right({ ...rest, gradG, gradGMyopic, reports: [...point.reports, scoreTerm.report] });
};

/**
 * The parts of the preference objective at π that need no ν-score (MATH.md §7), exact by
 * enumeration: G, the myopic gradient, the score weights (`UpperParts`), and the enumeration's size.
 */
export const preferenceParts = (
  lower: LowerPoint,
  pi: Readonly<Float64Array>,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  opts: PreferenceExactOptions = {},
): E.Either<ParlError, UpperParts & { readonly pairs: number; readonly segments: number; readonly skipProbability: number }> => {
  const { mdp, model, nu, r } = lower;
  const { S, A } = mdp;
  const maxPairs = opts.maxPairs ?? DEFAULT_MAX_PAIRS;
  const rho = opts.rho ?? mdp.rho;
  if (!Number.isInteger(H) || H < 1) return E.left(invalidInput('H', `segment length must be an integer ≥ 1, got ${H}`));
  if (!(maxPairs >= 1)) return E.left(invalidInput('maxPairs', `must be ≥ 1, got ${maxPairs}`));
  if (model.S !== S || model.A !== A) {
    return E.left(invalidInput('model', `reward model is ${model.S}×${model.A}, the MDP ${S}×${A}`));
  }
  const d = rewardDimension(model);
  const bad = checkTable(nu, d, 'nu') ?? checkTable(rTrue, S * A, 'rTrue') ?? checkTable(pi, S * A, 'pi') ?? checkTable(rho, S, 'rho');
  if (bad !== undefined) return E.left(bad);
  const tv = validateTeacher(teacher);
  if (E.isLeft(tv)) {
    return E.left(invalidInput(`teacher.${tv.left[0].field}`, tv.left.map((e) => `${e.field}: ${e.message}`).join('; ')));
  }

  const n = countReachableSegments(mdp, pi, H, rho);
  const nPairs = n * n;
  if (!(nPairs <= maxPairs)) {
    return E.left(limitExceeded(
      'H',
      nPairs,
      maxPairs,
      `exact enumeration needs ${formatCount(nPairs)} segment pairs (${formatCount(n)} reachable segments of length H = ${H}; the bound (S·A)^H is ${formatCount(Math.pow(S * A, H))}), more than the limit ${formatCount(maxPairs)}; use the sampled estimator`,
    ));
  }

  const segs = enumerateSegments(mdp, pi, H, rho);
  const m = segs.length;
  const prob = new Float64Array(m);
  const Rnu = new Float64Array(m);
  const ret: SegmentReturns[] = new Array(m);
  for (let i = 0; i < m; i++) {
    prob[i] = segs[i].probability;
    Rnu[i] = segmentReturn(r, A, segs[i].segment);
    ret[i] = segmentReturns(teacher, rTrue, A, segs[i].segment);
  }

  // per-segment coefficients: the pair terms are linear in c¹ and c², so accumulate scalars and
  // contract with the visit counts once at the end (O(m² + m·H) instead of O(m²·H))
  const myopicCoef = new Float64Array(m); // Σ_j p_i p_j (ȳ − σ(Δ_ij)) − Σ_j p_j p_i (ȳ − σ(Δ_ji))
  const scoreCoef = new Float64Array(m); // Σ_j p_i p_j E[U_ij] + Σ_j p_j p_i E[U_ji]
  // the teacher's answer for (i, j) depends on the true returns only; the inner loop inlines
  // labelDistributionFromReturns (teacher.ts) for speed — the brute-force test checks the two agree
  const { beta, mistake, skipThreshold, equalThreshold } = teacher;
  const total = new Float64Array(m);
  const myopic = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    total[i] = ret[i].total;
    myopic[i] = ret[i].myopic;
  }
  let G = 0;
  let skip = 0;
  for (let i = 0; i < m; i++) {
    const pi_ = prob[i];
    let rowG = 0;
    let rowSkip = 0;
    let rowMyopic = 0;
    for (let j = 0; j < m; j++) {
      if (Math.max(total[i], total[j]) <= skipThreshold) {
        rowSkip += prob[j];
        continue;
      }
      let y: number;
      if (Math.abs(total[i] - total[j]) < equalThreshold) y = 0.5;
      else {
        const py = bradleyTerryProbability(beta, myopic[i] - myopic[j]);
        y = mistake === 0 ? py : (1 - mistake) * py + mistake * (1 - py);
      }
      const p = pi_ * prob[j];
      const delta = Rnu[i] - Rnu[j];
      // one exp and one log1p give log σ(±Δ) and σ(Δ): e = e^{−|Δ|}, L = log1p(e)
      const e = Math.exp(-Math.abs(delta));
      const L = Math.log1p(e);
      const logSigPos = delta >= 0 ? -L : delta - L; // log σ(Δ)
      const logSigNeg = delta >= 0 ? -delta - L : -L; // log σ(−Δ)
      const sig = delta >= 0 ? 1 / (1 + e) : e / (1 + e);
      const u = p * ((y === 0 ? 0 : y * logSigPos) + (y === 1 ? 0 : (1 - y) * logSigNeg));
      const g = p * (y - sig);
      rowG += u;
      rowMyopic += g;
      myopicCoef[j] -= g;
      scoreCoef[i] += u;
      scoreCoef[j] += u;
    }
    myopicCoef[i] += rowMyopic;
    G += rowG;
    skip += pi_ * rowSkip;
  }

  const gTable = new Float64Array(S * A);
  const w = new Float64Array(S * A);
  for (let i = 0; i < m; i++) {
    const { states, actions } = segs[i].segment;
    for (let h = 0; h < H; h++) {
      const sa = states[h] * A + actions[h];
      gTable[sa] += myopicCoef[i];
      w[sa] += scoreCoef[i];
    }
  }
  return E.right({ G, gradGMyopic: rewardJacobianTransposeApply(model, gTable), scoreWeights: w, pairs: m * m, segments: m, skipProbability: skip });
};
