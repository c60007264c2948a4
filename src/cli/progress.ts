/**
 * Progress of long commands on stderr: nothing for the first `PROGRESS_AFTER_MS`, then a bar with
 * the ETA on a terminal (one status line, redrawn) or a plain line every `PLAIN_EVERY_MS`
 * otherwise; nothing at all with `--quiet`. Stdout stays the command's output.
 */
import type { CliIo } from './io.js';

/** A run shorter than this prints no progress (ms). */
export const PROGRESS_AFTER_MS = 2000;
/** Plain (non-terminal) progress lines are at least this far apart (ms). */
export const PLAIN_EVERY_MS = 5000;
/** The terminal bar is redrawn at most this often (ms). */
const BAR_EVERY_MS = 100;

/** Reports the progress of one job. */
export interface Progress {
  /** `done` of `total` units finished; `what` names the current part (optional). */
  readonly tick: (done: number, total: number, what?: string) => void;
  /** The job ended: clear the bar (terminal) or, if progress was shown, print the elapsed time. */
  readonly end: () => void;
}

/** Seconds as `12 s`, `3 min 05 s` or `2 h 10 min`. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '∞';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s < 86400 * 365 * 2) return `${(s / 86400).toFixed(0)} days`;
  return `${(s / (86400 * 365)).toPrecision(2)} years`;
};

const bar = (fraction: number, width = 24): string => {
  const k = Math.max(0, Math.min(width, Math.round(width * fraction)));
  return `[${'#'.repeat(k)}${'.'.repeat(width - k)}]`;
};

/** The progress reporter of a job called `label` (e.g. `parl verify`), started now. */
export const makeProgress = (io: CliIo, label: string, quiet: boolean): Progress => {
  if (quiet) return { tick: () => undefined, end: () => undefined };
  const t0 = io.now();
  let shown = false;
  let last = -Infinity;
  return {
    tick: (done, total, what) => {
      const now = io.now();
      const elapsed = now - t0;
      if (elapsed < PROGRESS_AFTER_MS || now - last < (io.progress ? BAR_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = now;
      shown = true;
      const fraction = total > 0 ? done / total : 0;
      const eta = done > 0 ? ((elapsed / 1000) * (total - done)) / done : NaN;
      const etaText = Number.isFinite(eta) ? `ETA ${formatDuration(eta)}` : 'ETA unknown';
      const part = what === undefined || what === '' ? '' : ` ${what}`;
      if (io.progress) io.status(`${label}${part} ${bar(fraction)} ${done}/${total}  ${formatDuration(elapsed / 1000)} elapsed, ${etaText}`);
      else io.err(`${label}:${part} ${done}/${total} (${(100 * fraction).toFixed(0)}%), ${formatDuration(elapsed / 1000)} elapsed, ${etaText}`);
    },
    end: () => {
      if (!shown) return;
      if (io.progress) io.status('');
      else io.err(`${label}: finished in ${formatDuration((io.now() - t0) / 1000)}`);
    },
  };
};
