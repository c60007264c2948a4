/**
 * fast-check arbitraries for generated problems (STYLE.md: arbitraries in one place).
 * Every numeric arbitrary is bounded (no NaN, no ±∞).
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { validateMdp } from '../../src/mdp/validate.js';
import type { Mdp } from '../../src/mdp/types.js';

export interface Problem {
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly lambda: number;
}

export interface ProblemConstraints {
  readonly maxS?: number;
  readonly maxA?: number;
  readonly maxGamma?: number;
  /** Allow λ = 0 (default true). */
  readonly lambdaZero?: boolean;
}

/** A double in [min, max]: never NaN or ±∞. */
export const bounded = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** A Float64Array of length n with entries in [min, max]. */
export const boundedVector = (n: number, min: number, max: number): fc.Arbitrary<Float64Array> =>
  fc.array(bounded(min, max), { minLength: n, maxLength: n }).map((x) => Float64Array.from(x));

/** A row-stochastic vector of length n: nonnegative weights, some exactly zero, at least one positive. */
const stochasticRow = (n: number) =>
  fc.tuple(fc.array(fc.oneof(fc.constant(0), bounded(0, 1)), { minLength: n, maxLength: n }), fc.nat({ max: n - 1 })).map(([w, k]) => {
    const row = Float64Array.from(w);
    row[k] += 0.5; // guarantees a positive entry
    let z = 0;
    for (const x of row) z += x;
    return row.map((x) => x / z);
  });

/** A validated MDP with S ≤ maxS, A ≤ maxA, γ ∈ [0, maxGamma]. */
export const arbMdp = (c: ProblemConstraints = {}): fc.Arbitrary<Mdp> =>
  fc.record({
    S: fc.integer({ min: 1, max: c.maxS ?? 12 }),
    A: fc.integer({ min: 1, max: c.maxA ?? 5 }),
    gamma: fc.oneof(fc.constant(0), bounded(0, c.maxGamma ?? 0.99), fc.constant(c.maxGamma ?? 0.99)),
  }).chain(({ S, A, gamma }) =>
    fc.record({
      rows: fc.array(stochasticRow(S), { minLength: S * A, maxLength: S * A }),
      rho: stochasticRow(S),
    }).map(({ rows, rho }) => {
      const P = new Float64Array(S * A * S);
      rows.forEach((row, i) => P.set(row, i * S));
      const m = validateMdp({ S, A, gamma, P, rho });
      if (E.isLeft(m)) throw new Error(`arbitrary produced an invalid MDP: ${JSON.stringify(m.left)}`);
      return m.right;
    }),
  );

/** Logits: ordinary, wide (up to ±30), or near-deterministic (one action 15–30 above the rest). */
export const arbTheta = (S: number, A: number): fc.Arbitrary<Float64Array> =>
  fc.oneof(
    fc.array(bounded(-3, 3), { minLength: S * A, maxLength: S * A }).map((x) => Float64Array.from(x)),
    fc.array(bounded(-30, 30), { minLength: S * A, maxLength: S * A }).map((x) => Float64Array.from(x)),
    fc.tuple(
      fc.array(bounded(-1, 1), { minLength: S * A, maxLength: S * A }),
      fc.array(fc.nat({ max: A - 1 }), { minLength: S, maxLength: S }),
      bounded(15, 30),
    ).map(([x, star, big]) => {
      const t = Float64Array.from(x);
      star.forEach((a, s) => (t[s * A + a] += big));
      return t;
    }),
  );

/** λ ∈ {0} ∪ [0.01, 1]. */
export const arbLambda = (allowZero = true): fc.Arbitrary<number> =>
  allowZero ? fc.oneof(fc.constant(0), bounded(0.01, 1)) : bounded(0.01, 1);

/** A complete problem: MDP, reward table in [−10, 10], logits and entropy weight. */
export const arbProblem = (c: ProblemConstraints = {}): fc.Arbitrary<Problem> =>
  arbMdp(c).chain((mdp) =>
    fc.record({
      r: fc.array(bounded(-10, 10), { minLength: mdp.S * mdp.A, maxLength: mdp.S * mdp.A }).map((x) => Float64Array.from(x)),
      theta: arbTheta(mdp.S, mdp.A),
      lambda: arbLambda(c.lambdaZero ?? true),
    }).map(({ r, theta, lambda }) => ({ mdp, r, theta, lambda })),
  );
