/**
 * Arbitraries for the MDP tests: valid raw MDP objects (as users hand them over) and
 * malformed variants of them. Numeric arbitraries are bounded unless the point is to be hostile.
 */
import fc from 'fast-check';

/** A raw MDP object (number[] or Float64Array fields), valid by construction. */
export interface RawMdp {
  S: unknown;
  A: unknown;
  gamma: unknown;
  P: unknown;
  rho: unknown;
}

const unit = fc.double({ min: 0, max: 1, noNaN: true, noDefaultInfinity: true });

/** A probability vector of length n (some entries exactly 0, at least one positive). */
export const arbDistribution = (n: number): fc.Arbitrary<number[]> =>
  fc
    .tuple(fc.array(fc.oneof(fc.constant(0), unit), { minLength: n, maxLength: n }), fc.nat({ max: n - 1 }))
    .map(([w, k]) => {
      const x = [...w];
      x[k] += 0.5;
      const z = x.reduce((p, q) => p + q, 0);
      return x.map((v) => v / z);
    });

/** A valid raw MDP with S ≤ maxS, A ≤ maxA, fields as number[] or Float64Array. */
export const arbRawMdp = (maxS = 4, maxA = 3): fc.Arbitrary<RawMdp> =>
  fc
    .record({ S: fc.integer({ min: 1, max: maxS }), A: fc.integer({ min: 1, max: maxA }), typed: fc.boolean() })
    .chain(({ S, A, typed }) =>
      fc
        .record({
          rows: fc.array(arbDistribution(S), { minLength: S * A, maxLength: S * A }),
          rho: arbDistribution(S),
          gamma: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.999, noNaN: true })),
        })
        .map(({ rows, rho, gamma }): RawMdp => {
          const P = rows.flat();
          return { S, A, gamma, P: typed ? Float64Array.from(P) : P, rho: typed ? Float64Array.from(rho) : rho };
        }),
    );

const KEYS = ['S', 'A', 'gamma', 'P', 'rho'] as const;

const hostileNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1e-3, -0, 0, 1, 1e308, -1e308, 5e-324, 1e12, 2 ** 53, 2 ** 60),
  fc.double(),
  fc.integer(),
);
const hostileValue = fc.oneof(hostileNumber, fc.anything(), fc.constantFrom(null, undefined, '1', [], {}, 1n));

/** One mutation of a raw MDP: fields replaced, deleted, entries corrupted, arrays resized, getters that throw. */
const arbMutation: fc.Arbitrary<(m: RawMdp) => unknown> = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), v: hostileValue }).map(({ key, v }) => (m: RawMdp) => ({ ...m, [key]: v })),
  fc.constantFrom(...KEYS).map((key) => (m: RawMdp) => {
    const c: Record<string, unknown> = { ...m };
    delete c[key];
    return c;
  }),
  fc
    .record({ key: fc.constantFrom('P', 'rho'), i: fc.nat(), v: hostileValue })
    .map(({ key, i, v }) => (m: RawMdp) => {
      const cur = m[key];
      if (!Array.isArray(cur) && !(cur instanceof Float64Array)) return m;
      const arr: unknown[] = Array.from(cur as ArrayLike<unknown>);
      if (arr.length > 0) arr[i % arr.length] = v;
      return { ...m, [key]: arr };
    }),
  fc
    .record({ key: fc.constantFrom('P', 'rho'), n: fc.integer({ min: -3, max: 3 }) })
    .map(({ key, n }) => (m: RawMdp) => {
      const cur = m[key];
      if (!Array.isArray(cur) && !(cur instanceof Float64Array)) return m;
      const arr: unknown[] = Array.from(cur as ArrayLike<unknown>);
      return { ...m, [key]: n < 0 ? arr.slice(0, Math.max(0, arr.length + n)) : [...arr, ...new Array<number>(n).fill(0.5)] };
    }),
  fc.record({ key: fc.constantFrom('S', 'A'), v: hostileNumber }).map(({ key, v }) => (m: RawMdp) => ({ ...m, [key]: v })),
);

/** A hostile wrapper, applied by `materialize` (fast-check itself must not touch it). */
export type Wrapper = { readonly kind: 'getter'; readonly key: (typeof KEYS)[number] } | { readonly kind: 'proxyP' | 'revoked' | 'array' };

const arbWrapper: fc.Arbitrary<Wrapper> = fc.oneof(
  fc.constantFrom(...KEYS).map((key): Wrapper => ({ kind: 'getter', key })),
  fc.constantFrom('proxyP' as const, 'revoked' as const, 'array' as const).map((kind): Wrapper => ({ kind })),
);

const wrap = (w: Wrapper, m: RawMdp): unknown => {
  switch (w.kind) {
    case 'getter': {
      const c: Record<string, unknown> = { ...m };
      delete c[w.key];
      Object.defineProperty(c, w.key, { enumerable: true, get: () => { throw new Error('hostile getter'); } });
      return c;
    }
    case 'proxyP':
      return new Proxy(m, { get: (t, k) => (k === 'P' ? new Proxy([], { get: () => { throw new Error('x'); } }) : Reflect.get(t, k)) });
    case 'revoked': {
      const { proxy, revoke } = Proxy.revocable(m, {});
      revoke();
      return proxy;
    }
    case 'array':
      return [m];
  }
};

/** A generated input and the hostile wrapper (if any) to apply to it before the test. */
export interface MaybeMdp {
  readonly input: unknown;
  readonly wrapper: Wrapper | null;
}

/** The input a `MaybeMdp` stands for, with its wrapper applied. */
export const materialize = ({ input, wrapper }: MaybeMdp): unknown =>
  wrapper !== null && typeof input === 'object' && input !== null && !Array.isArray(input) ? wrap(wrapper, input as RawMdp) : input;

/** A malformed (or, by chance, still valid) MDP input: mutations of valid ones, or anything at all. */
export const arbMaybeMdp: fc.Arbitrary<MaybeMdp> = fc.oneof(
  {
    arbitrary: fc
      .tuple(arbRawMdp(), fc.array(arbMutation, { minLength: 1, maxLength: 4 }), fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arbWrapper, weight: 1 }))
      .map(([m, ms, wrapper]): MaybeMdp => ({
        input: ms.reduce<unknown>(
          (acc, f) => (typeof acc === 'object' && acc !== null && !Array.isArray(acc) ? f(acc as RawMdp) : acc),
          m,
        ),
        wrapper,
      })),
    weight: 6,
  },
  { arbitrary: fc.anything().map((input): MaybeMdp => ({ input, wrapper: null })), weight: 2 },
  { arbitrary: arbRawMdp().map((input): MaybeMdp => ({ input, wrapper: null })), weight: 1 },
);
