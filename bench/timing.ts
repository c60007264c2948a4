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
