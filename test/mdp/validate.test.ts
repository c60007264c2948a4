import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { ROW_SUM_TOLERANCE } from '../../src/mdp/types.js';
import {
  MAX_ERRORS_PER_FIELD,
  getOrThrow,
  validateFiniteVector,
  validateMdp,
  validateTable,
} from '../../src/mdp/validate.js';
import { errorsAt, expectError, leftOf, rightOf } from './helpers.js';

/** A valid S = 2, A = 2 MDP; P index (s*A + a)*S + s'. */
const base = () => ({
  S: 2,
  A: 2,
  gamma: 0.9,
  P: [0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, 0.2],
  rho: [0.5, 0.5],
});
const withP = (i: number, v: unknown) => {
  const m = base();
  (m.P as unknown[])[i] = v;
  return m;
};

describe('validateMdp accepts valid input', () => {
  it('returns fresh Float64Array copies of number[] and Float64Array input', () => {
    for (const input of [base(), { ...base(), P: Float64Array.from(base().P), rho: Float64Array.from(base().rho) }]) {
      const m = rightOf(validateMdp(input));
      expect(m.P).toBeInstanceOf(Float64Array);
      expect(m.rho).toBeInstanceOf(Float64Array);
      expect(m.P).not.toBe(input.P);
      expect(m.rho).not.toBe(input.rho);
      expect(Array.from(m.P)).toEqual(base().P);
      expect([m.S, m.A, m.gamma]).toEqual([2, 2, 0.9]);
      // mutating the input afterwards does not reach the validated MDP
      (input.P as { [i: number]: number })[0] = 123;
      (input.rho as { [i: number]: number })[0] = 123;
      expect(m.P[0]).toBe(0.9);
      expect(m.rho[0]).toBe(0.5);
    }
  });

  it('accepts γ = 0 and S = A = 1', () => {
    rightOf(validateMdp({ S: 1, A: 1, gamma: 0, P: [1], rho: [1] }));
  });

  it('reads every field exactly once (a getter that changes its answer cannot slip through)', () => {
    let reads = 0;
    const input = {
      ...base(),
      get S() {
        reads++;
        return reads === 1 ? 2 : 'changed';
      },
    };
    const m = rightOf(validateMdp(input));
    expect(m.S).toBe(2);
    expect(reads).toBe(1);
  });
});

describe('validateMdp reports each kind of error with field and index', () => {
  it('NaN, +Inf and −Inf in P at [s, a, s\']', () => {
    // flat 5 = (1*2 + 0)*2 + 1 → [1, 0, 1]; flat 2 → [0, 1, 0]; flat 7 → [1, 1, 1]
    expectError(leftOf(validateMdp(withP(5, NaN))), 'P', [1, 0, 1], /NaN/);
    expectError(leftOf(validateMdp(withP(2, Infinity))), 'P', [0, 1, 0], /\+Infinity/);
    expectError(leftOf(validateMdp(withP(7, -Infinity))), 'P', [1, 1, 1], /-Infinity/);
    expectError(leftOf(validateMdp(withP(6, '0.8'))), 'P', [1, 1, 0], /not a number/);
  });

  it('a non-finite entry is not also reported as a bad row sum', () => {
    const errs = leftOf(validateMdp(withP(5, NaN)));
    expect(errorsAt(errs, 'P')).toHaveLength(1);
  });

  it('a negative probability at [s, a, s\'] (even when its row sums to 1)', () => {
    const m = base();
    m.P[2] = 1.5;
    m.P[3] = -0.5; // row (0, 1) sums to 1
    const errs = leftOf(validateMdp(m));
    expectError(errs, 'P', [0, 1, 1], /negative/);
    expect(errorsAt(errs, 'P')).toHaveLength(1);
  });

  it('a row whose sum is off, at [s, a], with the sum in the message', () => {
    const errs = leftOf(validateMdp(withP(6, 0.85))); // row (1, 1) = [0.85, 0.2]
    expect(errs).toHaveLength(1);
    expectError(errs, 'P', [1, 1], /1\.05/);
  });

  it('row tolerance: off by 5e-10 passes, off by 2e-9 (either way) fails', () => {
    expect(ROW_SUM_TOLERANCE).toBe(1e-9);
    rightOf(validateMdp(withP(1, 0.1 + 5e-10)));
    rightOf(validateMdp(withP(1, 0.1 - 5e-10)));
    expectError(leftOf(validateMdp(withP(1, 0.1 + 2e-9))), 'P', [0, 0], /sums to/);
    expectError(leftOf(validateMdp(withP(1, 0.1 - 2e-9))), 'P', [0, 0], /sums to/);
    // the same for rho
    rightOf(validateMdp({ ...base(), rho: [0.5, 0.5 + 5e-10] }));
    expectError(leftOf(validateMdp({ ...base(), rho: [0.5, 0.5 + 2e-9] })), 'rho', undefined, /sums to 1\.000000002/);
  });

  it('γ ∉ [0, 1): 1, NaN, ±Inf, negative, non-numbers, missing', () => {
    for (const gamma of [1, 1.5, NaN, Infinity, -Infinity, -0.1, '0.9', null, 1n]) {
      const errs = leftOf(validateMdp({ ...base(), gamma }));
      expect(errs.map((e) => e.field)).toEqual(['gamma']);
    }
    const { gamma: _, ...noGamma } = base();
    expectError(leftOf(validateMdp(noGamma)), 'gamma', undefined, /missing/);
  });

  it('S and A: 0, negative, non-integer, non-number, NaN, too large', () => {
    for (const S of [0, -1, 1.5, '2', NaN, Infinity, null, 2 ** 60]) {
      expectError(leftOf(validateMdp({ ...base(), S })), 'S', undefined, /integer/);
    }
    for (const A of [0, -3, 2.5, '2', NaN]) {
      expectError(leftOf(validateMdp({ ...base(), A })), 'A', undefined, /integer/);
    }
  });

  it('wrong lengths of P and rho, without per-entry checks of that field', () => {
    const errs = leftOf(validateMdp({ ...base(), P: [NaN, NaN, NaN, -1, 1, 1, 1], rho: [1] }));
    expect(errorsAt(errs, 'P')).toHaveLength(1);
    expectError(errs, 'P', undefined, /expected S\*A\*S = 8 entries, got 7/);
    expectError(errs, 'rho', undefined, /expected S = 2 entries, got 1/);
    // the length depends on S and A: S = 3 makes P (8) and rho (2) both wrong
    const errs3 = leftOf(validateMdp({ ...base(), S: 3 }));
    expect(errs3.map((e) => e.field).sort()).toEqual(['P', 'rho']);
  });

  it('rho: NaN, negative entries at [s] and a sum off 1', () => {
    expectError(leftOf(validateMdp({ ...base(), rho: [NaN, 1] })), 'rho', [0], /NaN/);
    expectError(leftOf(validateMdp({ ...base(), rho: [1.5, -0.5] })), 'rho', [1], /negative/);
    expectError(leftOf(validateMdp({ ...base(), rho: [0.5, 0.6] })), 'rho', undefined, /sums to 1\.1/);
  });

  it('P or rho missing, or not arrays', () => {
    const { P: _p, ...noP } = base();
    expectError(leftOf(validateMdp(noP)), 'P', undefined, /missing/);
    const { rho: _r, ...noRho } = base();
    expectError(leftOf(validateMdp(noRho)), 'rho', undefined, /missing/);
    for (const bad of [{ length: 8 }, 'abcdefgh', 8, new Float32Array(8), null]) {
      expectError(leftOf(validateMdp({ ...base(), P: bad })), 'P', undefined, /expected number\[\] or Float64Array/);
    }
  });

  it('an empty object: every field is reported missing', () => {
    const errs = leftOf(validateMdp({}));
    expect(errs.map((e) => e.field)).toEqual(['S', 'A', 'gamma', 'P', 'rho']);
  });

  it('non-object input is an error on "$"', () => {
    for (const input of [null, undefined, 42, 'mdp', [], [base()], new Float64Array(3), () => base(), Symbol('x'), true]) {
      const errs = leftOf(validateMdp(input));
      expect(errs).toHaveLength(1);
      expect(errs[0].field).toBe('$');
    }
  });

  it('several simultaneous errors are all reported', () => {
    const m = { ...base(), gamma: 1, rho: [0.7, 0.7], P: [...base().P] };
    m.P[0] = NaN; // [0,0,0]
    m.P[6] = -0.2; // [1,1,0] negative, and row (1,1) sums to 0
    const errs = leftOf(validateMdp(m));
    expectError(errs, 'gamma', undefined);
    expectError(errs, 'P', [0, 0, 0], /NaN/);
    expectError(errs, 'P', [1, 1, 0], /negative/);
    expectError(errs, 'P', [1, 1], /sums to/);
    expectError(errs, 'rho', undefined, /sums to 1\.4/);
    expect(errs).toHaveLength(5);
  });

  it('caps the errors per field and summarises the rest', () => {
    const S = 5;
    const A = 2;
    const P = new Array<number>(S * A * S).fill(NaN);
    const errs = leftOf(validateMdp({ S, A, gamma: 0.5, P, rho: new Array(S).fill(1 / S) }));
    const pErrs = errorsAt(errs, 'P');
    expect(pErrs).toHaveLength(MAX_ERRORS_PER_FIELD + 1);
    expect(pErrs[MAX_ERRORS_PER_FIELD].message).toMatch(`and ${S * A * S - MAX_ERRORS_PER_FIELD} more`);
  });
});

describe('validateMdp never throws on hostile input', () => {
  it('huge S does not allocate or loop', () => {
    const t0 = Date.now();
    const errs = leftOf(validateMdp({ ...base(), S: 1e12 }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expectError(errs, 'P', undefined, /wrong length/);
    expectError(errs, 'rho', undefined, /wrong length/);
    const errs2 = leftOf(validateMdp({ ...base(), S: 2 ** 52, A: 2 ** 40 }));
    expectError(errs2, 'P', undefined, /exceeds/);
  });

  it('throwing getters and proxies become errors on the field they belong to', () => {
    const getterThrows = {
      ...base(),
      get P(): never {
        throw new Error('boom');
      },
    };
    const errs = leftOf(validateMdp(getterThrows));
    expectError(errs, 'P', undefined, /threw Error: boom/);
    expect(errs).toHaveLength(1);

    const P = new Proxy(base().P, {
      get: (t, k) => {
        if (k === '3') throw new TypeError('trap');
        return Reflect.get(t, k);
      },
    });
    expectError(leftOf(validateMdp({ ...base(), P })), 'P', undefined, /threw TypeError: trap/);

    const { proxy, revoke } = Proxy.revocable(base(), {});
    revoke();
    expect(leftOf(validateMdp(proxy))[0].field).toBe('$');
    const thrower = new Proxy({}, { get: () => { throw 'not an Error'; }, has: () => { throw 1; } });
    expect(E.isLeft(validateMdp(thrower))).toBe(true);
  });

  it('holes and non-numbers inside arrays', () => {
    const P = new Array(8);
    const errs = leftOf(validateMdp({ ...base(), P }));
    expectError(errs, 'P', [0, 0, 0], /not a number: undefined/);
  });
});

describe('validateTable and validateFiniteVector', () => {
  const mdp = rightOf(validateMdp(base()));
  it('tables: finite S*A entries, errors at [s, a], a fresh copy', () => {
    const r = [1, 2, 3, 4];
    const t = rightOf(validateTable(mdp, r, 'reward'));
    expect(Array.from(t)).toEqual(r);
    r[0] = 9;
    expect(t[0]).toBe(1);
    expectError(leftOf(validateTable(mdp, [1, 2, NaN, 4], 'reward')), 'reward', [1, 0], /NaN/);
    expectError(leftOf(validateTable(mdp, [1, Infinity, 3, 4], 'theta')), 'theta', [0, 1], /Infinity/);
    expectError(leftOf(validateTable(mdp, [1, 2, 3], 'reward')), 'reward', undefined, /S\*A = 4/);
    expectError(leftOf(validateTable(mdp, undefined, 'reward')), 'reward', undefined, /missing/);
    // negative entries are fine in a table
    rightOf(validateTable(mdp, [-1, -2, -3, -4], 'reward'));
  });

  it('vectors: finite entries at [i], wrong length, bad length argument', () => {
    expect(Array.from(rightOf(validateFiniteVector(new Float64Array([1, -2]), 2, 'nu')))).toEqual([1, -2]);
    expectError(leftOf(validateFiniteVector([1, -Infinity, 3], 3, 'nu')), 'nu', [1], /-Infinity/);
    expectError(leftOf(validateFiniteVector([1, 2], 3, 'nu')), 'nu', undefined, /wrong length/);
    expectError(leftOf(validateFiniteVector([1, 2], NaN, 'nu')), 'nu', undefined, /expected length/);
    rightOf(validateFiniteVector([], 0, 'empty'));
  });

  it('getOrThrow lists every error', () => {
    expect(() => getOrThrow(validateMdp({ ...base(), gamma: 1, S: 0 }), 'mdp')).toThrow(/invalid mdp:[\s\S]*S: [\s\S]*gamma: /);
  });
});
