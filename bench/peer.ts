/**
 * The numpy peer (`../shared/peers/numpy_peer.py` beside the repository root): a vectorised
 * numpy/LAPACK implementation of the same workloads, run as a child process in the same run as
 * our benchmarks (one after the other, never at the same time) so every ratio compares two
 * measurements taken on the same machine minutes apart. Nothing here holds a figure: when python3,
 * numpy or the file is missing, the peer's timings are null and `PeerInfo.reason` says why.
 *
 * Overrides: `PARL_NUMPY_PEER` (path of the peer script), `PARL_PYTHON` (interpreter, default python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The peer's workloads: W1 evaluate + ∇J, W2 soft optimum, W3 ψ materialised (tabular), W4 additive ∇G from a materialised ψ. */
export type PeerWorkload = 'W1' | 'W2' | 'W3' | 'W4';
export const PEER_WORKLOADS: ReadonlyArray<PeerWorkload> = ['W1', 'W2', 'W3', 'W4'];

/** The key of each workload in the peer's JSON output (median seconds). */
const PEER_KEY: Record<PeerWorkload, string> = {
  W1: 'evaluate_and_gradJ',
  W2: 'soft_optimal',
  W3: 'psi_closed_tabular',
  W4: 'additive_gradG',
};

/** Whether the peer can run here, and what it runs on. */
export interface PeerInfo {
  readonly available: boolean;
  /** Absolute path of the peer script looked for. */
  readonly path: string;
  readonly python: string;
  readonly pythonVersion: string | null;
  readonly numpyVersion: string | null;
  /** numpy's BLAS/LAPACK build, when numpy reports it. */
  readonly blas: string | null;
  /** Why the peer is unavailable (null when it is available). */
  readonly reason: string | null;
}

/** The repository root: the nearest ancestor of this file holding package.json (works from bench/ and dist/bench/). */
export const repoRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'parl-ts') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
};

/** Where the peer script is expected: `$PARL_NUMPY_PEER`, else `../shared/peers/numpy_peer.py` from the repository root. */
export const defaultPeerPath = (): string => process.env.PARL_NUMPY_PEER ?? resolve(repoRoot(), '..', 'shared', 'peers', 'numpy_peer.py');

const PROBE = [
  'import sys, json',
  'out = {"python": sys.version.split()[0]}',
  'try:',
  '    import numpy as np',
  '    out["numpy"] = np.__version__',
  '    try:',
  '        cfg = np.show_config(mode="dicts")',
  '        b = cfg.get("Build Dependencies", {}).get("blas", {})',
  '        out["blas"] = " ".join(str(b.get(k, "")) for k in ("name", "version")).strip() or None',
  '    except Exception:',
  '        out["blas"] = None',
  'except Exception as e:',
  '    out["numpy"] = None',
  '    out["error"] = repr(e)',
  'print(json.dumps(out))',
].join('\n');

/** Probe python3, numpy and the peer script; never throws. */
export const probePeer = (path: string = defaultPeerPath(), python: string = process.env.PARL_PYTHON ?? 'python3'): PeerInfo => {
  const base = { path, python, pythonVersion: null, numpyVersion: null, blas: null };
  const p = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 60_000 });
  if (p.error !== undefined || p.status !== 0) {
    const why = p.error !== undefined ? p.error.message : (p.stderr || `exit status ${p.status}`).trim();
    return { ...base, available: false, reason: `${python} is not runnable: ${why}` };
  }
  let probe: { python?: string; numpy?: string | null; blas?: string | null; error?: string };
  try {
    probe = JSON.parse(p.stdout) as typeof probe;
  } catch {
    return { ...base, available: false, reason: `${python} printed no probe result: ${p.stdout.trim()}` };
  }
  const info = { ...base, pythonVersion: probe.python ?? null, numpyVersion: probe.numpy ?? null, blas: probe.blas ?? null };
  if (probe.numpy === null || probe.numpy === undefined) return { ...info, available: false, reason: `numpy is not importable by ${python}: ${probe.error ?? 'unknown error'}` };
  if (!existsSync(path)) return { ...info, available: false, reason: `peer script not found at ${path}` };
  return { ...info, available: true, reason: null };
};

/** The peer's median milliseconds per workload asked for, or why there are none. */
export type PeerTimings =
  | { readonly ok: true; readonly ms: Partial<Record<PeerWorkload, number>> }
  | { readonly ok: false; readonly reason: string };

/**
 * Run the peer once (synchronously: nothing of ours runs meanwhile) on its own Garnet (S, A,
 * branching min(S, 5), γ = 0.9, λ = 0.1) for `workloads`, `reps` timed repetitions each after one
 * warm-up call, and read its medians (converted to milliseconds).
 */
export const runPeer = (info: PeerInfo, S: number, A: number, reps: number, workloads: ReadonlyArray<PeerWorkload>): PeerTimings => {
  if (!info.available) return { ok: false, reason: info.reason ?? 'peer unavailable' };
  const p = spawnSync(info.python, [info.path, String(S), String(A), String(reps), workloads.join(',')], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 1 << 20,
  });
  if (p.error !== undefined || p.status !== 0) {
    return { ok: false, reason: `peer failed (S=${S}, A=${A}, ${workloads.join(',')}): ${p.error?.message ?? (p.stderr.trim().split('\n').pop() || `exit status ${p.status}`)}` };
  }
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(p.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { ok: false, reason: `peer printed no JSON (S=${S}, A=${A}): ${p.stdout.trim().slice(0, 200)}` };
  }
  const ms: Partial<Record<PeerWorkload, number>> = {};
  for (const w of workloads) {
    const seconds = out[PEER_KEY[w]];
    if (typeof seconds !== 'number' || !(seconds > 0)) return { ok: false, reason: `peer output lacks ${PEER_KEY[w]} (S=${S}, A=${A})` };
    ms[w] = seconds * 1000;
  }
  return { ok: true, ms };
};

/** The peer's median milliseconds for one workload, or null (with the reason passed to `onMissing`). */
export const peerMs = (info: PeerInfo, S: number, A: number, reps: number, w: PeerWorkload, onMissing: (reason: string) => void = () => {}): number | null => {
  const t = runPeer(info, S, A, reps, [w]);
  if (!t.ok) {
    onMissing(t.reason);
    return null;
  }
  return t.ms[w] ?? null;
};
