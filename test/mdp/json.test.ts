import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mdpToJson, parseMdpJson } from '../../src/mdp/json.js';
import { garnetOrThrow } from '../../src/mdp/garnet.js';
import { twoStateChain } from '../../src/mdp/chain.js';
import type { MdpWithReward } from '../../src/mdp/types.js';
import { fcParams } from '../support/fcParams.js';
import { bits, errorsAt, expectError, leftOf, rightOf } from './helpers.js';

const withReward = (x: unknown): MdpWithReward => {
  expect(x).toHaveProperty('reward');
  return x as MdpWithReward;
};

describe('MDP JSON', () => {
  it('round-trips bit for bit, including −0, subnormals and awkward decimals in the reward', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 15, maxLength: 15 }),
        fc.string(),
        (S, A, seed, rs, name) => {
          const g = garnetOrThrow({ S, A, branching: 1 + (seed % S), seed, gamma: 0.3 + (seed % 7) / 10 });
          const reward = Float64Array.from(rs.slice(0, S * A));
          const m: MdpWithReward = { name, mdp: g.mdp, reward };
          const back = withReward(rightOf(parseMdpJson(mdpToJson(m))));
          expect(back.name).toBe(name);
          expect([back.mdp.S, back.mdp.A]).toEqual([S, A]);
          expect(bits([back.mdp.gamma])).toEqual(bits([g.mdp.gamma]));
          expect(bits(back.mdp.P)).toEqual(bits(g.mdp.P));
          expect(bits(back.mdp.rho)).toEqual(bits(g.mdp.rho));
          expect(bits(back.reward)).toEqual(bits(reward));
        },
      ),
      fcParams(200),
    );
    const c = twoStateChain();
    const special = { ...c, reward: Float64Array.from([-0, 5e-324, 0.1 + 0.2, -1.7976931348623157e308]) };
    const back = withReward(rightOf(parseMdpJson(mdpToJson(special))));
    expect(bits(back.reward)).toEqual(bits(special.reward));
    expect(Object.is(back.reward[0], -0)).toBe(true);
  });

  it('an Mdp without reward round-trips as { mdp }', () => {
    const { mdp } = twoStateChain();
    const text = mdpToJson(mdp);
    expect(JSON.parse(text)).toEqual({ S: 2, A: 2, gamma: 0.9, P: [0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, 0.2], rho: [1, 0] });
    const back = rightOf(parseMdpJson(text));
    expect(back).not.toHaveProperty('reward');
    expect(bits(back.mdp.P)).toEqual(bits(mdp.P));
  });

  it('malformed JSON and non-objects are a Left on "$", not a throw', () => {
    for (const text of ['{"S": 2,', '', 'NaN', '{S: 2}', '[1,2]', '42', 'null']) {
      const errs = leftOf(parseMdpJson(text));
      expect(errs).toHaveLength(1);
      expect(errs[0].field).toBe('$');
    }
    expect(leftOf(parseMdpJson('{"S": 2,'))[0].message).toMatch(/^malformed JSON: /);
    expect(leftOf(parseMdpJson(42 as never))[0].field).toBe('$');
  });

  it('reports every schema problem: MDP fields, reward, name, unknown keys, overflowing numbers', () => {
    const text = JSON.stringify({ S: 2, A: 2, gamma: 1, P: [0.9, 0.1, 0.2, 0.8, 0.1, 0.9, 0.8, -0.2], rho: [1, 0], reward: [0, 1, 2], name: 3, Rho: [1, 0] });
    const errs = leftOf(parseMdpJson(text));
    expectError(errs, 'gamma', undefined);
    expectError(errs, 'P', [1, 1, 1], /negative/);
    expectError(errs, 'reward', undefined, /S\*A = 4/);
    expectError(errs, 'name', undefined, /string/);
    expectError(errs, 'Rho', undefined, /unknown field/);
    const inf = leftOf(parseMdpJson('{"S":1,"A":1,"gamma":0.5,"P":[1],"rho":[1],"reward":[1e400]}'));
    expectError(inf, 'reward', [0, 0], /\+Infinity/);
    expect(errorsAt(leftOf(parseMdpJson('{"S":0,"A":1,"gamma":0.5,"P":[1],"rho":[1]}')), 'S')).toHaveLength(1);
  });
});
