/**
 * The identities `parl verify` checks on generated cases. Each identity returns an error and
 * the tolerance it is held to for that case; tolerances are derived from the numerics (units
 * of float64 machine epsilon ε times the size of the quantities involved), never tuned to pass.
 */
import { numericGradient } from '../check/finiteDifference.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { actionValues, policyReward, policyTransition } from '../value/policyMatrices.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';
import type { VerifyCase } from './cases.js';

/** float64 machine epsilon. */
export const EPS = 2 ** -52;

/** One measured error against its tolerance. */
export interface Measurement {
  readonly error: number;
  readonly tolerance: number;
}

/** A named identity of MATH.md checked numerically on one case. */
export interface Identity {
  readonly name: string;
  /** Where the identity comes from (MATH.md section / equation). */
  readonly source: string;
  /** The error on one case, or `undefined` when the identity does not apply to it (e.g. θ* at λ = 0). */
  readonly measure: (c: VerifyCase, ev: PolicyEvaluation) => Measurement | undefined;
}

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/**
 * The natural size of values: `|V| ≤ (max|r| + λ log A)/(1−γ)` since the entropy bonus of a
 * state is at most λ log A. Errors are measured relative to it (plus 1 to keep tiny problems honest).
 */
export const valueScale = (c: VerifyCase): number =>
  (maxAbs(c.r) + c.lambda * Math.log(c.mdp.A)) / (1 - c.mdp.gamma) + 1;

/** Identities of the core (MATH.md §2–§4). */
export const CORE_IDENTITIES: ReadonlyArray<Identity> = [
  {
    name: 'policy rows sum to 1',
    source: 'MATH.md §2',
    // a sum of A numbers in [0,1], each with relative rounding ≤ 2ε: |Σπ − 1| ≤ (A + 2)ε; ×4 margin
    measure: (c, ev) => {
      const { S, A } = c.mdp;
      let err = 0;
      for (let s = 0; s < S; s++) {
        let z = 0;
        for (let a = 0; a < A; a++) z += ev.pi[s * A + a];
        err = Math.max(err, Math.abs(z - 1));
      }
      return { error: err, tolerance: 4 * (A + 2) * EPS };
    },
  },
  {
    name: 'gauge: θ[s,·] + c_s changes nothing',
    source: 'MATH.md §2',
    // adding c_s ∈ [−10,10] perturbs each max-subtracted logit by ≤ ε(|θ|+|c|) ≤ 40ε·… ; π moves by
    // that relative amount, and J = ρᵀ(I−γP_π)⁻¹r_π amplifies it by at most κ∞(I−γP_π) ≤ (1+γ)/(1−γ)
    // on the value scale: |ΔJ| ≤ 64(|θ|max+10)ε·scale·(1+γ)/(1−γ).
    measure: (c, ev) => {
      const { S, A, gamma } = c.mdp;
      const shifted = Float64Array.from(c.theta);
      for (let s = 0; s < S; s++) {
        const cs = 10 * Math.sin(1 + 7 * s); // deterministic, varied per state
        for (let a = 0; a < A; a++) shifted[s * A + a] += cs;
      }
      const ev2 = evaluatePolicy(c.mdp, c.r, shifted, c.lambda);
      const piErr = maxAbs(ev.pi.map((p, i) => p - ev2.pi[i]));
      const jErr = Math.abs(ev.J - ev2.J) / valueScale(c);
      const theta = maxAbs(c.theta) + 10;
      return { error: Math.max(piErr, jErr), tolerance: 64 * theta * EPS * ((1 + gamma) / (1 - gamma)) };
    },
  },
  {
    name: 'Bellman residual of V',
    source: 'MATH.md §3: V = r_π + γ P_π V',
    // LU with partial pivoting on the row-diagonally-dominant I − γP_π has growth ≤ 2, so the
    // backward error is ≤ c·S·ε·‖M‖‖V‖; ‖M‖∞ ≤ 1 + γ ≤ 2. Measured relative to the value scale.
    measure: (c, ev) => {
      const { S, gamma } = c.mdp;
      const pPi = policyTransition(c.mdp, ev.pi);
      const rPi = policyReward(c.mdp, c.r, ev.pi, ev.logPi, c.lambda);
      let err = 0;
      for (let s = 0; s < S; s++) {
        let acc = rPi[s];
        for (let t = 0; t < S; t++) acc += gamma * pPi[s * S + t] * ev.V[t];
        err = Math.max(err, Math.abs(ev.V[s] - acc));
      }
      return { error: err / valueScale(c), tolerance: 16 * (S + 2) * EPS };
    },
  },
  {
    name: 'Q = r + γ P V and V = Σ_a π (Q − λ log π)',
    source: 'MATH.md §3',
    measure: (c, ev) => {
      const { S, A } = c.mdp;
      const Q = actionValues(c.mdp, c.r, ev.V);
      let err = maxAbs(Q.map((q, i) => q - ev.Q[i]));
      for (let s = 0; s < S; s++) {
        let v = 0;
        for (let a = 0; a < A; a++) v += ev.pi[s * A + a] * (ev.Q[s * A + a] - c.lambda * ev.logPi[s * A + a]);
        err = Math.max(err, Math.abs(v - ev.V[s]));
      }
      // the V identity inherits the Bellman residual (≤ 16(S+2)ε scale) plus A-term sums
      return { error: err / valueScale(c), tolerance: 16 * (S + A + 4) * EPS };
    },
  },
  {
    name: 'd ≥ 0 and Σ_s d(s) = 1',
    source: 'MATH.md §3',
    // d = (1−γ)ρᵀ(I−γP_π)⁻¹: the solve's forward error is ≤ c·S·ε·κ∞ with κ∞ ≤ (1+γ)/(1−γ)
    measure: (c, ev) => {
      const { S, gamma } = c.mdp;
      let sum = 0;
      let neg = 0;
      for (let s = 0; s < S; s++) {
        sum += ev.d[s];
        neg = Math.max(neg, -ev.d[s]);
      }
      return { error: Math.max(Math.abs(sum - 1), neg), tolerance: 16 * (S + 2) * EPS * ((1 + gamma) / (1 - gamma)) };
    },
  },
  {
    name: 'Σ_a π(a|s) Adv[s,a] = 0',
    source: 'MATH.md §3',
    measure: (c, ev) => {
      const { S, A } = c.mdp;
      let err = 0;
      for (let s = 0; s < S; s++) {
        let z = 0;
        for (let a = 0; a < A; a++) z += ev.pi[s * A + a] * ev.adv[s * A + a];
        err = Math.max(err, Math.abs(z));
      }
      return { error: err / valueScale(c), tolerance: 16 * (S + A + 4) * EPS };
    },
  },
  {
    name: 'Σ_a ∂J/∂θ[s,a] = 0 (gauge direction)',
    source: 'MATH.md §2, §4',
    // row sum = d(s)/(1−γ)·Σ_a π Adv: the previous identity's error scaled by d(s)/(1−γ) ≤ 1/(1−γ)
    measure: (c, ev) => {
      const { S, A, gamma } = c.mdp;
      const g = policyGradientFromEvaluation(c.mdp, ev);
      let err = 0;
      for (let s = 0; s < S; s++) {
        let z = 0;
        for (let a = 0; a < A; a++) z += g[s * A + a];
        err = Math.max(err, Math.abs(z));
      }
      return { error: (err * (1 - gamma)) / valueScale(c), tolerance: 16 * (S + A + 4) * EPS };
    },
  },
  {
    name: '∇_θ J (policy gradient theorem) = 4th-order finite differences',
    source: 'MATH.md §4, §10',
    // 4th-order central differences with h = ε^{1/5}·max(1,|θ_i|): rounding ≈ ε·|J|/h ≈ 1.6e-13·|J|/h-scale
    // and truncation h⁴|∂⁵J|/30. Each θ-derivative of J brings a factor ≲ 1/(1−γ) (a derivative of
    // (I−γP_π)⁻¹), so relative to the gradient scale G = scale/(1−γ) the truncation is
    // ≲ h⁴/(1−γ)⁴ ≈ 3e-13/(1−γ)⁴. We allow 1e-9 + 1e-12/(1−γ)⁴ of G (≥ 10× both estimates at γ ≤ 0.99).
    measure: (c, ev) => {
      const g = policyGradientFromEvaluation(c.mdp, ev);
      const fd = numericGradient((th) => evaluatePolicy(c.mdp, c.r, th, c.lambda).J, c.theta, { order: 4 });
      const err = maxAbs(g.map((x, i) => x - fd[i]));
      const oneMinusGamma = 1 - c.mdp.gamma;
      const G = valueScale(c) / oneMinusGamma;
      return { error: err / G, tolerance: 1e-9 + 1e-12 / oneMinusGamma ** 4 };
    },
  },
];
