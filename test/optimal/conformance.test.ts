import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { plainOptimum, softOptimum } from '../../src/optimal/index.js';
import { rewardOf } from '../../src/reward/rewardModel.js';
import { parseVector, type ConformanceVector } from '../../src/vectors/schema.js';

const REF = 'spec/vectors/reference';
const refFiles = readdirSync(REF).filter((f) => f.endsWith('.json')).sort();

const load = (f: string): ConformanceVector => {
  const v = parseVector(readFileSync(join(REF, f), 'utf8'));
  if (E.isLeft(v)) throw new Error(`${f}: ${JSON.stringify(v.left)}`);
  return v.right;
};

/** The file's own criterion (VECTORS.md): |x − e| ≤ abs + rel·|e| for every entry; reports the worst. */
const expectClose = (label: string, x: ArrayLike<number>, e: ArrayLike<number>, tol: { rel: number; abs: number }): void => {
  expect(x.length, label).toBe(e.length);
  let worst = { i: -1, excess: -Infinity };
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(x[i] - e[i]) - (tol.abs + tol.rel * Math.abs(e[i]));
    if (!(excess <= worst.excess)) worst = { i, excess };
  }
  expect(worst.excess, `${label}: worst entry ${worst.i}: got ${x[worst.i]}, expected ${e[worst.i]}`).toBeLessThanOrEqual(0);
};

describe('conformance: θ*, π*, V* of the independent reference vectors (spec/vectors/reference)', () => {
  it('finds the 12 reference files', () => {
    expect(refFiles.length).toBe(12);
  });

  for (const f of refFiles) {
    it(f, () => {
      const v = load(f);
      const r = rewardOf(v.reward, v.nu);
      const { thetaStar, piStar, VStar } = v.expected;
      expect(thetaStar !== undefined || piStar !== undefined || VStar !== undefined, 'the file holds an optimum field').toBe(true);
      if (v.lambda > 0) {
        const sol = softOptimum(v.mdp, r, v.lambda);
        if (E.isLeft(sol)) throw new Error(sol.left.message);
        expect(sol.right.converged).toBe(true);
        if (thetaStar) expectClose(`${f} thetaStar`, sol.right.thetaStar, thetaStar, v.tolerance);
        if (piStar) expectClose(`${f} piStar`, sol.right.piStar, piStar, v.tolerance);
        if (VStar) expectClose(`${f} VStar`, sol.right.VStar, VStar, v.tolerance);
      } else {
        // λ = 0: no θ* exists; the file holds V* always and a one-hot π* only when the optimal action is unique
        expect(thetaStar, `${f}: no thetaStar at λ = 0`).toBeUndefined();
        const sol = plainOptimum(v.mdp, r);
        if (E.isLeft(sol)) throw new Error(sol.left.message);
        expect(sol.right.converged).toBe(true);
        if (VStar) expectClose(`${f} VStar`, sol.right.VStar, VStar, v.tolerance);
        if (piStar) {
          expect(sol.right.uniqueOptimalAction, `${f}: piStar present, so the optimum is unique`).toBe(true);
          expectClose(`${f} piStar`, sol.right.piStar, piStar, v.tolerance);
        } else {
          expect(sol.right.uniqueOptimalAction, `${f}: piStar absent, so some state has tied optimal actions`).toBe(false);
        }
      }
    });
  }
});
