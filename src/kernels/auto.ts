/**
 * `auto`: the fastest available backend for an operation, decided by measurement on this machine
 * class (2-core x86 VM without a GPU, Node 20; `bench/kernels.bench.ts` and interleaved runs of
 * js vs webasm, steady state with kernels compiled). Ratios are time / float64 loop:
 *
 * | operation                       | gpu-cpu   | webasm                                   | auto picks |
 * | ------------------------------- | --------- | ---------------------------------------- | ---------- |
 * | softmax, score, A ≤ 4           | 1.1–1.6×  | 0.87–1.4× (R ≥ 1e3), 1.7–4× at R = 100   | js |
 * | softmax, score, A ≥ 8           | 1.1–1.5×  | 0.82–1.02× (R·A ≥ 8e3), 1.1–1.7× below   | webasm from 2^13 elements |
 * | log-softmax, log-sum-exp        | 0.7–2×    | 0.62–0.87× (R·A ≥ 2e3), 1.2–2× below     | webasm from 2^11 elements |
 * | policy evaluation (B=1e4, S=16) | 7.5–14×   | 4–10×                                    | js |
 * | PL scan (evaluation + ∇J)       | 8–10×     | 4–8×                                     | js |
 *
 * The float64 loop stays the choice wherever it is within 1.2× of the best: for policy evaluation by
 * far (one LU per problem, S³/3, against S Gauss–Jordan launches over every entry), for softmax with
 * few actions (one `Math.exp` per entry, against two launches, argument copies and a float32
 * packing pass). The row log-sum-exp kernel's inline float32 `exp`/`log` in f32x4 SIMD beats
 * `Math.exp` + `Math.log1p` per row by up to 1.6×, so log-softmax goes to webasm, and so does softmax
 * with many actions (the row pass amortises). Below the thresholds a launch's fixed cost (~50 µs of
 * gpu.js call machinery and copies) dominates. A new batch shape also compiles new kernels on its
 * first call (~2–10 ms), which these steady-state numbers exclude.
 *
 * `auto` never picks `headlessgl` or `webgpu`: neither could be measured here (no GPU; software GL
 * was 0.9–1.8× the loop in GPUJS.md) — name them explicitly. What `auto` chose is always in the
 * result (`run.backend`, `run.precision`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { backendAvailability, type BackendChoice, type BackendName } from './backend.js';

/** The operations `auto` decides for. */
export type AutoOperation = 'softmax' | 'logSoftmax' | 'logSumExp' | 'score' | 'evaluation' | 'plScan';

/** From this many elements (R·A) log-softmax and log-sum-exp go to webasm. */
export const AUTO_LOG_SOFTMAX_MIN_ELEMENTS = 2 ** 11;

/** From this many elements, and with at least `AUTO_SOFTMAX_MIN_ACTIONS` actions, softmax and score go to webasm. */
export const AUTO_SOFTMAX_MIN_ELEMENTS = 2 ** 13;

/** Softmax and score with fewer actions stay on the float64 loop (one exp per entry is hard to beat). */
export const AUTO_SOFTMAX_MIN_ACTIONS = 8;

/** The backend `auto` picks for `op` on `elements` elements (R·A for the softmax family) of `A` actions. */
export const autoBackend = (op: AutoOperation, elements: number, A: number = 1): BackendName => {
  if (!backendAvailability('webasm').available) return 'js';
  switch (op) {
    case 'logSoftmax':
    case 'logSumExp':
      return elements >= AUTO_LOG_SOFTMAX_MIN_ELEMENTS ? 'webasm' : 'js';
    case 'softmax':
    case 'score':
      return elements >= AUTO_SOFTMAX_MIN_ELEMENTS && A >= AUTO_SOFTMAX_MIN_ACTIONS ? 'webasm' : 'js';
    case 'evaluation':
    case 'plScan':
      return 'js';
  }
};

/** Resolve a choice to a backend: a name is checked for availability (never replaced), `auto` decides. */
export const resolveBackend = (
  choice: BackendChoice,
  op: AutoOperation,
  elements: number,
  A: number = 1,
): E.Either<string, BackendName> => {
  if (choice === 'auto') return E.right(autoBackend(op, elements, A));
  const a = backendAvailability(choice);
  return a.available ? E.right(choice) : E.left(`backend ${choice} is not available: ${a.reason}`);
};
