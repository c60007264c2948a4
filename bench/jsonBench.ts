/**
 * The core of `npm run bench:json` (bench/json.bench.ts), with the sizes as parameters: each
 * workload of bench/workloads.ts timed by us, then by the numpy peer in a child process (never at
 * the same time), at every planned size; A-PARL's first and steady-state steps; the fitted growth
 * exponent of time against S per workload; and a machine block that says what ran where (or why
 * the peer did not run). Every figure in the document is measured in the run that prints it.
 */
import * as os from 'node:os';
import { PEER_WORKLOADS, peerMs, probePeer, type PeerInfo, type PeerWorkload } from './peer.js';
import { fitExponent, median, roundRepetitions, type Schedule, type Timer } from './timing.js';
import {
  BENCH_BRANCHING,
  BENCH_GAMMA,
  BENCH_LAMBDA,
  DEFAULT_APARL_PLAN,
  aparlTimer,
  defaultSchedule,
  oursTimer,
  WORKLOAD_DESCRIPTIONS,
  type AparlPlan,
} from './workloads.js';

export type ResultWorkload = PeerWorkload | 'aparl-step' | 'aparl-first-step';

/** One row per (workload, S, A). */
export interface ResultRow {
  readonly workload: ResultWorkload;
  readonly S: number;
  readonly A: number;
  /** Our median milliseconds. */
  readonly oursMs: number;
  /** The peer's median milliseconds in the same run, or null when it could not run. */
  readonly peerMs: number | null;
  /** `oursMs / peerMs`, or null. */
  readonly ratio: number | null;
  /** Our timed repetitions (A-PARL rows: the steps or runs the median is over). */
  readonly reps: number;
  /** The peer's timed repetitions, or null. */
  readonly peerReps: number | null;
  /** Inner steps of the A-PARL rows. */
  readonly K?: number;
  /** W4 rows: the library's own route (closed-form VJP, no ψ materialised), median ms. */
  readonly oursVjpMs?: number;
  readonly note?: string;
}

/** The fitted exponent of time against S (least squares on log-log) for one workload. */
export interface ExponentRow {
  readonly workload: PeerWorkload | 'W4-vjp';
  readonly A: number;
  readonly S: ReadonlyArray<number>;
  /** Ours: time ∝ S^exponent; null with fewer than two sizes. */
  readonly exponent: number | null;
  /** The peer's, over the same sizes; null when it did not run at every size. */
  readonly peerExponent: number | null;
  /** The growth the algorithm should show at fixed A. */
  readonly expected: string;
}

export interface BenchDocument {
  readonly machine: Record<string, unknown>;
  readonly run: { readonly startedAt: string; readonly wallMs: number; readonly loadavgEnd: ReadonlyArray<number> };
  readonly settings: Record<string, unknown>;
  readonly workloads: Readonly<Record<string, string>>;
  readonly results: ReadonlyArray<ResultRow>;
  readonly exponents: ReadonlyArray<ExponentRow>;
}

/** What to measure: the sizes of each workload at action count A, the schedule by S, A-PARL (or none). */
export interface JsonBenchPlan {
  readonly A: number;
  readonly sizes: Readonly<Record<PeerWorkload, ReadonlyArray<number>>>;
  readonly schedule: (S: number) => Schedule;
  readonly aparl: AparlPlan | null;
  /** Also time W4 by the library's VJP route (`oursVjpMs` of the W4 rows). */
  readonly w4Vjp: boolean;
}

/** The issue's plan: W1–W4 at S ∈ {20, 100, 400}, W1 also at {1000, 2000}, A = 8; A-PARL at S = 100, A = 4, K = 10. */
export const DEFAULT_JSON_PLAN: JsonBenchPlan = {
  A: 8,
  sizes: { W1: [20, 100, 400, 1000, 2000], W2: [20, 100, 400], W3: [20, 100, 400], W4: [20, 100, 400] },
  schedule: defaultSchedule,
  aparl: DEFAULT_APARL_PLAN,
  w4Vjp: true,
};

const EXPECTED: Record<PeerWorkload | 'W4-vjp', string> = {
  W1: '3 below S = 256 (one LU of I − γP_π, O(S³); O(S²A) at small S); ~1 from S = 256 (GMRES on the sparse I − γP_π: O(S·A·branching) per product, ~40 products)',
  W2: '3 (a few LU-based Newton steps, O(S³) each)',
  W3: '3 (O(S³ + S²·d) with d = S·A: one LU and a d-column solve, never an (S·A)-sized factorisation; at fixed A an (S·A)³ route would also fit 3, larger by ~A³ in the constant)',
  W4: '3 (one LU, O(S³), and the (S·A)×d contraction, O(S²A²))',
  'W4-vjp': '3 (one LU and one transposed solve)',
};

/** The machine block: hardware, runtimes, and the peer's status (why it is missing, if it is). */
export const machineBlock = (peer: PeerInfo): Record<string, unknown> => {
  const cpus = os.cpus();
  const load = os.loadavg();
  const busy = load[0] >= 0.5 * Math.max(1, cpus.length);
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? null,
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavgStart: load,
    ...(busy
      ? { busyNote: `other work was running when the run started (1-min load average ${load[0].toFixed(2)} on ${cpus.length} CPUs): both sides are slowed, a multi-threaded BLAS most; compare on an idle machine, or pin the peer with OPENBLAS_NUM_THREADS=1` }
      : {}),
    python: peer.pythonVersion,
    numpy: peer.numpyVersion,
    blas: peer.blas,
    // the peer's BLAS threads as passed in the environment (null: OpenBLAS's default, one per core)
    blasThreads: process.env.OPENBLAS_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? null,
    peer: peer.path,
    peerAvailable: peer.available,
    ...(peer.reason !== null ? { peerUnavailable: peer.reason } : {}),
  };
};

const NOTES: Partial<Record<PeerWorkload, string>> = {
  W3: 'ours reuses the LU of I − γP_{π*} the solved lower level carries; the peer factorises inside its timing (O(S³) of O(S³ + S²·d))',
  W4: 'oursMs: ∇G contracting a ψ materialised beforehand, as the peer does; oursVjpMs (when present): the library route, policyPointOf(sol) + upperLevelExact by the closed-form VJP, no ψ',
};

const ratioOf = (ours: number, peer: number | null): number | null => (peer !== null && peer > 0 ? ours / peer : null);

/** Milliseconds for the human tables: 3 decimals below 1 ms, 1 above; `n/a` for a missing peer. */
export const fmtMs = (x: number | null): string => (x === null ? 'n/a' : x < 1 ? x.toFixed(3) : x.toFixed(1));

/** `1.23×`, or `n/a` without a peer. */
export const fmtRatio = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}×`);

/** The header and one line per row of the human comparison tables of `npm run bench`. */
export const COMPARISON_HEADER = 'S      ours ms   reps   numpy ms (same run)   ours/numpy';
export const comparisonLine = (r: ResultRow): string =>
  `${String(r.S).padEnd(6)} ${fmtMs(r.oursMs).padStart(8)}  ${String(r.reps).padStart(5)}   ${fmtMs(r.peerMs).padStart(19)}   ${fmtRatio(r.ratio).padStart(10)}`;

/** Growth lines for a table: the fitted exponents of ours and of the peer over the rows' S. */
export const growthLine = (rows: ReadonlyArray<ResultRow>): string => {
  const ours = fitExponent(rows.map((r) => ({ S: r.S, ms: r.oursMs })));
  const peer = rows.every((r) => r.peerMs !== null) ? fitExponent(rows.map((r) => ({ S: r.S, ms: r.peerMs }))) : null;
  return `fitted growth over S = ${rows.map((r) => r.S).join(', ')}: ours ∝ S^${ours?.toFixed(2) ?? 'n/a'}, numpy ∝ S^${peer?.toFixed(2) ?? 'n/a'}`;
};

/** The peer's status line for the human tables. */
export const peerLine = (peer: PeerInfo): string =>
  peer.available
    ? `numpy peer measured in this run, after each of ours: ${peer.path} (python ${peer.pythonVersion}, numpy ${peer.numpyVersion}${peer.blas !== null ? `, ${peer.blas}` : ''})`
    : `numpy peer not run (${peer.reason}): numpy columns are n/a`;

/** Collects the peer's round medians at one size and stops asking after its first failure. */
const peerRounds = (peer: PeerInfo, S: number, A: number, workload: PeerWorkload, failures: string[] | undefined) => {
  const medians: number[] = [];
  let failed = false;
  return {
    round: (reps: number): void => {
      if (failed) return;
      const ms = peerMs(peer, S, A, reps, workload, (why) => {
        failed = true;
        failures?.push(why);
      });
      if (ms !== null) medians.push(ms);
    },
    /** The median of the round medians (null when no round ran), and the repetitions behind it. */
    result: (reps: number): { readonly ms: number | null; readonly reps: number | null } =>
      medians.length === 0 ? { ms: null, reps: null } : { ms: median(medians), reps: reps * medians.length },
  };
};

/**
 * Measure our workload and the peer's at (S, A) in `schedule.rounds` alternations (ours, then the
 * peer's, one after the other): ours is the median of every timed repetition, the peer's the
 * median of its round medians. `log` gets progress lines; `peerFailures` collects why a peer
 * measurement is missing.
 */
export const measurePair = (
  peer: PeerInfo,
  workload: PeerWorkload,
  S: number,
  A: number,
  schedule: Schedule,
  opts: {
    readonly vjp?: boolean;
    readonly log?: (line: string) => void;
    readonly peerFailures?: string[];
    /** Our timer of the same workload, when the caller times a variant of it itself (default `oursTimer`). */
    readonly ours?: Timer;
  } = {},
): ResultRow => {
  const log = opts.log ?? (() => {});
  const ours = opts.ours ?? oursTimer(workload, S, A);
  const vjp = workload === 'W4' && opts.vjp === true ? oursTimer('W4-vjp', S, A) : null;
  const oursMs: number[] = [];
  const vjpMs: number[] = [];
  const p = peerRounds(peer, S, A, workload, opts.peerFailures);
  for (let round = 0; round < schedule.rounds; round++) {
    const reps = roundRepetitions(schedule, round);
    oursMs.push(...ours(reps).samplesMs);
    if (vjp !== null) vjpMs.push(...vjp(reps).samplesMs);
    p.round(schedule.reps);
  }
  const peerResult = p.result(schedule.reps);
  const ms = median(oursMs);
  const vjpMedian = vjp !== null ? median(vjpMs) : undefined;
  const ratio = ratioOf(ms, peerResult.ms);
  log(`${workload} S=${S} A=${A}: ours ${fmtMs(ms)} ms, peer ${fmtMs(peerResult.ms)} ms${ratio !== null ? `, ratio ${ratio.toFixed(2)}` : ''}${vjpMedian !== undefined ? ` (VJP route ${fmtMs(vjpMedian)} ms)` : ''}`);
  return {
    workload,
    S,
    A,
    oursMs: ms,
    peerMs: peerResult.ms,
    ratio,
    reps: oursMs.length,
    peerReps: peerResult.reps,
    ...(vjpMedian !== undefined ? { oursVjpMs: vjpMedian } : {}),
    ...(NOTES[workload] !== undefined ? { note: NOTES[workload] } : {}),
  };
};

/**
 * A-PARL's two rows, in `plan.rounds` alternations (our runs, then the peer's). The peer has no
 * A-PARL, so both rows are compared with the peer's W1 (evaluate + ∇J) at the same (S, A), with
 * `peerReps` repetitions per round.
 */
export const measureAparlRows = (
  peer: PeerInfo,
  plan: AparlPlan,
  peerReps: number,
  opts: { readonly log?: (line: string) => void; readonly peerFailures?: string[] } = {},
): [ResultRow, ResultRow] => {
  const log = opts.log ?? (() => {});
  const timer = aparlTimer(plan);
  const firsts: number[] = [];
  const steady: number[] = [];
  const p = peerRounds(peer, plan.S, plan.A, 'W1', opts.peerFailures);
  for (let round = 0; round < plan.rounds; round++) {
    const t = timer(plan.runs, round === 0 ? plan.warmupRuns : 0);
    firsts.push(...t.firstStepsMs);
    steady.push(...t.steadyStepsMs);
    p.round(peerReps);
  }
  const peerResult = p.result(peerReps);
  const note = `the peer has no A-PARL step: peerMs is the peer's W1 (one evaluate + ∇J) at S = ${plan.S}, A = ${plan.A}, measured in this run, so ratio is the step's cost in units of one numpy evaluation (issue 12's yardstick)`;
  const runs = plan.rounds * plan.runs;
  const row = (workload: 'aparl-step' | 'aparl-first-step', samples: ReadonlyArray<number>): ResultRow => ({
    workload,
    S: plan.S,
    A: plan.A,
    oursMs: median(samples),
    peerMs: peerResult.ms,
    ratio: ratioOf(median(samples), peerResult.ms),
    reps: samples.length,
    peerReps: peerResult.reps,
    K: plan.K,
    note: workload === 'aparl-step'
      ? `median of steps ${plan.steadyFrom}–${plan.T - 1} of ${runs} runs (wallMs differences, injected clock); ${note}`
      : `median over ${runs} runs of step 0 from θ = 0; ${note}`,
  });
  const rows: [ResultRow, ResultRow] = [row('aparl-step', steady), row('aparl-first-step', firsts)];
  log(`A-PARL S=${plan.S} A=${plan.A} K=${plan.K}: first step ${fmtMs(rows[1].oursMs)} ms, steady state ${fmtMs(rows[0].oursMs)} ms, peer W1 ${fmtMs(peerResult.ms)} ms`);
  return rows;
};

/** Fitted exponents per workload over its sizes (ours and the peer's). */
export const exponentsOf = (results: ReadonlyArray<ResultRow>, A: number): ExponentRow[] => {
  const rows: ExponentRow[] = [];
  for (const w of PEER_WORKLOADS) {
    const rs = results.filter((r) => r.workload === w && r.A === A).sort((a, b) => a.S - b.S);
    if (rs.length === 0) continue;
    const peerComplete = rs.every((r) => r.peerMs !== null);
    rows.push({
      workload: w,
      A,
      S: rs.map((r) => r.S),
      exponent: fitExponent(rs.map((r) => ({ S: r.S, ms: r.oursMs }))),
      peerExponent: peerComplete ? fitExponent(rs.map((r) => ({ S: r.S, ms: r.peerMs }))) : null,
      expected: EXPECTED[w],
    });
    if (w === 'W4' && rs.every((r) => r.oursVjpMs !== undefined)) {
      rows.push({ workload: 'W4-vjp', A, S: rs.map((r) => r.S), exponent: fitExponent(rs.map((r) => ({ S: r.S, ms: r.oursVjpMs ?? null }))), peerExponent: null, expected: EXPECTED['W4-vjp'] });
    }
  }
  return rows;
};

/**
 * Run the plan: sizes in increasing order, at each size every planned workload (ours, then the
 * peer's), then A-PARL (ours, then the peer's W1 at its size). Progress goes to `log`.
 */
export const runJsonBench = (
  plan: JsonBenchPlan = DEFAULT_JSON_PLAN,
  opts: { readonly peer?: PeerInfo; readonly log?: (line: string) => void } = {},
): BenchDocument => {
  const start = performance.now();
  const startedAt = new Date().toISOString();
  const log = opts.log ?? (() => {});
  const peer = opts.peer ?? probePeer();
  log(peer.available ? `numpy peer: ${peer.path} (python ${peer.pythonVersion}, numpy ${peer.numpyVersion})` : `numpy peer unavailable: ${peer.reason}`);
  const machine = machineBlock(peer);
  const peerFailures: string[] = [];
  const results: ResultRow[] = [];
  const sizes = [...new Set(PEER_WORKLOADS.flatMap((w) => plan.sizes[w]))].sort((a, b) => a - b);
  for (const S of sizes) {
    for (const w of PEER_WORKLOADS) {
      if (!plan.sizes[w].includes(S)) continue;
      results.push(measurePair(peer, w, S, plan.A, plan.schedule(S), { vjp: plan.w4Vjp, log, peerFailures }));
    }
  }
  if (plan.aparl !== null) results.push(...measureAparlRows(peer, plan.aparl, plan.schedule(plan.aparl.S).reps, { log, peerFailures }));
  const wallMs = performance.now() - start;
  log(`done in ${(wallMs / 1000).toFixed(1)} s`);
  return {
    machine: { ...machine, ...(peerFailures.length > 0 ? { peerFailures } : {}) },
    run: { startedAt, wallMs, loadavgEnd: os.loadavg() },
    settings: {
      garnet: { branching: `min(S, ${BENCH_BRANCHING})`, gamma: BENCH_GAMMA, lambda: BENCH_LAMBDA },
      A: plan.A,
      sizes: plan.sizes,
      schedule: Object.fromEntries(sizes.map((S) => [S, plan.schedule(S)])),
      aparl: plan.aparl,
      order: 'sizes ascending; at each size each workload in rounds: ours, then the peer (a child process, never concurrently); ours = median of all repetitions, peer = median of its round medians',
      ratio: 'oursMs / peerMs (medians)',
    },
    workloads: WORKLOAD_DESCRIPTIONS,
    results,
    exponents: exponentsOf(results, plan.A),
  };
};
