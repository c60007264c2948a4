/**
 * Batched softmax, log-softmax, log-sum-exp and softmax score over `R` rows of `A` logits (MATH.md
 * §2), for B×S tables stacked as `R = B·S` rows (row-major, index `row*A + a`).
 *
 * On `js` these are the float64 reference functions of `src/policy/softmax.ts`. On a gpu.js backend
 * the host packs each row to float32 as `t = θ − max_a θ` (subtracted in float64, so no exponential
 * can overflow on any backend and the rounding of large logits such as ±200 does not enter the
 * differences), then two launches per chunk: a row kernel (`Σ e^t` or `log Σ e^t`) and an
 * elementwise kernel (`softmaxKernels.ts`). Batches are chunked so that no launch holds more than
 * 2^22 elements (`chunking.ts`).
 *
 * Example (executed in `test/kernels/batchedSoftmax.test.ts`):
 *   withBackend('webasm', (k) => batchedSoftmax(k, Float64Array.of(0, Math.log(3)), 2))
 *     // Right({ values: Float32Array [0.25, 0.75], run: { backend: 'webasm', kernelClass: 'WebAssemblyKernel', … } })
 */
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { softmaxLogProbs, softmaxProbs, rowLogSumExp } from '../policy/softmax.js';
import { kernelRunOf, type KernelRun, type KernelSession } from './backend.js';
import { CHUNK_ELEMENTS, chunkRange, planChunks, type ChunkPlan } from './chunking.js';
import {
  POW2_TABLE,
  halvingsFor,
  logSoftmaxFromLseKernel,
  rowLogSumExpKernel,
  rowSumExpKernel,
  scoreFromSumKernel,
  softmaxFromSumKernel,
} from './softmaxKernels.js';

/** Logits as float64 (the reference's type) or float32. */
export type Logits = Readonly<Float64Array> | Readonly<Float32Array>;

/** Options of the batched operations. */
export interface BatchOptions {
  /** Most elements per launch (default `CHUNK_ELEMENTS` = 2^22; smaller values exercise chunking in tests). */
  readonly chunkElements?: number;
}

/** A batched result: float64 on `js`, float32 on gpu.js backends; `run` says what ran. */
export interface BatchedResult {
  readonly values: Float64Array | Float32Array;
  readonly run: KernelRun;
}

/** Rows of `logits` for `A` actions; throws a RangeError on a bad shape or a non-finite logit. */
export const rowsOf = (logits: Logits, A: number): number => {
  if (!Number.isInteger(A) || A < 1) throw new RangeError(`A must be an integer ≥ 1, got ${A}`);
  if (logits.length % A !== 0) throw new RangeError(`logits length ${logits.length} is not a multiple of A = ${A}`);
  return logits.length / A;
};

const checkFinite = (logits: Logits): void => {
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (!(x - x === 0)) throw new RangeError(`logits[${i}] = ${x} is not finite`);
  }
};

const asFloat64 = (x: Logits): Readonly<Float64Array> => (x instanceof Float64Array ? x : Float64Array.from(x));

/**
 * Pack rows `[start, end)` as float32 `t = θ − m` into `t` (rows beyond `end` are zero padding) and
 * their maxima `m` (float64) into `m` at `mOffset + row`. Throws on a non-finite logit.
 */
export const packShiftedRows = (
  logits: Logits,
  A: number,
  start: number,
  end: number,
  t: Float32Array,
  m: Float64Array | null,
): void => {
  for (let row = start, o = start * A, k = 0; row < end; row++, o += A) {
    let mx = logits[o];
    for (let a = o + 1; a < o + A; a++) {
      const v = logits[a];
      mx = v > mx ? v : mx;
    }
    // a NaN or ±∞ anywhere in the row makes some difference (and so the row sum) non-finite
    let sum = 0;
    for (let a = o; a < o + A; a++) {
      const d = logits[a] - mx;
      sum += d;
      t[k++] = d;
    }
    if (!(sum - sum === 0)) {
      for (let a = o; a < o + A; a++) if (!Number.isFinite(logits[a])) throw new RangeError(`logits[${a}] = ${logits[a]} is not finite`);
      throw new RangeError(`row ${row} of the logits spans more than the float64 range`);
    }
    if (m !== null) m[row] = mx;
  }
  t.fill(0, (end - start) * A);
};

type RowKind = 'sumExp' | 'logSumExp';
type ElementKind = 'softmax' | 'logSoftmax' | 'score';

const rowKernel = (session: KernelSession, kind: RowKind, A: number, rows: number): IKernelRunShortcut =>
  session.kernel(`row:${kind}:${A}:${rows}`, (gpu: GPU) =>
    gpu.createKernel(kind === 'sumExp' ? rowSumExpKernel : rowLogSumExpKernel, {
      output: [rows],
      constants: { A, pow2: POW2_TABLE, halvings: halvingsFor(A) },
      constantTypes: { A: 'Integer', halvings: 'Integer', pow2: 'Array' },
      tactic: 'precision',
    }),
  );

const elementKernel = (session: KernelSession, kind: ElementKind, A: number, rows: number): IKernelRunShortcut =>
  session.kernel(`elem:${kind}:${A}:${rows}`, (gpu: GPU) =>
    gpu.createKernel(kind === 'softmax' ? softmaxFromSumKernel : kind === 'logSoftmax' ? logSoftmaxFromLseKernel : scoreFromSumKernel, {
      output: [rows * A],
      constants: { A, pow2: POW2_TABLE },
      constantTypes: { A: 'Integer', pow2: 'Array' },
      tactic: 'precision',
    }),
  );

/**
 * The gpu.js path shared by every operation: chunk, pack, row kernel, then (unless `element` is
 * null) the elementwise kernel, copying each chunk into one float32 result of `R·A` (or `R`) values.
 */
const runRows = (
  session: KernelSession,
  logits: Logits,
  A: number,
  rowKind: RowKind,
  element: ElementKind | null,
  actions: Readonly<Float32Array> | null,
  maxima: Float64Array | null,
  opts: BatchOptions,
): { values: Float32Array; plan: ChunkPlan } => {
  const R = rowsOf(logits, A);
  const plan = planChunks(R, A, Math.min(opts.chunkElements ?? CHUNK_ELEMENTS, CHUNK_ELEMENTS));
  const values = new Float32Array(element === null ? R : R * A);
  if (R === 0) return { values, plan };
  const rows = plan.perChunk;
  const t = new Float32Array(rows * A);
  const act = actions === null ? null : new Float32Array(rows);
  const rk = rowKernel(session, rowKind, A, rows);
  const ek = element === null ? null : elementKernel(session, element, A, rows);
  for (let c = 0; c < plan.chunks; c++) {
    const { start, end } = chunkRange(plan, c);
    packShiftedRows(logits, A, start, end, t, maxima);
    const rowOut = session.run(rk, t) as Float32Array;
    if (ek === null) {
      values.set(rowOut.subarray(0, end - start), start);
      continue;
    }
    let out: Float32Array;
    if (act !== null && actions !== null) {
      act.set(actions.subarray(start, end));
      act.fill(0, end - start);
      out = session.run(ek, t, rowOut, act) as Float32Array;
    } else {
      out = session.run(ek, t, rowOut) as Float32Array;
    }
    values.set(out.subarray(0, (end - start) * A), start * A);
  }
  return { values, plan };
};

const jsRun = (session: KernelSession): KernelRun => kernelRunOf(session, session.launches(), 1);

/** `π(a|row)` for every row (MATH.md §2), max-subtracted. */
export const batchedSoftmax = (session: KernelSession, logits: Logits, A: number, opts: BatchOptions = {}): BatchedResult => {
  const R = rowsOf(logits, A);
  if (session.backend === 'js') {
    checkFinite(logits);
    return { values: softmaxProbs(asFloat64(logits), R, A), run: jsRun(session) };
  }
  const before = session.launches();
  const { values, plan } = runRows(session, logits, A, 'sumExp', 'softmax', null, null, opts);
  return { values, run: kernelRunOf(session, before, plan.chunks) };
};

/** `log π(a|row)` for every row (MATH.md §2): a row log-sum-exp kernel, then `t − ℓ` elementwise. */
export const batchedLogSoftmax = (session: KernelSession, logits: Logits, A: number, opts: BatchOptions = {}): BatchedResult => {
  const R = rowsOf(logits, A);
  if (session.backend === 'js') {
    checkFinite(logits);
    return { values: softmaxLogProbs(asFloat64(logits), R, A), run: jsRun(session) };
  }
  const before = session.launches();
  const { values, plan } = runRows(session, logits, A, 'logSumExp', 'logSoftmax', null, null, opts);
  return { values, run: kernelRunOf(session, before, plan.chunks) };
};

/**
 * `log Σ_a exp θ[row, a]` per row, as `m + ℓ` with the row maximum `m` in float64 and `ℓ` from the
 * row kernel (so the result is float64 on every backend; on gpu.js backends `ℓ` carries float32
 * error). Length `R`.
 */
export const batchedLogSumExp = (session: KernelSession, logits: Logits, A: number, opts: BatchOptions = {}): BatchedResult => {
  const R = rowsOf(logits, A);
  if (session.backend === 'js') {
    checkFinite(logits);
    const x = asFloat64(logits);
    const out = new Float64Array(R);
    for (let r = 0; r < R; r++) out[r] = rowLogSumExp(x, A, r);
    return { values: out, run: jsRun(session) };
  }
  const before = session.launches();
  const m = new Float64Array(R);
  const { values: l, plan } = runRows(session, logits, A, 'logSumExp', null, null, m, opts);
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) out[r] = m[r] + l[r];
  return { values: out, run: kernelRunOf(session, before, plan.chunks) };
};

/** Integer actions in `[0, A)`, one per row, as float32 (exact for A < 2^24); throws otherwise. */
const checkActions = (actions: ArrayLike<number>, R: number, A: number): Float32Array => {
  if (actions.length !== R) throw new RangeError(`actions has length ${actions.length}, expected one per row (${R})`);
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const a = actions[r];
    if (!Number.isInteger(a) || a < 0 || a >= A) throw new RangeError(`actions[${r}] = ${a} is not an action in [0, ${A})`);
    out[r] = a;
  }
  return out;
};

/**
 * The softmax score of one action per row (MATH.md §2): row `r` of the result is
 * `∂ log π(a_r | r) / ∂θ[r, ·] = e_{a_r} − π(· | r)` (the score's entries on other rows are 0).
 */
export const batchedSoftmaxScore = (
  session: KernelSession,
  logits: Logits,
  actions: ArrayLike<number>,
  A: number,
  opts: BatchOptions = {},
): BatchedResult => {
  const R = rowsOf(logits, A);
  const act = checkActions(actions, R, A);
  if (session.backend === 'js') {
    checkFinite(logits);
    const pi = softmaxProbs(asFloat64(logits), R, A);
    for (let r = 0; r < R; r++) for (let b = 0; b < A; b++) pi[r * A + b] = (b === act[r] ? 1 : 0) - pi[r * A + b];
    return { values: pi, run: jsRun(session) };
  }
  const before = session.launches();
  const { values, plan } = runRows(session, logits, A, 'sumExp', 'score', act, null, opts);
  return { values, run: kernelRunOf(session, before, plan.chunks) };
};
