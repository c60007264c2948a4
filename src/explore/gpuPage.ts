/**
 * The batched softmax π = softmax(θ) row by row (MATH.md §2, §10) on the browser's gpu.js backend
 * (`webgl2`, then `webgl`, then `cpu`), next to the float64 reference, with the float32-vs-float64
 * error and the kernel tolerance of `src/kernels/tolerances.ts`.
 *
 * The Node backends of `src/kernels/backend.ts` are the gpu.js modes Node has; a browser has others
 * (WebGL), so this module opens a `KernelSession` of its own for a browser mode and hands it to the
 * same `batchedSoftmax` (which distinguishes only the float64 `js` session from gpu.js sessions, and
 * records the session's name). Like the Node sessions it refuses a kernel that gpu.js silently
 * degraded to another class. In Node, `cpu` is the mode that runs.
 */
import { CPUKernel, GPU, WebGL2Kernel, WebGLKernel } from 'gpu.js';
import { checkedKernelSession, KernelBackendError, type BackendName, type KernelSession } from '../kernels/backend.js';
import { batchedSoftmax } from '../kernels/batchedSoftmax.js';
import { compareWith, softmaxTolerance, type Comparison, type KernelTolerance } from '../kernels/tolerances.js';
import { softmaxProbs } from '../policy/softmax.js';
import { makeRng } from '../random/rng.js';

/** gpu.js modes a browser may have, in the order they are tried. */
export const BROWSER_GPU_MODES = ['webgl2', 'webgl', 'cpu'] as const;
export type BrowserGpuMode = (typeof BROWSER_GPU_MODES)[number];

const KERNEL_CLASS_OF: Readonly<Record<BrowserGpuMode, unknown>> = { webgl2: WebGL2Kernel, webgl: WebGLKernel, cpu: CPUKernel };

/** Whether gpu.js reports a mode usable here (WebGL needs a canvas context; cpu always runs). */
const modeSupported = (mode: BrowserGpuMode): boolean => {
  try {
    if (mode === 'webgl2') return GPU.isWebGL2Supported;
    if (mode === 'webgl') return GPU.isWebGLSupported;
    return true;
  } catch {
    return false;
  }
};

/** A `KernelSession` on one gpu.js browser mode; every launch is checked to have run that mode's kernel class. */
export const browserKernelSession = (mode: BrowserGpuMode): KernelSession =>
  // a browser mode is not one of the Node backends; batchedSoftmax records this name as given. The
  // bundle renames classes, so the class that ran is compared by identity, not by name.
  checkedKernelSession(
    new GPU({ mode }),
    mode as unknown as BackendName,
    mode === 'webgl2' ? 'WebGL2Kernel' : mode === 'webgl' ? 'WebGLKernel' : 'CPUKernel',
    (inner) => (inner.constructor === KERNEL_CLASS_OF[mode] ? undefined : `another class (${String((inner.constructor as { name?: string }).name)})`),
  );

/** Rows of seeded logits added to θ*'s rows so that the kernel sees a real batch: uniform in [−8, 8]. */
export const GPU_BATCH_ROWS = 512;
const GPU_LOGIT_RANGE = 8;

/** The batch of logits the page sends to the kernel: θ*'s S rows, then `GPU_BATCH_ROWS` seeded rows (A logits each). */
export const gpuBatchLogits = (thetaStar: Readonly<Float64Array>, A: number, seed: number): Float64Array => {
  const rng = makeRng(seed);
  const out = new Float64Array(thetaStar.length + GPU_BATCH_ROWS * A);
  out.set(thetaStar);
  for (let i = thetaStar.length; i < out.length; i++) out[i] = GPU_LOGIT_RANGE * (2 * rng.uniform() - 1);
  return out;
};

/** An open gpu.js mode that ran a probe batch, and why the modes before it could not. */
export interface BrowserGpu {
  readonly mode: BrowserGpuMode;
  readonly session: KernelSession;
  readonly skipped: ReadonlyArray<string>;
}

/** Open the first mode of `modes` that is supported and runs a probe softmax; throws only if even `cpu` fails. */
export const openBrowserGpu = (modes: ReadonlyArray<BrowserGpuMode> = BROWSER_GPU_MODES): BrowserGpu => {
  const skipped: string[] = [];
  for (const mode of modes) {
    if (!modeSupported(mode)) {
      skipped.push(`${mode}: not supported here`);
      continue;
    }
    const session = browserKernelSession(mode);
    try {
      batchedSoftmax(session, Float64Array.of(0, Math.log(3)), 2);
      return { mode, session, skipped };
    } catch (e) {
      session.destroy();
      skipped.push(`${mode}: ${(e as Error).message}`);
    }
  }
  throw new KernelBackendError(`no gpu.js mode could run the batched softmax: ${skipped.join('; ')}`);
};

/** The float32 softmax of a batch on a gpu.js mode against float64. */
export interface GpuSoftmaxCheck {
  /** The mode that ran (`webgl2`, `webgl` or `cpu`) and why the modes before it did not. */
  readonly mode: BrowserGpuMode;
  readonly skipped: ReadonlyArray<string>;
  readonly rows: number;
  readonly A: number;
  /** float32 results (as doubles) and the float64 reference, R×A. */
  readonly float32: Float64Array;
  readonly float64: Float64Array;
  /** Largest |float32 − float64| and its comparison with the kernel tolerance. */
  readonly maxAbsError: number;
  readonly comparison: Comparison;
  readonly tolerance: KernelTolerance;
  readonly launches: number;
}

/** The batched softmax of `logits` (R×A) on an open gpu.js mode, compared with the float64 reference `softmaxProbs`. */
export const gpuSoftmaxCheck = (gpu: BrowserGpu, logits: Readonly<Float64Array>, A: number): GpuSoftmaxCheck => {
  const R = logits.length / A;
  const reference = softmaxProbs(logits, R, A);
  const res = batchedSoftmax(gpu.session, logits, A);
  const float32 = Float64Array.from(res.values);
  const tolerance = softmaxTolerance(A);
  const comparison = compareWith(float32, reference, tolerance);
  return { mode: gpu.mode, skipped: gpu.skipped, rows: R, A, float32, float64: reference, maxAbsError: comparison.maxAbs, comparison, tolerance, launches: res.run.launches };
};
