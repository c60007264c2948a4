import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { garnet, garnetOrThrow } from '../../src/mdp/garnet.js';
import {
  GRID_A,
  GRID_A_PRIME,
  GRID_B,
  GRID_B_PRIME,
  GRID_EAST,
  GRID_NORTH,
  GRID_SOUTH,
  GRID_WEST,
  gridState,
  suttonBartoGridworld,
  suttonBartoGridworldE,
} from '../../src/mdp/gridworld.js';
import { twoStateChain, twoStateChainE } from '../../src/mdp/chain.js';
import { FOREST_CUT, FOREST_WAIT, forest, forestE } from '../../src/mdp/forest.js';
import { toPymdptoolbox } from '../../src/mdp/adapters.js';
import type { MdpWithReward } from '../../src/mdp/types.js';
import { validateMdp } from '../../src/mdp/validate.js';
import { fcParams } from '../support/fcParams.js';
import { bits, expectError, leftOf, rightOf } from './helpers.js';

const vector = (id: string): { mdp: { S: number; A: number; gamma: number; P: number[]; rho: number[] }; reward: { kind: string; k?: number; features?: number[] }; nu: number[] } =>
  JSON.parse(readFileSync(new URL(`../../spec/vectors/reference/${id}.json`, import.meta.url), 'utf8'));

/** The successor distribution of (s, a). */
const row = (m: MdpWithReward, s: number, a: number): number[] => {
  const { S, A, P } = m.mdp;
  return Array.from(P.subarray((s * A + a) * S, (s * A + a) * S + S));
};
/** The unique successor of a deterministic (s, a). */
const next = (m: MdpWithReward, s: number, a: number): number => {
  const r = row(m, s, a);
  expect(r.filter((x) => x !== 0)).toEqual([1]);
  return r.indexOf(1);
};

describe('garnet', () => {
  it('is deterministic: same seed, same bits; another seed, other bits', () => {
    const a = garnetOrThrow({ S: 7, A: 3, branching: 3, seed: 42 });
    const b = garnetOrThrow({ S: 7, A: 3, branching: 3, seed: 42 });
    const c = garnetOrThrow({ S: 7, A: 3, branching: 3, seed: 43 });
    expect(bits(a.mdp.P)).toEqual(bits(b.mdp.P));
    expect(bits(a.reward)).toEqual(bits(b.reward));
    expect(bits(a.mdp.rho)).toEqual(bits(b.mdp.rho));
    expect(bits(a.mdp.P)).not.toEqual(bits(c.mdp.P));
    expect(bits(a.reward)).not.toEqual(bits(c.reward));
    expect(a.mdp.gamma).toBe(0.9);
  });

  it('every row has exactly `branching` positive entries and sums to exactly 1; rewards in [0,1); ρ uniform', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((S) =>
          fc.record({ S: fc.constant(S), A: fc.integer({ min: 1, max: 4 }), branching: fc.integer({ min: 1, max: S }), seed: fc.nat() }),
        ),
        ({ S, A, branching, seed }) => {
          const g = rightOf(garnet({ S, A, branching, seed, gamma: 0.5 }));
          expect(E.isRight(validateMdp(g.mdp))).toBe(true);
          expect([g.mdp.S, g.mdp.A, g.mdp.gamma]).toEqual([S, A, 0.5]);
          for (let s = 0; s < S; s++) {
            for (let a = 0; a < A; a++) {
              const r = row(g, s, a);
              expect(r.filter((x) => x > 0)).toHaveLength(branching);
              expect(r.every((x) => x >= 0)).toBe(true);
              expect(r.reduce((p, q) => p + q, 0)).toBe(1); // left to right, exactly
              const x = g.reward[s * A + a];
              expect(x >= 0 && x < 1).toBe(true);
            }
          }
          expect(Array.from(g.mdp.rho)).toEqual(new Array(S).fill(1 / S));
        },
      ),
      fcParams(200),
    );
  });

  it('rows with many successors still sum to exactly 1 when summed left to right', () => {
    const S = 64;
    const A = 8;
    const g = garnetOrThrow({ S, A, branching: S, seed: 3 });
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) expect(row(g, s, a).reduce((p, q) => p + q, 0)).toBe(1);
  });

  it('chooses successors uniformly (frequencies within 6σ)', () => {
    const S = 8;
    const A = 500;
    const b = 3;
    const g = garnetOrThrow({ S, A, branching: b, seed: 7 });
    const counts = new Array<number>(S).fill(0);
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) row(g, s, a).forEach((x, t) => (counts[t] += x > 0 ? 1 : 0));
    const n = S * A;
    const p = b / S;
    const sd = Math.sqrt(n * p * (1 - p));
    for (const c of counts) expect(Math.abs(c - n * p)).toBeLessThan(6 * sd);
    // and the probabilities are not all equal (spacings of uniform breakpoints)
    const probs = row(g, 0, 0).filter((x) => x > 0);
    expect(new Set(probs).size).toBe(b);
  });

  it('invalid arguments are a Left listing every problem', () => {
    const errs = leftOf(garnet({ S: 0, A: 1.5, branching: 0, seed: 0.5, gamma: 1 }));
    for (const f of ['S', 'A', 'branching', 'seed', 'gamma']) expectError(errs, f, undefined);
    expectError(leftOf(garnet({ S: 3, A: 2, branching: 4, seed: 1 })), 'branching', undefined, /1\.\.3/);
    expectError(leftOf(garnet({ S: 1e5, A: 2, branching: 1, seed: 1 })), 'S', undefined, /exceeds/);
    expect(() => garnetOrThrow({ S: 3, A: 2, branching: 4, seed: 1 })).toThrow(RangeError);
  });
});

describe('suttonBartoGridworld (Sutton & Barto Example 3.5)', () => {
  const g = suttonBartoGridworld();

  it('from A every action goes to A′ with +10, from B to B′ with +5', () => {
    expect([GRID_A, GRID_A_PRIME, GRID_B, GRID_B_PRIME]).toEqual([1, 21, 3, 13]);
    for (let a = 0; a < 4; a++) {
      expect(next(g, GRID_A, a)).toBe(GRID_A_PRIME);
      expect(g.reward[GRID_A * 4 + a]).toBe(10);
      expect(next(g, GRID_B, a)).toBe(GRID_B_PRIME);
      expect(g.reward[GRID_B * 4 + a]).toBe(5);
    }
  });

  it('corners: moves off the grid stay put with −1, others move with 0', () => {
    const tl = gridState(0, 0);
    expect([next(g, tl, GRID_NORTH), g.reward[tl * 4 + GRID_NORTH]]).toEqual([tl, -1]);
    expect([next(g, tl, GRID_WEST), g.reward[tl * 4 + GRID_WEST]]).toEqual([tl, -1]);
    expect([next(g, tl, GRID_SOUTH), g.reward[tl * 4 + GRID_SOUTH]]).toEqual([gridState(1, 0), 0]);
    expect([next(g, tl, GRID_EAST), g.reward[tl * 4 + GRID_EAST]]).toEqual([GRID_A, 0]);
    const br = gridState(4, 4);
    expect([next(g, br, GRID_SOUTH), g.reward[br * 4 + GRID_SOUTH]]).toEqual([br, -1]);
    expect([next(g, br, GRID_EAST), g.reward[br * 4 + GRID_EAST]]).toEqual([br, -1]);
    expect([next(g, br, GRID_NORTH), g.reward[br * 4 + GRID_NORTH]]).toEqual([gridState(3, 4), 0]);
    expect([next(g, br, GRID_WEST), g.reward[br * 4 + GRID_WEST]]).toEqual([gridState(4, 3), 0]);
    const tr = gridState(0, 4);
    expect([next(g, tr, GRID_NORTH), next(g, tr, GRID_EAST), next(g, tr, GRID_WEST)]).toEqual([tr, tr, GRID_B]);
    const bl = gridState(4, 0);
    expect([next(g, bl, GRID_SOUTH), next(g, bl, GRID_WEST), next(g, bl, GRID_NORTH)]).toEqual([bl, bl, gridState(3, 0)]);
  });

  it('equals the P, ρ and reward Φν of reference vector p05 bit for bit', () => {
    const v = vector('p05-gridworld-random-policy-l0');
    expect([g.mdp.S, g.mdp.A, g.mdp.gamma]).toEqual([v.mdp.S, v.mdp.A, v.mdp.gamma]);
    expect(bits(g.mdp.P)).toEqual(bits(v.mdp.P));
    expect(bits(g.mdp.rho)).toEqual(bits(v.mdp.rho));
    const k = v.reward.k as number;
    const phi = v.reward.features as number[];
    const r = Array.from({ length: 100 }, (_, i) => phi.slice(i * k, i * k + k).reduce((p, f, j) => p + f * v.nu[j], 0));
    expect(Array.from(g.reward)).toEqual(r);
  });

  it('γ is an option; an invalid γ is a Left (and a RangeError from the throwing form)', () => {
    expect(suttonBartoGridworld({ gamma: 0.5 }).mdp.gamma).toBe(0.5);
    expectError(leftOf(suttonBartoGridworldE({ gamma: 1 })), 'gamma', undefined);
    expect(() => suttonBartoGridworld({ gamma: NaN })).toThrow(RangeError);
  });
});

describe('twoStateChain', () => {
  it('reproduces mdp.P, ρ and γ of reference vectors p04 and p12 exactly', () => {
    for (const [id, gamma] of [['p04-chain2-g09-l01', 0.9], ['p12-chain2-g05-l0-linear', 0.5]] as const) {
      const v = vector(id);
      const c = twoStateChain({ gamma });
      expect(bits(c.mdp.P)).toEqual(bits(v.mdp.P));
      expect(bits(c.mdp.rho)).toEqual(bits(v.mdp.rho));
      expect(c.mdp.gamma).toBe(v.mdp.gamma);
    }
    expect(Array.from(twoStateChain().mdp.P)).toEqual([0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, 0.2]);
  });

  it('default reward, and options for ρ and reward', () => {
    expect(Array.from(twoStateChain().reward)).toEqual([0, 0.1, 1.0, 0.5]);
    const c = twoStateChain({ rho: [0.5, 0.5], reward: new Float64Array([1, 2, 3, 4]) });
    expect(Array.from(c.mdp.rho)).toEqual([0.5, 0.5]);
    expect(Array.from(c.reward)).toEqual([1, 2, 3, 4]);
    const errs = leftOf(twoStateChainE({ rho: [0.5, 0.6], reward: [0, NaN, 0, 0], gamma: 1 }));
    expectError(errs, 'rho', undefined, /sums to/);
    expectError(errs, 'reward', [0, 1], /NaN/);
    expectError(errs, 'gamma', undefined);
  });
});

describe('forest (pymdptoolbox mdptoolbox.example.forest)', () => {
  it('matches the docstring example of forest() for S = 3', () => {
    // sawcordwell/pymdptoolbox, src/mdptoolbox/example.py, forest() docstring:
    //   >>> P, R = mdptoolbox.example.forest()
    //   P = [[[0.1, 0.9, 0.], [0.1, 0., 0.9], [0.1, 0., 0.9]], [[1., 0., 0.], [1., 0., 0.], [1., 0., 0.]]]
    //   R = [[0., 0.], [0., 1.], [4., 2.]]
    const f = forest();
    const { P, R } = toPymdptoolbox(f);
    expect(P).toEqual([
      [[0.1, 0.9, 0], [0.1, 0, 0.9], [0.1, 0, 0.9]],
      [[1, 0, 0], [1, 0, 0], [1, 0, 0]],
    ]);
    expect(R).toEqual([[0, 0], [0, 1], [4, 2]]);
    expect(Array.from(f.mdp.rho)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect([FOREST_WAIT, FOREST_CUT]).toEqual([0, 1]);
  });

  it('matches a transliteration of the numpy construction for other S, r1, r2, p', () => {
    // the body of forest() in pymdptoolbox, step by step on nested arrays
    const numpyForest = (S: number, r1: number, r2: number, p: number) => {
      const P = [0, 1].map(() => Array.from({ length: S }, () => new Array<number>(S).fill(0)));
      for (let i = 0; i < S - 1; i++) P[0][i][i + 1] = (1 - p) * 1; // (1 - p) * diag(ones(S - 1), 1)
      for (let i = 0; i < S; i++) P[0][i][0] = p; // P[0, :, 0] = p
      P[0][S - 1][S - 1] = 1 - p; // P[0, S - 1, S - 1] = (1 - p)
      for (let i = 0; i < S; i++) P[1][i][0] = 1; // P[1, :, 0] = 1
      const R = Array.from({ length: S }, () => [0, 0]);
      R[S - 1][0] = r1;
      for (let i = 0; i < S; i++) R[i][1] = 1;
      R[0][1] = 0;
      R[S - 1][1] = r2;
      return { P, R };
    };
    for (const [S, r1, r2, p] of [[2, 4, 2, 0.1], [5, 7, 3, 0.3], [6, 1.5, 0.25, 0], [4, 2, 9, 1]] as const) {
      const ours = toPymdptoolbox(forest({ S, r1, r2, p, gamma: 0.95 }));
      const ref = numpyForest(S, r1, r2, p);
      expect(ours.P).toEqual(ref.P);
      expect(ours.R).toEqual(ref.R);
      expect(ours.gamma).toBe(0.95);
    }
  });

  it('invalid options are a Left', () => {
    const errs = leftOf(forestE({ S: 1, p: 1.5, r1: NaN, gamma: -1 }));
    for (const f of ['S', 'p', 'r1', 'gamma']) expectError(errs, f, undefined);
    expect(() => forest({ S: 2.5 })).toThrow(RangeError);
  });
});
