/**
 * `auto`: the fastest available backend for an operation, decided by measurement on this machine
 * class (2-core x86 VM without a GPU, Node 20; `bench/kernels.bench.ts` and interleaved runs of
 * js vs webasm, steady state with kernels compiled). Ratios are time / float64 loop:
 *
 * | operation                       | gpu-cpu     | webasm                                   | auto picks |
 * | ------------------------------- | ----------- | ---------------------------------------- | ---------- |
 * | softmax, score, A ≤ 4           | 1.0–1.9×    | 0.73–1.4× (R ≥ 1e3: a toss-up), 1.7–4× at R = 100 | js (float64 kept on a tie) |
 * | softmax, score, A ≥ 8           | 0.7–1.9×    | 0.53–1.08× (R·A ≥ 8e3), 1.1–1.7× below   | webasm from 2^13 elements |
 * | log-softmax, log-sum-exp        | 0.7–2×      | 0.56–0.90× (R·A ≥ 4e3; once 1.07×), 1.2–2× below 2e3 | webasm from 2^11 elements |
 * | policy evaluation (B=1e4, S=16) | 2.7–4.7× (one run) | 1.5–2.0× (one run; 7.5–14× and 3.7–10× against the former dedicated js loop, 2–4× faster than `evaluatePolicy` at S ≤ 16) | js |
 * | PL scan, fused per-θ kernel     | 0.3–3.5×    | 0.2–0.6× warm; + 0.2–4 s compilation     | webasm from 2^17 θ (S ≤ 16) |
 * (ranges over several runs: the VM is shared, single runs vary by ±25%)
 *
 * The float64 loop stays the choice where it is within 1.2× of the best: for policy evaluation by
 * far (one LU per problem, S³/3, against S Gauss–Jordan launches over every entry), and for softmax
 * with few actions, where one `Math.exp` per entry and two launches plus argument copies and a
 * float32 packing pass come out even (the median ratio swung between 0.73 and 1.34 across runs, so
 * a single run can put either side just past 1.2×; on a tie `auto` keeps float64). The row log-sum-exp kernel's inline float32 `exp`/`log` in f32x4 SIMD beats
 * `Math.exp` + `Math.log1p` per row by up to 1.6×, so log-softmax goes to webasm, and so does softmax
 * with many actions (the row pass amortises). Below the thresholds a launch's fixed cost (~50 µs of
 * gpu.js call machinery and copies) dominates. A new batch shape also compiles new kernels on its
 * first call (~2–10 ms), which these steady-state numbers exclude. The PL scan's fused kernel is
 * generated per problem (P, r, λ baked in) and compiles for 0.2 s (S = 5) to 1.3 s (S = 16, A = 4)
 * and 4 s (S = 16, A = 8, dense P), while it saves 3–60 µs per θ (S = 5 … 16): a scan pays for its
 * compilation from about 10^5 θ, so `auto` moves it to webasm from 2^17 θ (end-to-end, one call).
 *
 * `auto` never picks `headlessgl` or `webgpu`: neither could be measured here (no GPU; software GL
 * was 0.9–1.8× the loop in GPUJS.md) — name them explicitly. What `auto` chose is always in the
 * result (`run.backend`, `run.precision`).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ParlError } from '../errors/parlError.js';
import { backendAvailability, backendUnavailable, type BackendChoice, type BackendName } from './backend.js';
import { FUSED_MAX_S } from './fusedScanKernel.js';

/** The operations `auto` decides for. */
export type AutoOperation = 'softmax' | 'logSoftmax' | 'logSumExp' | 'score' | 'evaluation' | 'plScan';

/** From this many elements (R·A) log-softmax and log-sum-exp go to webasm. */
export const AUTO_LOG_SOFTMAX_MIN_ELEMENTS = 2 ** 11;

/** From this many elements, and with at least `AUTO_SOFTMAX_MIN_ACTIONS` actions, softmax and score go to webasm. */
export const AUTO_SOFTMAX_MIN_ELEMENTS = 2 ** 13;

/** Softmax and score with fewer actions stay on the float64 loop (one exp per entry is hard to beat). */
export const AUTO_SOFTMAX_MIN_ACTIONS = 8;

/** From this many θ (and S ≤ 16) the PL scan's fused webasm kernel pays for its compilation. */
export const AUTO_PL_SCAN_MIN_SAMPLES = 2 ** 17;

/** The size of a batch, as far as `auto` cares: elements (R·A; θ count for the PL scan), actions A, states S. */
export interface AutoShape {
  readonly elements: number;
  readonly A?: number;
  readonly S?: number;
}

/** The backend `auto` picks for `op` on a batch of `shape` (see the table above). */
export const autoBackend = (op: AutoOperation, shape: AutoShape): BackendName => {
  if (!backendAvailability('webasm').available) return 'js';
  const { elements, A = 1, S = 1 } = shape;
  switch (op) {
    case 'logSoftmax':
    case 'logSumExp':
      return elements >= AUTO_LOG_SOFTMAX_MIN_ELEMENTS ? 'webasm' : 'js';
    case 'softmax':
    case 'score':
      return elements >= AUTO_SOFTMAX_MIN_ELEMENTS && A >= AUTO_SOFTMAX_MIN_ACTIONS ? 'webasm' : 'js';
    case 'evaluation':
      return 'js';
    case 'plScan':
      return elements >= AUTO_PL_SCAN_MIN_SAMPLES && S <= FUSED_MAX_S ? 'webasm' : 'js';
  }
};

/**
 * Resolve a choice to a backend: a name is checked for availability (never replaced; `Left` as
 * `openBackend`'s, naming the backends available here), `auto` decides.
 */
export const resolveBackend = (choice: BackendChoice, op: AutoOperation, shape: AutoShape): E.Either<ParlError, BackendName> => {
  if (choice === 'auto') return E.right(autoBackend(op, shape));
  const a = backendAvailability(choice);
  return a.available ? E.right(choice) : E.left(backendUnavailable(choice, `is not available: ${a.reason}`));
};
