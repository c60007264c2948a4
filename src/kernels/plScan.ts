/**
 * PL landscape scan (MATH.md §9): over many sampled θ, the PL ratio `‖∇_θ J‖² / (J* − J)` (the
 * paper's assumption) and the Łojasiewicz ratio `‖∇_θ J‖ / (J* − J)`; the empirical constants are the
 * minima. `J` and `∇_θ J` come from `evaluateBatch` on any backend (batches of θ at once); `J*` is
 * computed once in float64 (`softOptimum` for λ > 0, `plainOptimum` for λ = 0) and the gaps
 * `J* − J` in float64.
 *
 * θ families (seeded, `makeRng`): `gaussian σ` draws `θ = σ·z` with `z ∼ N(0, I)`; `near optimum c`
 * draws `θ = θ* + z/c` for λ > 0 (θ* the canonical soft optimum) and `θ = c·e_{a*} + z` for λ = 0 (a*
 * a greedy optimal action per state), so larger `c` samples closer to the optimum.
 *
 * For λ = 0 every sample is also checked against Mei et al. (2020, Lemma 8): the non-uniform
 * Łojasiewicz inequality `‖∇J‖ ≥ c(θ)·(J* − J)` with `c(θ) = min_s π_θ(a*(s)|s) / (√S ‖d^{π*}_ρ / d^{π_θ}_ρ‖∞)`
 * (`meiLojasiewiczConstant`, `src/gradient/lojasiewicz.ts`, on the backend's `d` and float64 `π_θ`).
 * Its PL ratio tends to 0 along the `near optimum` family: the paper's PL assumption fails at λ = 0.
 *
 * Example (executed in `test/kernels/plScan.test.ts`):
 *   withBackend('js', (k) => plScan(k, { mdp, r, lambda: 0.1, samples: 512, seed: 1 }))
 *     // Right({ Jstar, pl: { min, … }, lojasiewicz: { min, … }, families: [...], run: { backend: 'js', … } })
 */
import * as E from 'fp-ts/lib/Either.js';
import { invalidInput, numericalFailure, type ParlError } from '../errors/parlError.js';
import { meiLojasiewiczConstant } from '../gradient/lojasiewicz.js';
import type { Mdp } from '../mdp/types.js';
import { plainOptimum, softOptimum } from '../optimal/index.js';
import { softmaxProbs } from '../policy/softmax.js';
import { makeRng } from '../random/rng.js';
import { evaluatePolicyTable } from '../value/policyEvaluation.js';
import { kernelRunOf, type KernelRun, type KernelSession } from './backend.js';
import { evaluateBatch } from './batchedEvaluation.js';
import { packShiftedRows } from './batchedSoftmax.js';
import { CHUNK_ELEMENTS, chunkRange, planChunks } from './chunking.js';
import { FUSED_MAX_S, createFusedScanKernel, fusedScanSource } from './fusedScanKernel.js';
import { evaluationTolerance } from './tolerances.js';

/** Options of `plScan`. */
export interface PlScanOptions {
  readonly mdp: Mdp;
  readonly r: Readonly<Float64Array>;
  /** Entropy weight λ ≥ 0. */
  readonly lambda: number;
  /** Number of sampled θ (default 4096), split evenly over the families. */
  readonly samples?: number;
  /** Seed of the θ draws (default 1): same seed, same θ. */
  readonly seed?: number;
  /** Scales σ of the gaussian families (default [0.5, 2, 8]). */
  readonly scales?: ReadonlyArray<number>;
  /** Closeness parameters c of the near-optimum families (default [1, 4, 16]). */
  readonly closeness?: ReadonlyArray<number>;
  /** θ per `evaluateBatch` call (default 4096). */
  readonly batchSize?: number;
  /**
   * gpu.js backends only: `fused` (default for S ≤ 16) runs one thread per θ (`fusedScanKernel.ts`),
   * `elimination` the batched evaluation kernels (`evaluateBatch`). Ignored on `js`.
   */
  readonly structure?: 'fused' | 'elimination';
  /** Called after every batch or chunk with the θ evaluated so far (progress of long scans). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Statistics of one θ family. */
export interface PlFamilyReport {
  readonly family: string;
  readonly samples: number;
  /** Samples whose gap is ≤ `gapFloor` (at the optimum within rounding): no ratio is formed. */
  readonly atOptimum: number;
  readonly minGap: number;
  readonly maxGap: number;
  readonly minPl: number;
  readonly medianPl: number;
  readonly minLojasiewicz: number;
  /** λ = 0 only: samples violating Mei et al.'s bound beyond rounding, and the smallest `‖∇J‖ / (c(θ)·gap)`. */
  readonly meiViolations: number | null;
  readonly minMeiRatio: number | null;
}

/** An empirical constant: the minimum ratio and where it was attained. */
export interface PlConstant {
  readonly min: number;
  readonly index: number;
  readonly family: string;
  readonly gap: number;
  readonly gradNorm: number;
}

/** Everything the scan measured (per-sample arrays are in sample order). */
export interface PlScanResult {
  readonly lambda: number;
  readonly Jstar: number;
  /**
   * Gaps at or below this are treated as the optimum (no ratio is formed): `2^-40·scale` on float64,
   * the stated float32 error bound of J (`evaluationTolerance(S, A, γ).rtol·scale`) otherwise, with
   * `scale = max(1, |J*|, (‖r‖∞ + λ log A)/(1 − γ))`.
   */
  readonly gapFloor: number;
  readonly samples: number;
  readonly families: ReadonlyArray<PlFamilyReport>;
  readonly pl: PlConstant;
  readonly lojasiewicz: PlConstant;
  readonly J: Float64Array;
  readonly gradNormSq: Float64Array;
  /** Family index of each sample (into `families`). */
  readonly family: Int32Array;
  /** How J and ∇J were computed: the float64 loops, the fused per-θ kernel or the elimination kernels. */
  readonly structure: 'float64 loop' | 'fused' | 'elimination';
  readonly run: KernelRun;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Optimum {
  readonly Jstar: number;
  /** λ > 0: canonical θ*; λ = 0: a greedy optimal action per state. */
  readonly thetaStar: Float64Array | null;
  readonly policy: Int32Array | null;
  /** λ = 0: visitation of π* (for Mei's constant). */
  readonly dStar: Float64Array | null;
}

/** J* and what the θ families need; `Left` the optimum solver's error, or `NumericalFailure` (field `Jstar`) if it did not converge. */
const optimumOf = (mdp: Mdp, r: Readonly<Float64Array>, lambda: number): E.Either<ParlError, Optimum> => {
  const { S, A, rho } = mdp;
  const dot = (v: Readonly<Float64Array>): number => {
    let J = 0;
    for (let s = 0; s < S; s++) J += rho[s] * v[s];
    return J;
  };
  if (lambda > 0) {
    const o = softOptimum(mdp, r, lambda);
    if (E.isLeft(o)) return o;
    if (!o.right.converged) return E.left(numericalFailure('Jstar', o.right.report, `soft optimum not converged (relative residual ${o.right.relativeResidual})`));
    return E.right({ Jstar: dot(o.right.VStar), thetaStar: o.right.thetaStar, policy: null, dStar: null });
  }
  const o = plainOptimum(mdp, r);
  if (E.isLeft(o)) return o;
  if (!o.right.converged) return E.left(numericalFailure('Jstar', o.right.report, `plain optimum not converged (relative residual ${o.right.relativeResidual})`));
  const ev = evaluatePolicyTable(mdp, r, o.right.piStar, new Float64Array(S * A), 0);
  return E.right({ Jstar: dot(o.right.VStar), thetaStar: null, policy: o.right.policy, dStar: ev.d });
};

/**
 * Run the scan on `session`'s backend. `Left` when λ or the sample count is invalid (`InvalidInput`
 * on `lambda` or `samples`) or the optimum is unusable (the optimum solver's error, or a
 * `NumericalFailure` on `Jstar` when it did not converge); throws a RangeError on inconsistent
 * shapes (as `evaluateBatch`).
 */
export const plScan = (session: KernelSession, opts: PlScanOptions): E.Either<ParlError, PlScanResult> => {
  const { mdp, r, lambda } = opts;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) return E.left(invalidInput('lambda', `λ must be a finite number ≥ 0, got ${lambda}`));
  const n = opts.samples ?? 4096;
  if (!Number.isInteger(n) || n < 1) return E.left(invalidInput('samples', `samples must be an integer ≥ 1, got ${n}`));
  const opt = optimumOf(mdp, r, lambda);
  if (E.isLeft(opt)) return opt;
  const { Jstar, thetaStar, policy, dStar } = opt.right;
  const { S, A } = mdp;
  const SA = S * A;

  // θ families, samples split evenly (the first families take the remainder)
  const scales = opts.scales ?? [0.5, 2, 8];
  const closeness = opts.closeness ?? [1, 4, 16];
  const names = [...scales.map((s) => `gaussian σ=${s}`), ...closeness.map((c) => `near optimum c=${c}`)];
  const F = names.length;
  const family = new Int32Array(n);
  for (let i = 0; i < n; i++) family[i] = Math.floor((i * F) / n);
  const rng = makeRng(opts.seed ?? 1);
  const thetas = new Float64Array(n * SA);
  for (let i = 0; i < n; i++) {
    const f = family[i];
    const o = i * SA;
    if (f < scales.length) {
      for (let k = 0; k < SA; k++) thetas[o + k] = scales[f] * rng.normal();
    } else {
      const c = closeness[f - scales.length];
      for (let k = 0; k < SA; k++) {
        const z = rng.normal();
        thetas[o + k] = thetaStar !== null ? thetaStar[k] + z / c : z;
      }
      if (policy !== null) for (let s = 0; s < S; s++) thetas[o + s * A + policy[s]] += c;
    }
  }

  // J and ∇J in batches
  const before = session.launches();
  const J = new Float64Array(n);
  const gradNormSq = new Float64Array(n);
  const mei = dStar !== null && policy !== null ? new Float64Array(n) : null;
  const batchSize = Math.max(1, opts.batchSize ?? 4096);
  const structure = session.backend === 'js' ? 'float64 loop' : (opts.structure ?? (S <= FUSED_MAX_S ? 'fused' : 'elimination'));
  let chunks = 0;
  if (structure === 'fused') {
    const problem = { mdp, r, lambda, ...(policy !== null && dStar !== null ? { optimalActions: policy, dStar } : {}) };
    const source = fusedScanSource(problem);
    // at most 2^16 θ (3·2^16 outputs) and 2^22 logits per launch
    const plan = planChunks(n, SA, Math.min(CHUNK_ELEMENTS, Math.min(batchSize, 2 ** 16) * SA));
    const nb = plan.perChunk;
    const kernel = session.kernel(`plScan:fused:${nb}:${source}`, (gpu) => createFusedScanKernel(gpu, problem, nb));
    const t = new Float32Array(nb * SA);
    for (let c = 0; c < plan.chunks; c++) {
      const { start, end } = chunkRange(plan, c);
      // each state's logits max-subtracted in float64 while packing to float32 (as for the softmax kernels)
      packShiftedRows(thetas, A, start * S, end * S, t, null);
      const out = session.run(kernel, t) as Float32Array[];
      for (let b = 0; b < end - start; b++) {
        J[start + b] = out[b][0];
        gradNormSq[start + b] = out[b][1];
        if (mei !== null) mei[start + b] = out[b][2];
      }
      opts.onProgress?.(end, n);
    }
    chunks = plan.chunks;
  }
  for (let start = 0; structure !== 'fused' && start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const ev = evaluateBatch(session, { kind: 'policies', mdp, r, thetas: thetas.subarray(start * SA, end * SA), lambda }, { gradient: true });
    chunks += ev.run.chunks;
    const g = ev.gradJ as Float64Array | Float32Array;
    for (let b = 0; b < end - start; b++) {
      J[start + b] = ev.J[b];
      let q = 0;
      for (let k = 0; k < SA; k++) q += g[b * SA + k] * g[b * SA + k];
      gradNormSq[start + b] = q;
      if (mei !== null && dStar !== null && policy !== null) {
        const o = (start + b) * SA;
        const pi = softmaxProbs(thetas.subarray(o, o + SA), S, A);
        mei[start + b] = meiLojasiewiczConstant(S, A, pi, policy, dStar, ev.d.subarray(b * S, (b + 1) * S));
      }
    }
    opts.onProgress?.(end, n);
  }

  // ratios (float64 from the backend's J and ∇J); on float32 backends gaps within the stated error
  // bound of J (`evaluationTolerance`, relative to max(1, ‖V‖∞) ≤ max(1, |J*| + reward scale)) are not divided by
  const float32 = session.precision === 'float32';
  let rScale = 0;
  for (let i = 0; i < r.length; i++) rScale = Math.max(rScale, Math.abs(r[i]));
  const scaleJ = Math.max(1, Math.abs(Jstar), (rScale + lambda * Math.log(A)) / (1 - mdp.gamma));
  const gapFloor = float32 ? evaluationTolerance(S, A, mdp.gamma).rtol * scaleJ : 2 ** -40 * scaleJ;
  const best = (key: 'pl' | 'loj'): PlConstant => {
    let min = Infinity;
    let index = -1;
    for (let i = 0; i < n; i++) {
      const gap = Jstar - J[i];
      if (!(gap > gapFloor)) continue;
      const v = key === 'pl' ? gradNormSq[i] / gap : Math.sqrt(gradNormSq[i]) / gap;
      if (v < min) {
        min = v;
        index = i;
      }
    }
    return index < 0
      ? { min: NaN, index, family: '', gap: NaN, gradNorm: NaN }
      : { min, index, family: names[family[index]], gap: Jstar - J[index], gradNorm: Math.sqrt(gradNormSq[index]) };
  };
  const families: PlFamilyReport[] = names.map((name, f) => {
    const pls: number[] = [];
    let count = 0;
    let atOptimum = 0;
    let minGap = Infinity;
    let maxGap = -Infinity;
    let minLoj = Infinity;
    let meiViolations = 0;
    let minMei = Infinity;
    for (let i = 0; i < n; i++) {
      if (family[i] !== f) continue;
      count++;
      const gap = Jstar - J[i];
      minGap = Math.min(minGap, gap);
      maxGap = Math.max(maxGap, gap);
      if (!(gap > gapFloor)) {
        atOptimum++;
        continue;
      }
      const gn = Math.sqrt(gradNormSq[i]);
      pls.push(gradNormSq[i] / gap);
      minLoj = Math.min(minLoj, gn / gap);
      if (mei !== null) {
        const ratio = gn / (mei[i] * gap);
        minMei = Math.min(minMei, ratio);
        // rounding allowance: the gap and ‖∇J‖ carry relative error ~1e-12 (float64) or the float32 bound
        if (ratio < 1 - (float32 ? 1e-2 : 1e-9)) meiViolations++;
      }
    }
    return {
      family: name,
      samples: count,
      atOptimum,
      minGap,
      maxGap,
      // a loop, not Math.min(...pls): a spread of ~10^5 or more arguments overflows the stack
      minPl: pls.reduce((m, v) => Math.min(m, v), pls.length > 0 ? Infinity : NaN),
      medianPl: median(pls),
      minLojasiewicz: pls.length > 0 ? minLoj : NaN,
      meiViolations: mei !== null ? meiViolations : null,
      minMeiRatio: mei !== null ? (Number.isFinite(minMei) ? minMei : NaN) : null,
    };
  });
  return E.right({
    lambda,
    Jstar,
    gapFloor,
    samples: n,
    families,
    pl: best('pl'),
    lojasiewicz: best('loj'),
    J,
    gradNormSq,
    family,
    structure,
    run: kernelRunOf(session, before, chunks),
  });
};
