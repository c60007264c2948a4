/**
 * The policy-averaged transition matrix and reward (MATH.md §3).
 */
import { backup, successorsOf } from '../mdp/successors.js';
import type { Mdp } from '../mdp/types.js';

/** `P_π[s,s'] = Σ_a π(a|s) P[s,a,s']`, row-major S×S (MATH.md §3), through P's successor lists. */
export const policyTransition = (mdp: Mdp, pi: Readonly<Float64Array>): Float64Array => {
  const { S, A } = mdp;
  const { offsets, next, prob } = successorsOf(mdp);
  const out = new Float64Array(S * S);
  for (let s = 0; s < S; s++) {
    const row = s * S;
    for (let a = 0; a < A; a++) {
      const p = pi[s * A + a];
      if (p === 0) continue;
      const sa = s * A + a;
      for (let k = offsets[sa]; k < offsets[sa + 1]; k++) out[row + next[k]] += p * prob[k];
    }
  }
  return out;
};

/** `I − γ P_π` for a policy table π in one pass over P's successor lists (MATH.md §3). */
export const bellmanMatrixOfPolicy = (mdp: Mdp, pi: Readonly<Float64Array>): Float64Array => {
  const { S, A, gamma } = mdp;
  const { offsets, next, prob } = successorsOf(mdp);
  const M = new Float64Array(S * S);
  for (let s = 0; s < S; s++) {
    const row = s * S;
    for (let a = 0; a < A; a++) {
      const w = gamma * pi[s * A + a];
      if (w === 0) continue;
      const sa = s * A + a;
      for (let k = offsets[sa]; k < offsets[sa + 1]; k++) M[row + next[k]] -= w * prob[k];
    }
    M[row + s] += 1;
  }
  return M;
};

/** `r_π(s) = Σ_a π(a|s) (r[s,a] − λ log π(a|s))` (MATH.md §3). */
export const policyReward = (
  mdp: Mdp,
  r: Readonly<Float64Array>,
  pi: Readonly<Float64Array>,
  logPi: Readonly<Float64Array>,
  lambda: number,
): Float64Array => {
  const { S, A } = mdp;
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let acc = 0;
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      // π log π → 0 as π → 0; logPi is finite, so the product is finite (and 0 when π underflows)
      acc += pi[i] * (r[i] - lambda * logPi[i]);
    }
    out[s] = acc;
  }
  return out;
};

/** `I − γ P_π`, row-major S×S: the matrix of the Bellman evaluation equations. */
export const bellmanMatrix = (mdp: Mdp, pPi: Readonly<Float64Array>): Float64Array => {
  const { S, gamma } = mdp;
  const m = new Float64Array(S * S);
  for (let i = 0; i < S * S; i++) m[i] = -gamma * pPi[i];
  for (let s = 0; s < S; s++) m[s * S + s] += 1;
  return m;
};

/** `Q[s,a] = r[s,a] + γ Σ_{s'} P[s,a,s'] V[s']` (MATH.md §3). */
export const actionValues = (mdp: Mdp, r: Readonly<Float64Array>, V: Readonly<Float64Array>): Float64Array => {
  const Q = new Float64Array(mdp.S * mdp.A);
  backup(successorsOf(mdp), r, mdp.gamma, V, Q);
  return Q;
};

/** `Adv[s,a] = Q[s,a] − λ log π(a|s) − V[s]`, so that `Σ_a π Adv = 0` (MATH.md §3). */
export const advantage = (
  S: number,
  A: number,
  Q: Readonly<Float64Array>,
  V: Readonly<Float64Array>,
  logPi: Readonly<Float64Array>,
  lambda: number,
): Float64Array => {
  const adv = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    const i = s * A + a;
    adv[i] = Q[i] - lambda * logPi[i] - V[s];
  }
  return adv;
};
