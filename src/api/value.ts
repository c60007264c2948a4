/**
 * Public policy evaluation and its derivatives (MATH.md §3–§4, §6), validated: the MDP, r and θ
 * (finite S×A tables), λ finite ≥ 0; a result with NaN or ±∞ inside is refused.
 */
import * as E from 'fp-ts/lib/Either.js';
import { limitExceeded } from '../errors/parlError.js';
import { policyGradient as policyGradientInternal } from '../gradient/policyGradient.js';
import { hessianJ as hessianJInternal } from '../hessian/hessian.js';
import type { Mdp } from '../mdp/types.js';
import { MAX_DENSE_ENTRIES } from '../mdp/validate.js';
import { evaluatePolicy as evaluatePolicyInternal, type PolicyEvaluation } from '../value/policyEvaluation.js';
import { all, checkLambda, checkMdp, checkTable, lambdaScale, logitSpread, maxAbs, requireFinite, total, type Result, type Scale } from './validate.js';

/** The checked arguments of a function of (mdp, r, θ, λ). */
interface PolicyArgs {
  readonly mdp: Mdp;
  readonly r: Float64Array;
  readonly theta: Float64Array;
  readonly lambda: number;
}

/** Check (mdp, r, θ, λ): every problem of r and θ is reported, fields `mdp.*`, `r`, `theta` (index `[s, a]`), `lambda`. */
const checkPolicyArgs = (mdp: unknown, r: unknown, theta: unknown, lambda: unknown): Result<PolicyArgs> =>
  E.chain((m: Mdp) =>
    E.map(([rr, th, l]: readonly [Float64Array, Float64Array, number]) => ({ mdp: m, r: rr, theta: th, lambda: l }))(
      all<readonly [Float64Array, Float64Array, number]>([checkTable(m, r, 'r'), checkTable(m, theta, 'theta'), checkLambda(lambda, false)]),
    ))(checkMdp(mdp));

/**
 * Logits far below their row's maximum, made representable without changing π_θ, ∇J or ∇²J:
 * each row is shifted by its maximum m (softmax's gauge, MATH.md §2: the softmax computes
 * `exp(θ − m)` itself, so π is bit for bit the same) and entries below `−LOGIT_FLOOR` are raised to
 * it. Those entries have π(a|s) = exp(θ − m) = 0 exactly in float64 either way (exp(−1000)
 * underflows to 0), and ∇J, ∇²J use their log π only multiplied by π(a|s) = 0, so the derivatives
 * are unchanged (test/api/entryPoints.test.ts checks bit equality) while θ = [1e308, −1e308], whose
 * log π = −2e308 is beyond float64, gets its one-hot policy's exact gradient instead of NaN.
 * `evaluatePolicy`, which returns log π itself, does not do this.
 */
export const LOGIT_FLOOR = 1000;

/** θ shifted by its row maxima with entries below −`LOGIT_FLOOR` raised to it (see `LOGIT_FLOOR`). */
export const floorLogits = (theta: Readonly<Float64Array>, A: number): Float64Array => {
  const out = new Float64Array(theta.length);
  for (let o = 0; o < theta.length; o += A) {
    let m = -Infinity;
    for (let a = 0; a < A; a++) m = Math.max(m, theta[o + a]);
    for (let a = 0; a < A; a++) out[o + a] = Math.max(theta[o + a] - m, -LOGIT_FLOOR);
  }
  return out;
};

/** The inputs' scales, to name the likely cause when a result overflows. */
const scalesOf = (a: PolicyArgs): Scale[] => [
  { field: 'r', what: 'max |r|', value: maxAbs(a.r) },
  { field: 'theta', what: 'largest logit spread max_a θ[s,a] − min_a θ[s,a]', value: logitSpread(a.theta, a.mdp.A) },
  { field: 'lambda', what: 'λ', value: lambdaScale(a.lambda) },
];

/**
 * Exact evaluation of the softmax policy π_θ (MATH.md §3, eq. `V = (I − γP_π)⁻¹ r_π`): π, log π,
 * V, Q, Adv = Q − λ log π − V, the visitation d = (1−γ) ρᵀ(I − γP_π)⁻¹ and J = ρᵀV, with the
 * reports of both solves. θ and r are S×A tables (`s*A + a`), λ ≥ 0 the entropy weight.
 */
export const evaluatePolicy = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): Result<PolicyEvaluation> =>
  total('evaluatePolicy', () =>
    E.chain((a: PolicyArgs) => requireFinite('the evaluation', evaluatePolicyInternal(a.mdp, a.r, a.theta, a.lambda), scalesOf(a)))(
      checkPolicyArgs(mdp, r, theta, lambda),
    ));

/**
 * The exact policy gradient `∂J/∂θ[s,a] = d(s) π(a|s) Adv[s,a] / (1−γ)` (MATH.md §4, the policy
 * gradient theorem with entropy), an S×A ascent direction. Logits whose probability is 0 in
 * float64 are handled exactly (see `LOGIT_FLOOR`), so any finite θ has a finite gradient.
 */
export const policyGradient = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): Result<Float64Array> =>
  total('policyGradient', () =>
    E.chain((a: PolicyArgs) => requireFinite('the policy gradient', policyGradientInternal(a.mdp, a.r, floorLogits(a.theta, a.mdp.A), a.lambda), scalesOf(a)))(
      checkPolicyArgs(mdp, r, theta, lambda),
    ));

/**
 * The exact dense Hessian `∇²_θθ J_λ(θ)` (MATH.md §4, §6), `(S·A)×(S·A)` row-major, from exact
 * Hessian-vector products; not symmetrised (H − Hᵀ is rounding); logits of probability 0 as in
 * `policyGradient`. `LimitExceeded` when (S·A)²
 * exceeds `MAX_DENSE_ENTRIES` (2^27, 1 GiB of float64).
 */
export const hessianJ = (mdp: Mdp, r: Readonly<Float64Array>, theta: Readonly<Float64Array>, lambda: number): Result<Float64Array> =>
  total('hessianJ', () =>
    E.chain((a: PolicyArgs) => {
      const n = a.mdp.S * a.mdp.A;
      if (n * n > MAX_DENSE_ENTRIES) {
        return E.left(limitExceeded('mdp', n * n, MAX_DENSE_ENTRIES, `the dense Hessian has (S·A)² = ${n * n} entries, above the limit ${MAX_DENSE_ENTRIES}; use Hessian-vector products`));
      }
      return requireFinite('the Hessian', hessianJInternal(a.mdp, a.r, floorLogits(a.theta, a.mdp.A), a.lambda), scalesOf(a));
    })(checkPolicyArgs(mdp, r, theta, lambda)));
