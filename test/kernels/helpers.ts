/**
 * Shared pieces of the kernel tests: sessions per backend (opened once per file, destroyed after
 * it) and bounded logit arbitraries (STYLE.md: no NaN, no ±∞).
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll } from 'vitest';
import { formatParlError } from '../../src/errors/parlError.js';
import { backendAvailability, openBackend, type BackendName, type KernelSession } from '../../src/kernels/backend.js';
import { bounded } from '../arbitraries/mdp.js';

/** The float32 backends every kernel test runs on (both work out of the box). */
export const FLOAT32_BACKENDS = ['gpu-cpu', 'webasm'] as const satisfies ReadonlyArray<BackendName>;

/** Open `backend` for the current test file; destroyed in `afterAll`. Throws if it cannot open. */
export const sessionFor = (backend: BackendName): KernelSession => {
  const s = openBackend(backend);
  if (E.isLeft(s)) throw new Error(formatParlError(s.left));
  afterAll(() => s.right.destroy());
  return s.right;
};

/** Whether headless-gl can run here; when it cannot, the reason (with how to enable it) is printed once. */
export const headlessGl = (): { readonly available: boolean; readonly reason: string } => backendAvailability('headlessgl');

/** Row counts and action counts that reuse a few compiled kernel shapes (compiling is the slow part). */
export const ROWS = [1, 3, 17, 64] as const;
export const ACTIONS = [1, 2, 3, 4, 5, 8, 16] as const;

/**
 * A batch of `rows × A` logits from one of: uniform ±20, uniform ±200, near-deterministic rows (one
 * logit 15–30 above the rest), ±200 with ties at the row maximum, or all equal.
 */
export const arbLogitBatch: fc.Arbitrary<{ rows: number; A: number; logits: Float64Array; family: string }> = fc
  .record({ rows: fc.constantFrom(...ROWS), A: fc.constantFrom(...ACTIONS), family: fc.constantFrom('±20', '±200', 'peaked', 'ties', 'equal') })
  .chain(({ rows, A, family }) => {
    const n = rows * A;
    const arr = (lo: number, hi: number) => fc.array(bounded(lo, hi), { minLength: n, maxLength: n });
    const picks = fc.array(fc.nat({ max: A - 1 }), { minLength: 2 * rows, maxLength: 2 * rows });
    const base =
      family === '±20'
        ? arr(-20, 20).map((x) => Float64Array.from(x))
        : family === '±200'
          ? arr(-200, 200).map((x) => Float64Array.from(x))
          : family === 'peaked'
            ? fc.tuple(arr(-1, 1), picks, bounded(15, 30)).map(([x, p, big]) => {
                const t = Float64Array.from(x);
                for (let r = 0; r < rows; r++) t[r * A + p[r]] += big;
                return t;
              })
            : family === 'ties'
              ? fc.tuple(arr(-200, 200), picks).map(([x, p]) => {
                  const t = Float64Array.from(x);
                  for (let r = 0; r < rows; r++) {
                    t[r * A + p[2 * r]] = 200;
                    t[r * A + p[2 * r + 1]] = 200;
                  }
                  return t;
                })
              : bounded(-200, 200).map((v) => new Float64Array(n).fill(v));
    return base.map((logits) => ({ rows, A, logits, family }));
  });
