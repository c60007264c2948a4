/**
 * Compressed successor lists of `P` (MATH.md §1): row `i = s*A + a` holds the successors
 * `next[k]` with probabilities `prob[k]` for `k ∈ [offsets[i], offsets[i+1])`. Sparse MDPs
 * (Garnet, gridworld) make a Bellman backup cost O(S·A·branching) instead of O(S²·A).
 * A validated `Mdp` is immutable, so the lists are computed once per MDP and cached.
 */
import type { Mdp } from './types.js';

export interface Successors {
  readonly offsets: Int32Array;
  readonly next: Int32Array;
  readonly prob: Float64Array;
}

const compress = (mdp: Mdp): Successors => {
  const { S, A, P } = mdp;
  let nnz = 0;
  for (let i = 0; i < P.length; i++) if (P[i] !== 0) nnz++;
  const offsets = new Int32Array(S * A + 1);
  const next = new Int32Array(nnz);
  const prob = new Float64Array(nnz);
  let k = 0;
  for (let sa = 0; sa < S * A; sa++) {
    offsets[sa] = k;
    const o = sa * S;
    for (let t = 0; t < S; t++) {
      const p = P[o + t];
      if (p !== 0) {
        next[k] = t;
        prob[k] = p;
        k++;
      }
    }
  }
  offsets[S * A] = k;
  return { offsets, next, prob };
};

const cache = new WeakMap<Mdp, Successors>();

/** The successor lists of `P` (computed once per validated MDP, then cached; never mutate them). */
export const successorsOf = (mdp: Mdp): Successors => {
  let s = cache.get(mdp);
  if (s === undefined) {
    s = compress(mdp);
    cache.set(mdp, s);
  }
  return s;
};

/** `Q = r + γ P V` into `Q`, through the successor lists (MATH.md §3). */
export const backup = (succ: Successors, r: Readonly<Float64Array>, gamma: number, V: Readonly<Float64Array>, Q: Float64Array): void => {
  const { offsets, next, prob } = succ;
  let k = 0;
  for (let sa = 0; sa < Q.length; sa++) {
    const end = offsets[sa + 1];
    let ev = 0;
    for (; k < end; k++) ev += prob[k] * V[next[k]];
    Q[sa] = r[sa] + gamma * ev;
  }
};
