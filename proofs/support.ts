/**
 * Shared helpers of the `proofs/*.check.ts` files: small fixed MDPs, seeded logits, and the
 * elementary norms the checks report. Nothing here computes a quantity under test; every
 * identity is evaluated in the check files from parl-ts's exported functions.
 */
import * as E from 'fp-ts/lib/Either.js';
import { garnetOrThrow } from '../src/mdp/garnet.js';
import type { Mdp } from '../src/mdp/types.js';
import { getOrThrow, validateMdp } from '../src/mdp/validate.js';
import { softOptimum, type SoftOptimum } from '../src/optimal/softOptimum.js';
import { plainOptimum, type PlainOptimum } from '../src/optimal/plainOptimum.js';
import { makeRng } from '../src/random/rng.js';

/** Norms and differences shared with the tests (test/support/numeric.ts): one definition. */
export { EPS, maxAbs, maxAbsDiff, norm2 } from '../test/support/numeric.js';

/** Σ x. */
export const sum = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
};

/** A validated MDP from plain arrays (throws on invalid input: the fixtures are fixed). */
export const mdpOf = (S: number, A: number, gamma: number, P: ReadonlyArray<number>, rho: ReadonlyArray<number>): Mdp =>
  getOrThrow(validateMdp({ S, A, gamma, P: Float64Array.from(P), rho: Float64Array.from(rho) }), 'proof fixture');

/** A Garnet problem (MDP and its reward) with the given shape, seed and γ. */
export const garnetCase = (S: number, A: number, branching: number, seed: number, gamma: number) =>
  garnetOrThrow({ S, A, branching, seed, gamma });

/** Seeded logits `θ[s,a] = scale · N(0,1)`. */
export const randomLogits = (n: number, seed: number, scale = 1): Float64Array => {
  const rng = makeRng(seed);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = scale * rng.normal();
  return t;
};

/** Seeded uniform table in [lo, hi). */
export const randomTable = (n: number, seed: number, lo = 0, hi = 1): Float64Array => {
  const rng = makeRng(seed);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = lo + (hi - lo) * rng.uniform();
  return t;
};

/** The converged soft optimum (λ > 0), or a thrown error naming why not. */
export const softOpt = (mdp: Mdp, r: Readonly<Float64Array>, lambda: number): SoftOptimum => {
  const o = softOptimum(mdp, r, lambda);
  if (E.isLeft(o)) throw new Error(o.left.message);
  if (!o.right.converged) throw new Error(`soft optimum not converged: relative residual ${o.right.relativeResidual}`);
  return o.right;
};

/** The converged plain optimum (λ = 0), or a thrown error. */
export const plainOpt = (mdp: Mdp, r: Readonly<Float64Array>): PlainOptimum => {
  const o = plainOptimum(mdp, r);
  if (E.isLeft(o)) throw new Error(o.left.message);
  if (!o.right.converged) throw new Error(`plain optimum not converged: relative residual ${o.right.relativeResidual}`);
  return o.right;
};

/** The `Right` of an `Either`, or a thrown error showing the `Left` (shared with the tests). */
export { right } from '../test/support/either.js';

/** `xᵀy`. */
export const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
};

/**
 * J(θ) of a 2-state, 2-action MDP as a mathjs expression in the symbols t00, t01, t10, t11
 * (the logits), lam (λ) and gam (γ); P, r, ρ are numbers. `V = (I − γP_π)⁻¹ r_π` is written
 * with the 2×2 inverse in closed form: `V0 = (m11 r0 − m01 r1)/det`, `V1 = (m00 r1 − m10 r0)/det`.
 */
export const symbolicJ = (P: Readonly<Float64Array>, r: Readonly<Float64Array>, rho: Readonly<Float64Array>): string => {
  const S = 2;
  const A = 2;
  const z = (s: number): string => `(exp(t${s}0) + exp(t${s}1))`;
  const pi = (s: number, a: number): string => `(exp(t${s}${a}) / ${z(s)})`;
  const logPi = (s: number, a: number): string => `(t${s}${a} - log(${z(s)}))`;
  const rPi = (s: number): string =>
    `(${[0, 1].map((a) => `${pi(s, a)} * (${r[s * A + a]} - lam * ${logPi(s, a)})`).join(' + ')})`;
  const pPi = (s: number, t: number): string =>
    `(${[0, 1].map((a) => `${pi(s, a)} * ${P[(s * A + a) * S + t]}`).join(' + ')})`;
  const m = (s: number, t: number): string => `(${s === t ? 1 : 0} - gam * ${pPi(s, t)})`;
  const det = `(${m(0, 0)} * ${m(1, 1)} - ${m(0, 1)} * ${m(1, 0)})`;
  const V0 = `((${m(1, 1)} * ${rPi(0)} - ${m(0, 1)} * ${rPi(1)}) / ${det})`;
  const V1 = `((${m(0, 0)} * ${rPi(1)} - ${m(1, 0)} * ${rPi(0)}) / ${det})`;
  return `${rho[0]} * ${V0} + ${rho[1]} * ${V1}`;
};

/** κ_∞(I − γP) ≤ (1 + γ)/(1 − γ) for a stochastic P: the condition bound the proofs' rounding tolerances use. */
export const kappa = (gamma: number): number => (1 + gamma) / (1 - gamma);

/** ‖x‖₁. */
export const l1 = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
};
