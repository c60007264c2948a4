/**
 * Sample-based gradient estimators (MATH.md §4 lower level, §7 upper level), each unbiased for
 * its exact counterpart and returned with a per-coordinate standard error.
 *
 * Every estimator draws N independent samples from one seeded `Rng` (same seed, same bits) and
 * returns `estimate` = the sample mean of the N per-sample vectors, `standardError` = the sample
 * standard deviation (denominator N − 1, by Welford's update) divided by √N, per coordinate
 * (NaN when N = 1), `samples` = N, `steps` = the number of state–action pairs drawn, and for
 * preference estimators `queries` = the number of preference queries put to the teacher.
 *
 * Per-sample vectors use the same draws in the same order in a PARL estimator and in its myopic
 * counterpart, so with the same seed the two differ sample by sample exactly by the ν-score term.
 */
import type { Mdp } from '../mdp/types.js';
import { softmaxLogProbs, softmaxProbs } from '../policy/softmax.js';
import type { Rng } from '../random/rng.js';
import { rewardDimension, rewardJacobianTransposeApply, rewardOf, type RewardModel } from '../reward/rewardModel.js';
import { utilityGradientApply, utilityTable, type AdditiveUtility } from './additive.js';
import { preferenceUtility, preferenceUtilityDerivative, segmentReturn } from './preference.js';
import { sampleSegment, sampleTrajectory, type HorizonSpec } from './sampler.js';
import { drawLabel } from './teacher.js';
import type { Teacher } from './types.js';

/** A Monte Carlo estimate with its per-coordinate standard error and the budget it used. */
export interface SampledEstimate {
  /** Mean of the N per-sample vectors. */
  readonly estimate: Float64Array;
  /** Per coordinate: sample standard deviation (N − 1 denominator) / √N; NaN when N = 1. */
  readonly standardError: Float64Array;
  /** N: trajectories (additive, lower level) or segment pairs (preferences). */
  readonly samples: number;
  /** State–action pairs drawn in total (both segments of a pair count). */
  readonly steps: number;
  /** Preference queries put to the teacher (skipped ones included); preference estimators only. */
  readonly queries?: number;
}

/** Options of the upper-level estimators. */
export interface UpperLevelSampleOptions {
  /**
   * Baseline subtracted from U in the score term of the PARL estimators; default 0. A number b is
   * a constant (E_π[ψ] = 0 keeps the mean). `'leave-one-out'` gives sample i the mean of the other
   * N − 1 samples' U, `b_i = (Σ_j U_j − U_i)/(N − 1)`: independent of sample i, so
   * `E[b_i · score_i] = E[b_i] E[score_i] = 0` and the mean is kept too; it needs N ≥ 2. The
   * per-sample vectors then share the other samples' U, so the reported standard error (the
   * sample standard deviation of those vectors over √N) is the usual large-N approximation: the
   * estimate equals the mean of ∇U plus N/(N − 1) times the sample covariance of U and the score.
   */
  readonly baseline?: number | 'leave-one-out';
}

/** Options of the additive upper-level estimator. */
export interface AdditiveSampleOptions extends UpperLevelSampleOptions {
  /** Use the causal (reward-to-go) form `Σ_h (Σ_{k≥h} u_k − b) ψ_h` instead of `(U − b) Σ_h ψ_h`; default false. */
  readonly causal?: boolean;
}

// ---------------------------------------------------------------------------------------
// Running moments (Welford), per coordinate

interface Moments {
  readonly add: (x: Readonly<Float64Array>) => void;
  readonly finish: () => { readonly estimate: Float64Array; readonly standardError: Float64Array };
}

const makeMoments = (dim: number): Moments => {
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  let n = 0;
  return {
    add: (x) => {
      n += 1;
      for (let i = 0; i < dim; i++) {
        const delta = x[i] - mean[i];
        mean[i] += delta / n;
        m2[i] += delta * (x[i] - mean[i]);
      }
    },
    finish: () => {
      const se = new Float64Array(dim);
      for (let i = 0; i < dim; i++) se[i] = n > 1 ? Math.sqrt(m2[i] / (n - 1) / n) : NaN;
      return { estimate: mean, standardError: se };
    },
  };
};

const checkSampleCount = (N: number): void => {
  if (!Number.isSafeInteger(N) || N < 1) throw new RangeError(`N (number of samples) must be a positive integer, got ${N}`);
};

const checkPsi = (mdp: Mdp, psi: Readonly<Float64Array>, d: number): void => {
  if (psi.length !== mdp.S * mdp.A * d)
    throw new RangeError(`psi has length ${psi.length}, expected (S·A)×d = ${mdp.S * mdp.A * d} (materialise it with nuScoreClosedForm)`);
};

const checkBaseline = (b: number | 'leave-one-out', N: number): void => {
  if (b === 'leave-one-out') {
    if (N < 2) throw new RangeError(`the leave-one-out baseline needs N ≥ 2 samples, got N = ${N}`);
    return;
  }
  if (typeof b !== 'number' || !Number.isFinite(b)) throw new RangeError(`baseline must be a finite number or 'leave-one-out', got ${String(b)}`);
};

/**
 * The leave-one-out finish: per-sample vectors `base_i − b_i · score_i` with
 * `b_i = (Σ_j U_j − U_i)/(N − 1)`, fed to the moments in sample order. `base_i` is sample i's
 * vector without a baseline and `score_i` the ν-score sum the baseline multiplies.
 */
const leaveOneOut = (
  moments: Moments,
  d: number,
  base: ReadonlyArray<Float64Array>,
  score: ReadonlyArray<Float64Array>,
  U: Readonly<Float64Array>,
): void => {
  const N = U.length;
  let total = 0;
  for (let n = 0; n < N; n++) total += U[n];
  const x = new Float64Array(d);
  for (let n = 0; n < N; n++) {
    const b = (total - U[n]) / (N - 1);
    for (let i = 0; i < d; i++) x[i] = base[n][i] - b * score[n][i];
    moments.add(x);
  }
};

/** x += coef · ψ[sa, :] */
const addPsiRow = (x: Float64Array, psi: Readonly<Float64Array>, sa: number, d: number, coef: number): void => {
  if (coef === 0) return;
  const o = sa * d;
  for (let i = 0; i < d; i++) x[i] += coef * psi[o + i];
};

/** x += coef · ∂ log π(a|s)/∂θ = coef · (e_{s,a} − π(·|s)) on row s (MATH.md §2). */
const addScore = (x: Float64Array, pi: Readonly<Float64Array>, A: number, s: number, a: number, coef: number): void => {
  if (coef === 0) return;
  const o = s * A;
  for (let b = 0; b < A; b++) x[o + b] -= coef * pi[o + b];
  x[o + a] += coef;
};

// ---------------------------------------------------------------------------------------
// Lower level: ∇_θ J_λ (MATH.md §4)

const lowerLevelGradient = (
  form: 'reinforce' | 'gpomdp',
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  N: number,
  rng: Rng,
  spec: HorizonSpec,
): SampledEstimate => {
  checkSampleCount(N);
  const { S, A, gamma } = mdp;
  if (r.length !== S * A || theta.length !== S * A)
    throw new RangeError(`r and theta must have length S·A = ${S * A}, got ${r.length} and ${theta.length}`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`lambda must be finite and ≥ 0, got ${lambda}`);
  const pi = softmaxProbs(theta, S, A);
  const logPi = softmaxLogProbs(theta, S, A);
  const geometric = !('horizon' in spec);
  const moments = makeMoments(S * A);
  const x = new Float64Array(S * A);
  let steps = 0;
  for (let n = 0; n < N; n++) {
    const tr = sampleTrajectory(mdp, pi, rng, spec);
    const T = tr.length;
    steps += T;
    // c_h = (γ^h, or 1 with the geometric horizon) · (r − λ log π)[s_h, a_h]
    const c = new Float64Array(T);
    let disc = 1;
    for (let h = 0; h < T; h++) {
      const sa = tr.states[h] * A + tr.actions[h];
      c[h] = disc * (r[sa] - lambda * logPi[sa]);
      if (!geometric) disc *= gamma;
    }
    x.fill(0);
    if (form === 'reinforce') {
      let total = 0;
      for (let h = 0; h < T; h++) total += c[h];
      for (let h = 0; h < T; h++) addScore(x, pi, A, tr.states[h], tr.actions[h], total);
    } else {
      let toGo = 0;
      for (let h = T - 1; h >= 0; h--) {
        toGo += c[h];
        addScore(x, pi, A, tr.states[h], tr.actions[h], toGo);
      }
    }
    moments.add(x);
  }
  return { ...moments.finish(), samples: N, steps };
};

/**
 * REINFORCE estimate of `∇_θ J_λ` (MATH.md §4): per trajectory `(Σ_h c_h)(Σ_h ∇_θ log π(a_h|s_h))`
 * with `c_h = r − λ log π` at step h. `{ geometric: true }` (T geometric, P(T > h) = γ^h, no
 * discount in c) is unbiased for the exact `∇_θ J`: score terms after step h have mean 0 given
 * the past and T is independent of the path, so the mean is `Σ_h γ^h E[c_h Σ_{k≤h} ∇log π_k]`,
 * the discounted policy gradient; the explicit `−λ ∇_θ log π(a_h|s_h)` of the entropy reward is
 * dropped because its mean given s_h is 0. `{ horizon: H }` uses `c_h = γ^h (r − λ log π)` and is
 * unbiased for the truncated objective `E Σ_{h<H} γ^h c_h` (bias O(γ^H) against `∇_θ J`).
 */
export const reinforceGradient = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  N: number,
  rng: Rng,
  spec: HorizonSpec,
): SampledEstimate => lowerLevelGradient('reinforce', mdp, r, theta, lambda, N, rng, spec);

/**
 * GPOMDP (causal / reward-to-go) estimate of `∇_θ J_λ` (MATH.md §4): per trajectory
 * `Σ_h ∇_θ log π(a_h|s_h) Σ_{k≥h} c_k`, i.e. `Σ_h c_h Σ_{k≤h} ∇_θ log π(a_k|s_k)`, same `c_h`
 * and the same horizon semantics as `reinforceGradient` (geometric: unbiased for `∇_θ J`;
 * fixed H: unbiased for the H-step truncation). Same mean, usually lower variance.
 */
export const gpomdpGradient = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  theta: Readonly<Float64Array>,
  lambda: number,
  N: number,
  rng: Rng,
  spec: HorizonSpec,
): SampledEstimate => lowerLevelGradient('gpomdp', mdp, r, theta, lambda, N, rng, spec);

// ---------------------------------------------------------------------------------------
// Upper level, additive utility (MATH.md §7)

const additiveSampled = (
  withScore: boolean,
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  psi: Readonly<Float64Array> | undefined,
  utility: AdditiveUtility,
  N: number,
  rng: Rng,
  opts: AdditiveSampleOptions,
): SampledEstimate => {
  checkSampleCount(N);
  const { S, A } = mdp;
  const d = rewardDimension(model);
  if (psi !== undefined) checkPsi(mdp, psi, d);
  const baseline = opts.baseline ?? 0;
  checkBaseline(baseline, N);
  // the leave-one-out baseline: each sample's vector without a baseline and its score sum, kept to the end
  const loo = baseline === 'leave-one-out' && withScore && psi !== undefined;
  const b = baseline === 'leave-one-out' ? 0 : baseline;
  const looBase: Float64Array[] = [];
  const looScore: Float64Array[] = [];
  const looU = loo ? new Float64Array(N) : new Float64Array(0);
  const causal = opts.causal ?? false;
  const u = utilityTable(utility, nu);
  if (u.length !== S * A) throw new RangeError(`utility table has length ${u.length}, expected S·A = ${S * A}`);
  const dependsOnNu = utility.kind === 'additive-nu';
  const counts = new Float64Array(S * A);
  const x = new Float64Array(d);
  const scoreSum = new Float64Array(d);
  const moments = makeMoments(d);
  let steps = 0;
  for (let n = 0; n < N; n++) {
    const tr = sampleTrajectory(mdp, piStar, rng, { geometric: true });
    const T = tr.length;
    steps += T;
    x.fill(0);
    // ∇_ν U = Σ_{h<T} ∇_ν u[s_h,a_h] = J_uᵀ (visit counts)
    if (dependsOnNu) {
      for (let h = 0; h < T; h++) counts[tr.states[h] * A + tr.actions[h]] += 1;
      const g = utilityGradientApply(utility, nu, counts, d);
      for (let i = 0; i < d; i++) x[i] = g[i];
      for (let h = 0; h < T; h++) counts[tr.states[h] * A + tr.actions[h]] = 0;
    }
    if (withScore && psi !== undefined) {
      if (causal) {
        let toGo = 0;
        for (let h = T - 1; h >= 0; h--) {
          const sa = tr.states[h] * A + tr.actions[h];
          toGo += u[sa];
          addPsiRow(x, psi, sa, d, toGo - b);
        }
        if (loo) {
          // U = the whole trajectory's utility (the reward-to-go at h = 0), score = Σ_h ψ_h
          looU[n] = toGo;
          const sc = new Float64Array(d);
          for (let h = 0; h < T; h++) addPsiRow(sc, psi, tr.states[h] * A + tr.actions[h], d, 1);
          looScore.push(sc);
        }
      } else {
        scoreSum.fill(0);
        let U = 0;
        for (let h = 0; h < T; h++) {
          const sa = tr.states[h] * A + tr.actions[h];
          U += u[sa];
          addPsiRow(scoreSum, psi, sa, d, 1);
        }
        const coef = U - b;
        for (let i = 0; i < d; i++) x[i] += coef * scoreSum[i];
        if (loo) {
          looU[n] = U;
          looScore.push(Float64Array.from(scoreSum));
        }
      }
    }
    if (loo) looBase.push(Float64Array.from(x));
    else moments.add(x);
  }
  if (loo) leaveOneOut(moments, d, looBase, looScore, looU);
  return { ...moments.finish(), samples: N, steps };
};

/**
 * PARL gradient of an additive utility from N geometric-horizon trajectories of π* (MATH.md §7):
 * per trajectory `Σ_{h<T} ∇_ν u[s_h,a_h] + (U − b) Σ_{h<T} ψ[s_h,a_h]` with `U = Σ_{h<T} u[s_h,a_h]`
 * (REINFORCE form), or with `causal: true` `Σ_{h<T} ∇_ν u[s_h,a_h] + Σ_{h<T} (Σ_{k=h}^{T−1} u_k − b) ψ[s_h,a_h]`.
 * T is geometric (P(T > h) = γ^h, see `sampleTrajectory`), so both are unbiased for the exact
 * `∇_ν G` of `additiveObjectiveExact`; a constant b leaves the mean unchanged because
 * `Σ_a π*(a|s) ψ[s,a] = 0`, and so does `baseline: 'leave-one-out'` (b_i = the mean of the other
 * N − 1 trajectories' U, subtracted as `b_i Σ_h ψ[s_h,a_h]` in either form; see
 * `UpperLevelSampleOptions`). `psi` is the materialised `(S·A)×d` ν-score (`nuScoreClosedForm`).
 */
export const parlGradientAdditiveSampled = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  psi: Readonly<Float64Array>,
  utility: AdditiveUtility,
  N: number,
  rng: Rng,
  opts: AdditiveSampleOptions = {},
): SampledEstimate => additiveSampled(true, mdp, model, nu, piStar, psi, utility, N, rng, opts);

/**
 * Myopic gradient of an additive utility (MATH.md §7): `Σ_{h<T} ∇_ν u[s_h,a_h]` over geometric
 * trajectories of π* (the ν-score term dropped); zero for a fixed table. Same draws as the PARL form.
 */
export const myopicGradientAdditiveSampled = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  utility: AdditiveUtility,
  N: number,
  rng: Rng,
): SampledEstimate => additiveSampled(false, mdp, model, nu, piStar, undefined, utility, N, rng, {});

// ---------------------------------------------------------------------------------------
// Upper level, preference utility (MATH.md §7)

const preferenceSampled = (
  withScore: boolean,
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  psi: Readonly<Float64Array> | undefined,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  N: number,
  rng: Rng,
  opts: UpperLevelSampleOptions,
): SampledEstimate => {
  checkSampleCount(N);
  const { S, A } = mdp;
  const d = rewardDimension(model);
  if (psi !== undefined) checkPsi(mdp, psi, d);
  if (rTrue.length !== S * A) throw new RangeError(`rTrue has length ${rTrue.length}, expected S·A = ${S * A}`);
  if (!Number.isSafeInteger(H) || H < 1) throw new RangeError(`segment length H must be an integer ≥ 1, got ${H}`);
  const baseline = opts.baseline ?? 0;
  checkBaseline(baseline, N);
  // the leave-one-out baseline: each pair's vector without a baseline and its score, kept to the end
  const loo = baseline === 'leave-one-out' && withScore && psi !== undefined;
  const b = baseline === 'leave-one-out' ? 0 : baseline;
  const looBase: Float64Array[] = [];
  const looScore: Float64Array[] = [];
  const looU = loo ? new Float64Array(N) : new Float64Array(0);
  const r = rewardOf(model, nu);
  const diff = new Float64Array(S * A);
  const x = new Float64Array(d);
  const score = new Float64Array(d);
  const moments = makeMoments(d);
  let queries = 0;
  for (let n = 0; n < N; n++) {
    const seg1 = sampleSegment(mdp, piStar, H, rng);
    const seg2 = sampleSegment(mdp, piStar, H, rng);
    const label = drawLabel(teacher, rTrue, A, seg1, seg2, rng);
    queries += 1;
    x.fill(0);
    // U = 0 and ∇U = 0 for a skipped query
    let U = 0;
    if (!('skip' in label)) {
      const delta = segmentReturn(r, A, seg1) - segmentReturn(r, A, seg2);
      U = preferenceUtility(label.y, delta);
      // ∂U/∂Δ = y − σ(Δ); ∇_ν Δ = J_rᵀ (visits(τ¹) − visits(τ²))
      for (let h = 0; h < H; h++) {
        diff[seg1.states[h] * A + seg1.actions[h]] += 1;
        diff[seg2.states[h] * A + seg2.actions[h]] -= 1;
      }
      const g = rewardJacobianTransposeApply(model, diff);
      const slope = preferenceUtilityDerivative(label.y, delta);
      for (let i = 0; i < d; i++) x[i] = slope * g[i];
      for (let h = 0; h < H; h++) {
        diff[seg1.states[h] * A + seg1.actions[h]] = 0;
        diff[seg2.states[h] * A + seg2.actions[h]] = 0;
      }
    }
    if (withScore && psi !== undefined) {
      const coef = U - b;
      if (coef !== 0 || loo) {
        score.fill(0);
        for (let h = 0; h < H; h++) {
          addPsiRow(score, psi, seg1.states[h] * A + seg1.actions[h], d, 1);
          addPsiRow(score, psi, seg2.states[h] * A + seg2.actions[h], d, 1);
        }
        for (let i = 0; i < d; i++) x[i] += coef * score[i];
      }
      if (loo) {
        // a skipped pair has U = 0 and keeps its −b_i · score term, as with a constant baseline
        looU[n] = U;
        looScore.push(Float64Array.from(score));
      }
    }
    if (loo) looBase.push(Float64Array.from(x));
    else moments.add(x);
  }
  if (loo) leaveOneOut(moments, d, looBase, looScore, looU);
  return { ...moments.finish(), samples: N, steps: 2 * H * N, queries };
};

/**
 * PARL gradient of the preference utility from N segment pairs of π* (MATH.md §7): per pair
 * (τ¹, τ² independent length-H segments from ρ under π*, label y from `drawLabel`)
 * `∇_ν U + (U − b)(Σ_h ψ(τ¹_h) + Σ_h ψ(τ²_h))`, `U = y log σ(Δ_ν) + (1−y) log σ(−Δ_ν)`,
 * `∇_ν U = (y − σ(Δ_ν)) J_rᵀ(visits(τ¹) − visits(τ²))`. Unbiased for the exact enumeration.
 * A skipped query (teacher's skip rule) has U = 0 and ∇U = 0: it contributes 0 without a
 * baseline, `−b·(score of both segments)` with one (which keeps the mean: E_π*[ψ] = 0 over all
 * pairs, skipped or not; dropping it would bias by b·E[1(skip)·score]), and it counts as a query.
 * `baseline: 'leave-one-out'` uses `b_i` = the mean U of the other N − 1 pairs (skipped ones
 * counting U = 0), also unbiased (see `UpperLevelSampleOptions`).
 */
export const parlGradientPreferenceSampled = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  psi: Readonly<Float64Array>,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  N: number,
  rng: Rng,
  opts: UpperLevelSampleOptions = {},
): SampledEstimate => preferenceSampled(true, mdp, model, nu, piStar, psi, teacher, rTrue, H, N, rng, opts);

/**
 * Myopic (standard RLHF) gradient of the preference utility (MATH.md §7): the mean of `∇_ν U` over
 * N labelled pairs of π* (the ν-score term dropped; skipped queries contribute 0 and count as
 * queries). Same draws as the PARL form.
 */
export const myopicGradientPreferenceSampled = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  piStar: Readonly<Float64Array>,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
  N: number,
  rng: Rng,
): SampledEstimate => preferenceSampled(false, mdp, model, nu, piStar, undefined, teacher, rTrue, H, N, rng, {});
