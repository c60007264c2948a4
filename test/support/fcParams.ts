/**
 * fast-check parameters shared by every property test: a fixed seed so CI is reproducible,
 * and a number of runs that can be raised locally without editing tests:
 *
 *   PARL_NUM_RUNS=2000 npx vitest run        (or: npm run test:more)
 *   PARL_FC_SEED=123 npx vitest run          (explore other cases; CI always uses the default)
 */
export const FC_SEED = Number(process.env.PARL_FC_SEED ?? 20240802);

/** `numRuns` = the test's CI default unless PARL_NUM_RUNS overrides it. */
export const fcParams = (ciRuns: number): { seed: number; numRuns: number } => ({
  seed: FC_SEED,
  numRuns: process.env.PARL_NUM_RUNS !== undefined ? Number(process.env.PARL_NUM_RUNS) : ciRuns,
});
