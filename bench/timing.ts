/** Timing helpers shared by the benchmarks (medians of repeated runs after a warm-up). */

/** Median of a list of numbers. */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Time `f` repeatedly (after 3 warm-up calls for the JIT) for about `budgetMs`, at least `minRuns` times. */
export const timeIt = (f: () => void, budgetMs: number, minRuns = 5): { readonly medianMs: number; readonly runs: number } => {
  for (let i = 0; i < 3; i++) f();
  const samples: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs || samples.length < minRuns) {
    const a = performance.now();
    f();
    samples.push(performance.now() - a);
  }
  return { medianMs: median(samples), runs: samples.length };
};

/** One timed piece of work: `prepare` draws fresh inputs (not timed), `run` is the work timed on them. */
export interface Workload<I> {
  readonly prepare: () => I;
  readonly run: (input: I) => unknown;
}

/** How many untimed warm-up calls and timed repetitions one call of `timeFresh` makes. */
export interface Repetitions {
  readonly warmup: number;
  readonly reps: number;
  /**
   * Keep warming up (fresh inputs, untimed) until this much time has passed as well (default 0):
   * the JIT optimises a function after enough calls or loop iterations, so a cheap workload needs
   * more warm-up calls than an expensive one to reach its steady state.
   */
  readonly warmupMs?: number;
}

/**
 * A measurement against the peer: `rounds` alternations (ours, then the peer's), each of `reps`
 * timed repetitions; `warmup` untimed calls before the first round of ours and one before each
 * later round (the peer makes one warm-up call per round itself). Several short rounds keep a
 * burst of load on a shared machine from landing on one side only.
 */
export interface Schedule extends Repetitions {
  readonly rounds: number;
}

/** The repetitions of round `round` (0-based) of a schedule. */
export const roundRepetitions = (s: Schedule, round: number): Repetitions => ({
  warmup: round === 0 ? s.warmup : Math.min(1, s.warmup),
  reps: s.reps,
  ...(round === 0 && s.warmupMs !== undefined ? { warmupMs: s.warmupMs } : {}),
});

/** A timer of one workload whose fresh-input stream continues from call to call. */
export type Timer = (r: Repetitions) => FreshTiming;

/** A median over repetitions, each on fresh inputs drawn before its clock starts. */
export interface FreshTiming {
  readonly medianMs: number;
  readonly reps: number;
  readonly samplesMs: ReadonlyArray<number>;
}

/** Results are kept here so the timed work is observably used. */
let sink: unknown = null;
/** The result of the last timed call (keeps the work observable to the optimiser). */
export const lastResult = (): unknown => sink;

/**
 * Time `w.run` `reps` times after `warmup` untimed calls (and at least `warmupMs` of them); every call (warm-up or timed) gets its
 * own `w.prepare()` drawn before the clock starts, so no cache keyed on the inputs answers it.
 */
export const timeFresh = <I>(w: Workload<I>, { warmup, reps, warmupMs = 0 }: Repetitions): FreshTiming => {
  if (!(reps >= 1)) throw new RangeError(`reps must be ≥ 1, got ${reps}`);
  const warmStart = performance.now();
  for (let i = 0; i < warmup || performance.now() - warmStart < warmupMs; i++) sink = w.run(w.prepare());
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const input = w.prepare();
    const t0 = performance.now();
    sink = w.run(input);
    samples.push(performance.now() - t0);
  }
  return { medianMs: median(samples), reps, samplesMs: samples };
};

/** A timer of `w`: each call times further fresh inputs of the same stream. */
export const timerOf = <I>(w: Workload<I>): Timer => (r) => timeFresh(w, r);

/**
 * Least-squares slope of log t against log S (time ∝ S^exponent) over the points with t > 0;
 * null with fewer than two distinct S.
 */
export const fitExponent = (points: ReadonlyArray<{ readonly S: number; readonly ms: number | null }>): number | null => {
  const xy = points.filter((p) => p.ms !== null && p.ms > 0 && p.S > 0).map((p) => [Math.log(p.S), Math.log(p.ms as number)] as const);
  if (new Set(xy.map(([x]) => x)).size < 2) return null;
  const mx = xy.reduce((s, [x]) => s + x, 0) / xy.length;
  const my = xy.reduce((s, [, y]) => s + y, 0) / xy.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of xy) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  return sxy / sxx;
};
