import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { MAX_ERRORS_PER_FIELD, validateMdp } from '../../src/mdp/validate.js';
import { ROW_SUM_TOLERANCE } from '../../src/mdp/types.js';
import { fromEmdp, fromPymdptoolbox } from '../../src/mdp/adapters.js';
import { parseMdpJson } from '../../src/mdp/json.js';
import { fcParams } from '../support/fcParams.js';
import { arbMaybeMdp, arbRawMdp, materialize } from './arbitraries.js';

/** Every Left is a non-empty list of well-formed errors, capped per field. */
const checkErrors = (errs: ReadonlyArray<unknown>): void => {
  expect(errs.length).toBeGreaterThan(0);
  const perField = new Map<string, number>();
  for (const e of errs as ReadonlyArray<{ field: unknown; message: unknown; index?: unknown }>) {
    expect(typeof e.field).toBe('string');
    expect(typeof e.message).toBe('string');
    if (e.index !== undefined) {
      expect(Array.isArray(e.index)).toBe(true);
      for (const i of e.index as unknown[]) expect(Number.isSafeInteger(i) && (i as number) >= 0).toBe(true);
    }
    perField.set(e.field as string, (perField.get(e.field as string) ?? 0) + 1);
  }
  for (const n of perField.values()) expect(n).toBeLessThanOrEqual(MAX_ERRORS_PER_FIELD + 2);
};

describe('validateMdp fuzz', () => {
  it('never throws, and a Right is well formed with only finite numbers and no aliasing', () => {
    fc.assert(
      fc.property(arbMaybeMdp, (maybe) => {
        const input = materialize(maybe);
        const t0 = performance.now();
        const v = validateMdp(input);
        expect(performance.now() - t0).toBeLessThan(2000);
        if (E.isLeft(v)) return checkErrors(v.left);
        const { S, A, gamma, P, rho } = v.right;
        expect(Number.isSafeInteger(S) && S >= 1 && Number.isSafeInteger(A) && A >= 1).toBe(true);
        expect(Number.isFinite(gamma) && gamma >= 0 && gamma < 1).toBe(true);
        expect(P).toBeInstanceOf(Float64Array);
        expect(rho).toBeInstanceOf(Float64Array);
        expect(P.length).toBe(S * A * S);
        expect(rho.length).toBe(S);
        for (const x of [...P, ...rho]) expect(Number.isFinite(x) && x >= 0).toBe(true);
        for (let r = 0; r < S * A; r++) {
          const row = P.subarray(r * S, r * S + S).reduce((p, q) => p + q, 0);
          expect(Math.abs(row - 1)).toBeLessThanOrEqual(ROW_SUM_TOLERANCE * 1.01);
        }
        const src = input as { P: unknown; rho: unknown };
        expect(P).not.toBe(src.P);
        expect(rho).not.toBe(src.rho);
      }),
      fcParams(300),
    );
  }, 60_000);

  it('every valid raw MDP is accepted with its values unchanged', () => {
    fc.assert(
      fc.property(arbRawMdp(), (raw) => {
        const m = validateMdp(raw);
        expect(E.isRight(m)).toBe(true);
        if (E.isRight(m)) expect(Array.from(m.right.P)).toEqual(Array.from(raw.P as ArrayLike<number>));
      }),
      fcParams(100),
    );
  });

  it('adapters and the JSON parser never throw either', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), fc.json(), (x, s, j) => {
        for (const v of [
          fromPymdptoolbox(x as never),
          fromPymdptoolbox({ P: x, R: x, gamma: x } as never),
          fromEmdp(x as never),
          fromEmdp({ P: [[x]], R: [[x]], gamma: 0.5, p0: x } as never),
          parseMdpJson(s),
          parseMdpJson(j),
        ]) {
          if (E.isLeft(v)) checkErrors(v.left);
          else for (const r of v.right.mdp.P) expect(Number.isFinite(r)).toBe(true);
        }
      }),
      fcParams(300),
    );
  }, 60_000);
});
