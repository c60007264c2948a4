/**
 * Seeded generation of test cases for `parl verify`: Garnet MDPs of varied size, discount,
 * entropy weight and policy sharpness (including near-deterministic policies and logits
 * up to ±30), deterministic given the seed.
 */
import * as E from 'fp-ts/lib/Either.js';
import { garnet } from '../mdp/index.js';
import type { Mdp } from '../mdp/types.js';
import { makeRng, type Rng } from '../random/rng.js';

/** One generated problem: an MDP, a reward table, a policy point θ and an entropy weight λ. */
export interface VerifyCase {
  readonly label: string;
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly lambda: number;
}

const pick = <T>(rng: Rng, xs: ReadonlyArray<T>): T => xs[rng.int(xs.length)];

/** Logits of one of four shapes: small, wide (±30), near-deterministic (one dominant action), uniform. */
const drawTheta = (rng: Rng, S: number, A: number): { theta: Float64Array; shape: string } => {
  const shape = pick(rng, ['normal', 'wide', 'near-deterministic', 'uniform'] as const);
  const theta = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    const star = rng.int(A);
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      if (shape === 'normal') theta[i] = rng.normal();
      else if (shape === 'wide') theta[i] = 60 * rng.uniform() - 30;
      else if (shape === 'near-deterministic') theta[i] = a === star ? 15 + 15 * rng.uniform() : rng.normal();
    }
  }
  return { theta, shape };
};

/** `count` cases from `seed`: S ∈ 1..12, A ∈ 1..5, γ ∈ {0} ∪ [0, 0.99] ∪ {0.99}, λ ∈ {0} ∪ [0.01, 1]. */
export const generateCases = (seed: number, count: number): ReadonlyArray<VerifyCase> => {
  const rng = makeRng(seed);
  const cases: VerifyCase[] = [];
  for (let k = 0; k < count; k++) {
    const S = 1 + rng.int(12);
    const A = 1 + rng.int(5);
    const branching = 1 + rng.int(S);
    const g = rng.uniform();
    const gamma = g < 0.1 ? 0 : g < 0.25 ? 0.99 : 0.99 * rng.uniform();
    const lambda = rng.uniform() < 0.3 ? 0 : 0.01 + 0.99 * rng.uniform();
    const built = garnet({ S, A, branching, gamma, seed: rng.int(0x7fffffff) });
    if (E.isLeft(built)) throw new Error(`internal: garnet rejected generated arguments: ${JSON.stringify(built.left)}`);
    const { theta, shape } = drawTheta(rng, S, A);
    // rewards of either sign and scale up to 10
    const scale = pick(rng, [1, 10]);
    const r = new Float64Array(S * A);
    for (let i = 0; i < r.length; i++) r[i] = scale * (2 * built.right.reward[i] - 1);
    cases.push({
      label: `#${k} S=${S} A=${A} b=${branching} γ=${gamma.toFixed(3)} λ=${lambda.toFixed(3)} θ:${shape}`,
      mdp: built.right.mdp,
      r,
      theta,
      lambda,
    });
  }
  return cases;
};
