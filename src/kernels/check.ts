/**
 * `parl kernels check`: every batched kernel on every requested backend against the float64
 * reference (`js`) on generated inputs, each held to its stated float32 tolerance (`tolerances.ts`).
 *
 * Logit batches (per A ∈ {2, 4, 16}): uniform in ±20, uniform in ±200, near-deterministic rows (one
 * logit 15–30 above the rest) and rows of ±200 with ties at the maximum. Evaluation batches: Garnet
 * MDPs (S ∈ {5, 12}, A ∈ {2, 4}, γ ∈ {0.5, 0.9, 0.99}, λ ∈ {0, 0.1}) with random policies (θ ∼ 3·N(0, I)),
 * as B policies on one MDP and as B MDPs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError } from '../errors/parlError.js';
import { garnet } from '../mdp/index.js';
import type { Mdp } from '../mdp/types.js';
import { makeRng, type Rng } from '../random/rng.js';
import { KERNEL_CLASS, openBackend, type BackendName, type KernelSession } from './backend.js';
import { evaluateBatch, type BatchedEvaluation, type EvaluationBatch } from './batchedEvaluation.js';
import { batchedLogSoftmax, batchedLogSumExp, batchedSoftmax, batchedSoftmaxScore, type BatchedResult } from './batchedSoftmax.js';
import {
  compareWith,
  evaluationTolerance,
  logSoftmaxTolerance,
  logSumExpTolerance,
  scoreTolerance,
  softmaxTolerance,
  type KernelTolerance,
} from './tolerances.js';

/** One line of the report: a kernel on a backend, its worst error and the tolerance it is held to. */
export interface KernelCheckRow {
  readonly backend: BackendName;
  /** The gpu.js kernel class that ran (`kernel.kernel.constructor.name`). */
  readonly kernelClass: string;
  readonly kernel: string;
  /** Values compared. */
  readonly values: number;
  readonly maxAbs: number;
  readonly maxRel: number;
  /** The tolerance (rtol, atol) at the worst entry and how it is derived. */
  readonly rtol: number;
  readonly atol: number;
  readonly tolerance: string;
  /** Largest error / allowed error (≤ 1 passes). */
  readonly worstRatio: number;
  readonly pass: boolean;
}

export interface KernelsCheckReport {
  readonly seed: number;
  readonly rows: ReadonlyArray<KernelCheckRow>;
  /** Backends that were asked for but could not be opened, with the reason (not a violation). */
  readonly unavailable: ReadonlyArray<{ readonly backend: BackendName; readonly reason: string }>;
  /** Every row passes. */
  readonly ok: boolean;
}

/** Named logit batches for one A (see the module comment). */
export const checkLogitBatches = (rng: Rng, A: number, rows: number): Array<{ name: string; logits: Float64Array }> => {
  const uniform = (w: number): Float64Array => Float64Array.from({ length: rows * A }, () => w * (2 * rng.uniform() - 1));
  const peaked = Float64Array.from({ length: rows * A }, () => 2 * rng.uniform() - 1);
  for (let r = 0; r < rows; r++) peaked[r * A + rng.int(A)] += 15 + 15 * rng.uniform();
  const ties = uniform(200);
  for (let r = 0; r < rows; r++) {
    const a = rng.int(A);
    const b = rng.int(A);
    ties[r * A + a] = 200;
    ties[r * A + b] = 200;
  }
  return [
    { name: '±20', logits: uniform(20) },
    { name: '±200', logits: uniform(200) },
    { name: 'near-deterministic', logits: peaked },
    { name: '±200 with ties', logits: ties },
  ];
};

interface Accumulated {
  values: number;
  maxAbs: number;
  maxRel: number;
  worstRatio: number;
  tol: KernelTolerance;
}

const accumulate = (acc: Accumulated | null, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: KernelTolerance): Accumulated => {
  const c = compareWith(actual, expected, tol);
  if (acc === null) return { values: c.count, maxAbs: c.maxAbs, maxRel: c.maxRel, worstRatio: c.worstRatio, tol };
  return {
    values: acc.values + c.count,
    maxAbs: Math.max(acc.maxAbs, c.maxAbs),
    maxRel: Math.max(acc.maxRel, c.maxRel),
    worstRatio: Math.max(acc.worstRatio, c.worstRatio),
    tol: c.worstRatio > acc.worstRatio ? tol : acc.tol,
  };
};

const rowOf = (backend: BackendName, kernel: string, a: Accumulated): KernelCheckRow => ({
  backend,
  kernelClass: KERNEL_CLASS[backend],
  kernel,
  values: a.values,
  maxAbs: a.maxAbs,
  maxRel: a.maxRel,
  rtol: a.tol.rtol,
  atol: a.tol.atol,
  tolerance: a.tol.description,
  worstRatio: a.worstRatio,
  pass: a.worstRatio <= 1,
});

type SoftmaxOp = (s: KernelSession, x: Float64Array, A: number) => BatchedResult;

const softmaxRows = (session: KernelSession, js: KernelSession, seed: number, rows: number): KernelCheckRow[] => {
  const out: KernelCheckRow[] = [];
  for (const A of [2, 4, 16]) {
    const batches = checkLogitBatches(makeRng(seed + A), A, rows);
    const actionsRng = makeRng(seed + 1000 + A);
    const actions = Int32Array.from({ length: rows }, () => actionsRng.int(A));
    const ops: Array<[string, SoftmaxOp, KernelTolerance]> = [
      ['softmax', batchedSoftmax, softmaxTolerance(A)],
      ['log-softmax', batchedLogSoftmax, logSoftmaxTolerance(A)],
      ['log-sum-exp', batchedLogSumExp, logSumExpTolerance(A)],
      ['softmax score', (s, x, a) => batchedSoftmaxScore(s, x, actions, a), scoreTolerance(A)],
    ];
    for (const [name, op, tol] of ops) {
      let acc: Accumulated | null = null;
      for (const { logits } of batches) acc = accumulate(acc, op(session, logits, A).values, op(js, logits, A).values, tol);
      if (acc !== null) out.push(rowOf(session.backend, `${name} (A=${A})`, acc));
    }
  }
  return out;
};

/** Generated evaluation batches (see the module comment), deterministic in `seed`. */
export const checkEvaluationBatches = (seed: number, policies: number): EvaluationBatch[] => {
  const rng = makeRng(seed);
  const out: EvaluationBatch[] = [];
  let k = 0;
  for (const S of [5, 12]) {
    for (const A of [2, 4]) {
      for (const gamma of [0.5, 0.9, 0.99]) {
        const lambda = k++ % 2 === 0 ? 0 : 0.1;
        const g = garnet({ S, A, branching: Math.min(S, 3), gamma, seed: seed + 17 * k });
        if (E.isLeft(g)) throw new Error('garnet failed');
        const thetas = Float64Array.from({ length: policies * S * A }, () => 3 * rng.normal());
        out.push({ kind: 'policies', mdp: g.right.mdp, r: g.right.reward, thetas, lambda });
      }
    }
  }
  const mdps: Mdp[] = [];
  const rewards: Float64Array[] = [];
  for (let b = 0; b < 16; b++) {
    const g = garnet({ S: 8, A: 3, branching: 3, gamma: 0.3 + 0.65 * rng.uniform(), seed: seed + 500 + b });
    if (E.isLeft(g)) throw new Error('garnet failed');
    mdps.push(g.right.mdp);
    rewards.push(g.right.reward);
  }
  out.push({ kind: 'mdps', mdps, rewards, thetas: Float64Array.from({ length: 16 * 8 * 3 }, () => 3 * rng.normal()), lambda: 0.1 });
  return out;
};

/** Errors of one evaluated quantity over a batch: each entry is held to `tol.rtol · scale` of its problem. */
export interface EvaluationErrors {
  values: number;
  maxAbs: number;
  /** Largest |error| / scale (the error relative to the problem's scale). */
  maxRel: number;
  worstRatio: number;
  /** rtol and the absolute allowance (rtol · scale) at the worst entry. */
  rtol: number;
  atol: number;
}

/**
 * Compare a float32 evaluation with the float64 one under `evaluationTolerance`, per problem: `V`
 * and `J` relative to `max(1, ‖V_b‖∞)`, `d` to 1, `∇J` to `4·max(1, ‖V_b‖∞)/(1 − γ_b)`.
 */
export const compareEvaluations = (
  batch: EvaluationBatch,
  actual: BatchedEvaluation,
  expected: BatchedEvaluation,
): Record<'V' | 'd' | 'J' | 'gradJ', EvaluationErrors> => {
  const { B, S, A } = expected;
  const fresh = (): EvaluationErrors => ({ values: 0, maxAbs: 0, maxRel: 0, worstRatio: 0, rtol: 0, atol: 0 });
  const res = { V: fresh(), d: fresh(), J: fresh(), gradJ: fresh() };
  const add = (acc: EvaluationErrors, a: ArrayLike<number>, e: ArrayLike<number>, offset: number, n: number, rtol: number, scale: number): void => {
    const allowedAbs = rtol * scale;
    for (let i = offset; i < offset + n; i++) {
      const d = Math.abs(a[i] - e[i]);
      acc.values++;
      if (!(d <= acc.maxAbs)) acc.maxAbs = d;
      if (!(d / scale <= acc.maxRel)) acc.maxRel = d / scale;
      const ratio = d / allowedAbs;
      if (!(ratio <= acc.worstRatio)) {
        acc.worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
        acc.rtol = rtol;
        acc.atol = allowedAbs;
      }
    }
  };
  for (let b = 0; b < B; b++) {
    const gamma = batch.kind === 'policies' ? batch.mdp.gamma : (batch.mdps[b] as Mdp).gamma;
    const { rtol } = evaluationTolerance(S, A, gamma);
    let vmax = 1;
    for (let s = 0; s < S; s++) vmax = Math.max(vmax, Math.abs(expected.V[b * S + s]));
    add(res.V, actual.V, expected.V, b * S, S, rtol, vmax);
    add(res.d, actual.d, expected.d, b * S, S, rtol, 1);
    add(res.J, actual.J, expected.J, b, 1, rtol, vmax);
    if (actual.gradJ !== null && expected.gradJ !== null) add(res.gradJ, actual.gradJ, expected.gradJ, b * S * A, S * A, rtol, (4 * vmax) / (1 - gamma));
  }
  return res;
};

const evaluationRows = (session: KernelSession, js: KernelSession, seed: number, policies: number): KernelCheckRow[] => {
  const keys = ['V', 'd', 'J', 'gradJ'] as const;
  const totals: Record<(typeof keys)[number], EvaluationErrors[]> = { V: [], d: [], J: [], gradJ: [] };
  for (const batch of checkEvaluationBatches(seed, policies)) {
    const actual = evaluateBatch(session, batch, { gradient: true });
    const expected = evaluateBatch(js, batch, { gradient: true });
    const c = compareEvaluations(batch, actual, expected);
    for (const key of keys) totals[key].push(c[key]);
  }
  const label = { V: 'evaluation V', d: 'evaluation d', J: 'evaluation J', gradJ: 'evaluation ∇J' };
  const scaleNote = { V: 'scale max(1,‖V‖∞)', d: 'scale 1', J: 'scale max(1,‖V‖∞)', gradJ: 'scale 4·max(1,‖V‖∞)/(1−γ)' };
  return keys.map((key) => {
    const all = totals[key];
    const worst = all.reduce((w, e) => (e.worstRatio > w.worstRatio ? e : w), all[0]);
    return {
      backend: session.backend,
      kernelClass: KERNEL_CLASS[session.backend],
      kernel: label[key],
      values: all.reduce((n, e) => n + e.values, 0),
      maxAbs: Math.max(...all.map((e) => e.maxAbs)),
      maxRel: Math.max(...all.map((e) => e.maxRel)),
      rtol: worst.rtol,
      atol: worst.atol,
      tolerance: `κ(2S+2A+16)ε₃₂·${scaleNote[key]}, κ = (1+γ)/(1−γ)`,
      worstRatio: worst.worstRatio,
      pass: worst.worstRatio <= 1,
    };
  });
};

/** Options of `runKernelsCheck`. */
export interface KernelsCheckOptions {
  /** Backends to check against `js` (`js` itself is the reference and is skipped). */
  readonly backends: ReadonlyArray<BackendName>;
  readonly seed?: number;
  /** Rows per logit batch (default 2048). */
  readonly rows?: number;
  /** Policies per evaluation batch (default 24). */
  readonly policies?: number;
  /** Called after each backend's softmax and evaluation parts: parts done of the total, and the part. */
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

/** Run every kernel on every requested backend against the float64 reference. */
export const runKernelsCheck = (opts: KernelsCheckOptions): KernelsCheckReport => {
  const seed = opts.seed ?? 1;
  const rows: KernelCheckRow[] = [];
  const unavailable: Array<{ backend: BackendName; reason: string }> = [];
  const jsE = openBackend('js');
  if (E.isLeft(jsE)) throw new Error(formatParlError(jsE.left));
  const js = jsE.right;
  const total = 2 * opts.backends.length;
  let done = 0;
  for (const backend of opts.backends) {
    if (backend === 'js') continue;
    const s = openBackend(backend);
    if (E.isLeft(s)) {
      unavailable.push({ backend, reason: s.left.message });
      done += 2;
      continue;
    }
    try {
      rows.push(...softmaxRows(s.right, js, seed, opts.rows ?? 2048));
      opts.onProgress?.(++done, total, `${backend} softmax`);
      rows.push(...evaluationRows(s.right, js, seed, opts.policies ?? 24));
      opts.onProgress?.(++done, total, `${backend} evaluation`);
    } finally {
      s.right.destroy();
    }
  }
  js.destroy();
  return { seed, rows, unavailable, ok: rows.every((r) => r.pass) };
};
