/**
 * Seeded trajectory and segment sampling for tabular MDPs (MATH.md §1, §7): every draw comes
 * from an explicit `Rng` (`makeRng`), so the same seed gives the same states and actions.
 *
 * Each categorical draw uses ONE uniform `u ∈ [0,1)` and the inverse CDF of its row: the first
 * index `i` with `u < Σ_{j≤i} p_j`. If rounding leaves the cumulative sum of a row just below
 * `u` (rows sum to 1 only within 1e-9, MATH.md §1), the last index with positive probability
 * is returned, so a zero-probability outcome is never drawn.
 *
 * Order of draws (documented because it fixes the bits for a seed): `s_0` from ρ; then for
 * each step `h`: `a_h` from π(·|s_h); with the geometric horizon, one uniform for the stopping
 * coin; then `s_{h+1}` from `P[s_h,a_h,·]` only if another step follows.
 */
import type { Mdp } from '../mdp/types.js';
import type { Rng } from '../random/rng.js';
import type { Segment } from './types.js';

/** How long a trajectory runs: a fixed number of steps, or a geometric horizon with P(T > h) = γ^h. */
export type HorizonSpec = { readonly horizon: number } | { readonly geometric: true };

/** A sampled trajectory `(s_0, a_0, …, s_{T−1}, a_{T−1})` of length `T = length`. */
export interface Trajectory extends Segment {
  readonly length: number;
}

/** Inverse-CDF draw from `p[offset .. offset+n)` with one uniform (see the module comment). */
const drawCategorical = (p: Readonly<Float64Array>, offset: number, n: number, rng: Rng): number => {
  const u = rng.uniform();
  let cum = 0;
  let lastPositive = -1;
  for (let i = 0; i < n; i++) {
    const q = p[offset + i];
    if (q > 0) {
      lastPositive = i;
      cum += q;
      if (u < cum) return i;
    }
  }
  if (lastPositive < 0) throw new RangeError(`categorical row at offset ${offset} has no positive probability`);
  return lastPositive;
};

/** `s_0 ∼ ρ` by inverse CDF (MATH.md §1). */
export const sampleInitialState = (mdp: Mdp, rng: Rng): number => drawCategorical(mdp.rho, 0, mdp.S, rng);

/** `a ∼ π(·|s)` by inverse CDF on row `s` of the `S×A` policy table (MATH.md §2). */
export const sampleAction = (pi: Readonly<Float64Array>, A: number, s: number, rng: Rng): number =>
  drawCategorical(pi, s * A, A, rng);

/** `s' ∼ P[s,a,·]` by inverse CDF on the row (MATH.md §1). */
export const sampleNextState = (mdp: Mdp, s: number, a: number, rng: Rng): number =>
  drawCategorical(mdp.P, (s * mdp.A + a) * mdp.S, mdp.S, rng);

const checkHorizon = (H: number): void => {
  if (!Number.isSafeInteger(H) || H < 0) throw new RangeError(`horizon must be a nonnegative integer, got ${H}`);
};

/** A length-H segment from ρ under π (MATH.md §7): `s_0 ∼ ρ`, `a_h ∼ π(·|s_h)`, `s_{h+1} ∼ P[s_h,a_h,·]`. */
export const sampleSegment = (mdp: Mdp, pi: Readonly<Float64Array>, H: number, rng: Rng): Segment => {
  checkHorizon(H);
  const states = new Int32Array(H);
  const actions = new Int32Array(H);
  if (H === 0) return { states, actions };
  let s = sampleInitialState(mdp, rng);
  for (let h = 0; h < H; h++) {
    const a = sampleAction(pi, mdp.A, s, rng);
    states[h] = s;
    actions[h] = a;
    if (h + 1 < H) s = sampleNextState(mdp, s, a, rng);
  }
  return { states, actions };
};

/**
 * A trajectory from ρ under π (MATH.md §3, §7), either `{ horizon: H }` (exactly H steps, the
 * same draws as `sampleSegment`) or `{ geometric: true }`: after each step the trajectory stops
 * with probability 1 − γ, so the length T ≥ 1 is geometric, independent of the states and
 * actions, with `P(T > h) = γ^h`. Hence for any per-step quantity `u_h`,
 * `E[Σ_{h<T} u_h] = Σ_h P(T > h) E[u_h] = E[Σ_h γ^h u_h]`: the undiscounted sum over a
 * geometric horizon is an unbiased estimate of the discounted infinite-horizon sum (E[T] = 1/(1−γ)).
 */
export const sampleTrajectory = (mdp: Mdp, pi: Readonly<Float64Array>, rng: Rng, spec: HorizonSpec): Trajectory => {
  if ('horizon' in spec) {
    const seg = sampleSegment(mdp, pi, spec.horizon, rng);
    return { states: seg.states, actions: seg.actions, length: spec.horizon };
  }
  if (spec.geometric !== true) throw new RangeError('horizon spec must be { horizon: H } or { geometric: true }');
  const states: number[] = [];
  const actions: number[] = [];
  const { gamma, A } = mdp;
  let s = sampleInitialState(mdp, rng);
  for (;;) {
    const a = sampleAction(pi, A, s, rng);
    states.push(s);
    actions.push(a);
    // continue with probability γ: stop when u ≥ γ (probability 1 − γ); γ = 0 always stops
    if (rng.uniform() >= gamma) break;
    s = sampleNextState(mdp, s, a, rng);
  }
  return { states: Int32Array.from(states), actions: Int32Array.from(actions), length: states.length };
};
