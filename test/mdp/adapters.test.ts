import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromEmdp, fromPymdptoolbox, toEmdp, toPymdptoolbox } from '../../src/mdp/adapters.js';
import { garnetOrThrow } from '../../src/mdp/garnet.js';
import { forest } from '../../src/mdp/forest.js';
import { suttonBartoGridworld } from '../../src/mdp/gridworld.js';
import type { MdpWithReward } from '../../src/mdp/types.js';
import { fcParams } from '../support/fcParams.js';
import { bits, errorsAt, expectError, leftOf, rightOf } from './helpers.js';

const sameMdp = (x: MdpWithReward, y: MdpWithReward): void => {
  expect([x.mdp.S, x.mdp.A, x.mdp.gamma]).toEqual([y.mdp.S, y.mdp.A, y.mdp.gamma]);
  expect(bits(x.mdp.P)).toEqual(bits(y.mdp.P));
  expect(bits(x.mdp.rho)).toEqual(bits(y.mdp.rho));
  expect(bits(x.reward)).toEqual(bits(y.reward));
};

/** S = 3, A = 2 in pymdptoolbox layout, every row distinct so that swapped indices show. */
const pymdp = () => ({
  P: [
    [[0.5, 0.5, 0], [0, 1, 0], [0.2, 0.3, 0.5]],
    [[1, 0, 0], [0.1, 0.1, 0.8], [0, 0, 1]],
  ],
  R: [[1, 2], [3, 4], [5, 6]],
  gamma: 0.9,
});

describe('pymdptoolbox adapter', () => {
  it('reads P[a][s][s′] and R[s][a] into our layout', () => {
    const m = rightOf(fromPymdptoolbox(pymdp()));
    expect([m.mdp.S, m.mdp.A]).toEqual([3, 2]);
    // ours: P[(s*A + a)*S + s'] = pymdptoolbox P[a][s][s']
    expect(Array.from(m.mdp.P.subarray((1 * 2 + 1) * 3, (1 * 2 + 1) * 3 + 3))).toEqual([0.1, 0.1, 0.8]);
    expect(Array.from(m.mdp.P.subarray((2 * 2 + 0) * 3, (2 * 2 + 0) * 3 + 3))).toEqual([0.2, 0.3, 0.5]);
    expect(Array.from(m.reward)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(m.mdp.rho)).toEqual([1 / 3, 1 / 3, 1 / 3]); // default uniform
  });

  it('round-trips bit for bit (garnets, forest, gridworld)', () => {
    for (const m of [forest({ S: 4 }), suttonBartoGridworld()]) sameMdp(rightOf(fromPymdptoolbox({ ...toPymdptoolbox(m), name: m.name })), m);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (S, A, seed) => {
        const m = garnetOrThrow({ S, A, branching: Math.max(1, S - 1), seed });
        const back = rightOf(fromPymdptoolbox(toPymdptoolbox(m)));
        sameMdp(back, m);
        expect(JSON.parse(JSON.stringify(toPymdptoolbox(m)))).toEqual(toPymdptoolbox(m));
      }),
      fcParams(100),
    );
  });

  it("reduces R[a][s][s′] to r[s,a] = Σ_s′ P[a][s][s′] R[a][s][s′] and spreads R[s] over actions", () => {
    const P = [[[0.25, 0.75], [1, 0]]]; // A = 1, S = 2
    const R3 = [[[4, 8], [2, 100]]];
    const m = rightOf(fromPymdptoolbox({ P, R: R3, gamma: 0.5, rho: [1, 0] }));
    expect(Array.from(m.reward)).toEqual([0.25 * 4 + 0.75 * 8, 2]);
    const p2 = pymdp();
    const v = rightOf(fromPymdptoolbox({ ...p2, R: [7, 8, 9] }));
    expect(Array.from(v.reward)).toEqual([7, 7, 8, 8, 9, 9]);
    // a 3-D R with A ≠ S: shape (A, S, S) = (2, 3, 3)
    const R3b = p2.P.map((Pa) => Pa.map((row, s) => row.map((_, t) => 10 * s + t)));
    const w = rightOf(fromPymdptoolbox({ ...p2, R: R3b }));
    const expected = [0, 1].flatMap(() => [] as number[]);
    for (let s = 0; s < 3; s++) for (let a = 0; a < 2; a++) expected.push(p2.P[a][s].reduce((acc, p, t) => acc + p * R3b[a][s][t], 0));
    expect(Array.from(w.reward)).toEqual(expected);
  });

  it('names errors by the pymdptoolbox index: P[a][s][s′], rows P[a][s], ragged arrays', () => {
    const bad = pymdp();
    bad.P[1][2] = [0, 0.5, 0.4]; // row (a=1, s=2) sums to 0.9
    bad.P[0][1] = [0, NaN, 1]; // entry (a=0, s=1, s'=1)
    const errs = leftOf(fromPymdptoolbox(bad));
    expectError(errs, 'P', [1, 2], /sums to 0\.9.*pymdptoolbox layout P\[a\]\[s\]\[s'\]/);
    expectError(errs, 'P', [0, 1, 1], /NaN.*pymdptoolbox/);
    expect(errorsAt(errs, 'P', [2, 1])).toHaveLength(0);

    const ragged = pymdp() as { P: unknown[][]; R: unknown; gamma: number };
    ragged.P[1] = [[1, 0, 0], [1, 0, 0]]; // P[a=1] has 2 rows
    expectError(leftOf(fromPymdptoolbox(ragged as never)), 'P', [1], /P\[a=1\] has 2 entries, expected S = 3 \(pymdptoolbox/);
    const ragged2 = pymdp() as { P: unknown[][]; R: unknown; gamma: number };
    ragged2.P[1][2] = [0, 0, 0.5, 0.5]; // P[a=1][s=2] has 4 entries
    ragged2.P[0][0] = 'row';
    const e2 = leftOf(fromPymdptoolbox(ragged2 as never));
    expectError(e2, 'P', [1, 2], /P\[a=1\]\[s=2\] has 4 entries/);
    expectError(e2, 'P', [0, 0], /is "row", expected an array/);
  });

  it('reports R, γ and ρ problems with their own fields', () => {
    const errs = leftOf(fromPymdptoolbox({ ...pymdp(), R: [[1, 2, 3], [4, 5, 6]], gamma: 1, rho: [1, 0] }));
    expectError(errs, 'R', undefined, /R has 2 entries, expected S = 3 \(pymdptoolbox layout R\[s\]\[a\]\)/);
    const transposed = leftOf(fromPymdptoolbox({ ...pymdp(), R: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] }));
    expectError(transposed, 'R', [0], /R\[s=0\] has 3 entries, expected A = 2 \(pymdptoolbox layout R\[s\]\[a\]\)/);
    expectError(errs, 'gamma', undefined);
    expectError(errs, 'rho', undefined, /expected S = 3/);
    expectError(leftOf(fromPymdptoolbox({ ...pymdp(), R: [[1, 2], [3, Infinity], [5, 6]] })), 'R', [1, 1], /Infinity/);
    const R3 = pymdp().P.map((Pa) => Pa.map((row) => row.map(() => 1)));
    R3[1][0][2] = NaN;
    expectError(leftOf(fromPymdptoolbox({ ...pymdp(), R: R3 })), 'R', [1, 0, 2], /NaN.*R\[a\]\[s\]\[s'\]/);
    expectError(leftOf(fromPymdptoolbox({ ...pymdp(), R: 3 } as never)), 'R', undefined, /expected R\[s\]\[a\]/);
    expectError(leftOf(fromPymdptoolbox(null as never)), '$', undefined);
    expectError(leftOf(fromPymdptoolbox({ P: [], R: [], gamma: 0.9 })), 'P', undefined, /empty/);
    // γ is reported even when P is unusable
    expectError(leftOf(fromPymdptoolbox({ P: 'x', R: [], gamma: 2 } as never)), 'gamma', undefined);
  });
});

describe('emdp adapter', () => {
  it('round-trips bit for bit and keeps emdp names', () => {
    for (const m of [forest({ S: 5, p: 0.2 }), suttonBartoGridworld({ gamma: 0.5 }), garnetOrThrow({ S: 6, A: 2, branching: 3, seed: 9 })]) {
      const e = toEmdp(m);
      expect(e.P.length).toBe(m.mdp.S);
      expect(e.P[0].length).toBe(m.mdp.A);
      sameMdp(rightOf(fromEmdp(e)), m);
    }
  });

  it('reads P[s][a][s′]: errors keep the emdp index, ρ is called p0', () => {
    const P = [
      [[0.5, 0.5, 0], [0, 1, 0]],
      [[1, 0, 0], [0, 0, 1]],
      [[0.2, 0.3, 0.4], [0, 0, 1]], // (s=2, a=0) sums to 0.9
    ];
    const errs = leftOf(fromEmdp({ P, R: [[0, 0], [0, 0], [0, 0]], gamma: 0.9, p0: [0.5, 0.6, 0] }));
    expectError(errs, 'P', [2, 0], /sums to 0\.9.*emdp layout/);
    expectError(errs, 'p0', undefined, /sums to 1\.1/);
    const ragged = leftOf(fromEmdp({ P: [P[0], P[1], [[1, 0, 0]]], R: [[0, 0], [0, 0]], gamma: 0.9, p0: [1, 0, 0] }));
    expectError(ragged, 'P', [2], /P\[s=2\] has 1 entries, expected A = 2 \(emdp/);
    const rBad = leftOf(fromEmdp({ P: [P[0], P[1], [[1, 0, 0], [0, 0, 1]]], R: [[0, 0], [0, 0]], gamma: 0.9, p0: [1, 0, 0] }));
    expectError(rBad, 'R', undefined, /shape|expected an array|entries/);
    expectError(leftOf(fromEmdp({ P, R: [[0, 0], [0, 0], [0, 0]], gamma: 0.9 } as never)), 'p0', undefined, /missing/);
  });
});
