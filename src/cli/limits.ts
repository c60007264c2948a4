/**
 * Work limits of the CLI: every long command estimates its time and memory from its options before
 * it starts (cost models calibrated on a 2-core x86 VM, Node 20; good to a factor of ~3) and
 * refuses a job beyond `WORK_LIMIT_SECONDS` or `MEMORY_LIMIT_BYTES` unless `--allow-large` is given.
 */
import { formatDuration } from './progress.js';

/** A job estimated to take longer than this (seconds) needs `--allow-large`. */
export const WORK_LIMIT_SECONDS = 600;
/** A job estimated to hold more than this (bytes) needs `--allow-large`. */
export const MEMORY_LIMIT_BYTES = 2e9;
/** The flag that lifts the limits. */
export const ALLOW_LARGE = '--allow-large';

/** What a job is estimated to cost, and from what. */
export interface WorkEstimate {
  readonly seconds: number;
  readonly bytes: number;
  /** How the estimate was made, e.g. `T = 1e9 outer steps × ~1.2 ms`. */
  readonly basis: string;
}

/** Two significant digits without an exponent below 10^21: 380, 2.5, 0.13. */
const sig2 = (x: number): string => String(Number(x.toPrecision(2)));

/** Bytes as `512 MB`, `3.2 GB`, `380 GB`. */
export const formatBytes = (bytes: number): string =>
  bytes >= 1e12 ? `${sig2(bytes / 1e12)} TB` : bytes >= 1e9 ? `${sig2(bytes / 1e9)} GB` : `${Math.ceil(bytes / 1e6)} MB`;

/** A short time as `160 µs`, `2.5 ms`, `1.2 s`. */
export const formatSeconds = (seconds: number): string =>
  seconds < 1e-3 ? `${sig2(seconds * 1e6)} µs` : seconds < 1 ? `${sig2(seconds * 1e3)} ms` : `${sig2(seconds)} s`;

/** A count as `4096` or `1e+9`. */
export const formatCount = (n: number): string => (n >= 1e6 ? n.toExponential(0) : String(n));

/**
 * The refusal message of a job beyond the limits (undefined when it is within them or
 * `allowLarge`): the estimate, its basis, the limit and the flag that allows it.
 */
export const limitRefusal = (estimate: WorkEstimate, allowLarge: boolean): string | undefined => {
  if (allowLarge) return undefined;
  const time = !(estimate.seconds <= WORK_LIMIT_SECONDS);
  const memory = !(estimate.bytes <= MEMORY_LIMIT_BYTES);
  if (!time && !memory) return undefined;
  const what = [
    ...(time ? [`~${formatDuration(estimate.seconds)} of work (limit ${formatDuration(WORK_LIMIT_SECONDS)})`] : []),
    ...(memory ? [`~${formatBytes(estimate.bytes)} of memory (limit ${formatBytes(MEMORY_LIMIT_BYTES)})`] : []),
  ].join(' and ');
  return `this job is estimated at ${what}: ${estimate.basis}; not started. Pass ${ALLOW_LARGE} to run it anyway`;
};

/**
 * Seconds of one exact policy evaluation with its gradient (LU of I − γP_π, V, Q, d, ∇J) on S
 * states and A actions: c + a·S²A + b·S³, fitted to the W1 benchmark medians (S = 100…2000, A = 8:
 * 0.58, 14.8, 129, 896 ms).
 */
export const evaluationSeconds = (S: number, A: number): number => 5e-5 + 4.25e-9 * S * S * A + 9.5e-11 * S * S * S;
