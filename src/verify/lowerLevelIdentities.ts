/**
 * Identities of the lower level (MATH.md §5–§6) that `parl verify` checks on generated cases:
 * the soft optimum θ*, exact Hessians, and the ν-score by its two routes. Identities that need
 * θ* apply only when λ > 0 (θ* does not exist at λ = 0). Tolerances are derived in comments.
 */
import * as E from 'fp-ts/lib/Either.js';
import { numericJacobian } from '../check/finiteDifference.js';
import { policyGradient, policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { hessianContextFromEvaluation, hessianFromContext, optimumHessianClosedForm } from '../hessian/index.js';
import { nuScoreClosedForm, nuScoreVjpClosedForm } from '../nuScore/closedForm.js';
import { nuScoreImplicitDense } from '../nuScore/implicit.js';
import { softOptimum, type SoftOptimum } from '../optimal/index.js';
import type { RewardModel } from '../reward/rewardModel.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';
import type { VerifyCase } from './cases.js';
import { EPS, valueScale, type Identity, type Measurement } from './identities.js';

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** Per-case cache of the soft optimum and its evaluation (several identities share them). */
const optimumCache = new WeakMap<VerifyCase, { o: SoftOptimum; ev: PolicyEvaluation } | null>();
const optimumOf = (c: VerifyCase): { o: SoftOptimum; ev: PolicyEvaluation } | null => {
  if (!optimumCache.has(c)) {
    const o = c.lambda > 0 ? softOptimum(c.mdp, c.r, c.lambda) : undefined;
    optimumCache.set(c, o !== undefined && E.isRight(o) && o.right.converged
      ? { o: o.right, ev: evaluatePolicy(c.mdp, c.r, o.right.thetaStar, c.lambda) }
      : null);
  }
  return optimumCache.get(c)!;
};

/** An identity that needs θ*: not applicable at λ = 0; a solver failure at λ > 0 is a failure. */
const atOptimum = (f: (c: VerifyCase, opt: { o: SoftOptimum; ev: PolicyEvaluation }) => Measurement) =>
  (c: VerifyCase): Measurement | undefined => {
    if (c.lambda === 0) return undefined;
    const opt = optimumOf(c);
    return opt === null ? { error: NaN, tolerance: 0 } : f(c, opt);
  };

/** Scale of Hessian entries: |H| ≲ value scale/(1−γ)² (two factors 1/(1−γ) from two θ-derivatives). */
const hessianScale = (c: VerifyCase): number => valueScale(c) / (1 - c.mdp.gamma) ** 2;
const tabular = (c: VerifyCase): RewardModel => ({ kind: 'tabular', S: c.mdp.S, A: c.mdp.A });

export const LOWER_LEVEL_IDENTITIES: ReadonlyArray<Identity> = [
  {
    name: 'θ*: soft Bellman residual |V* − λ log Σ exp(Q*/λ)| (Q* recomputed)',
    source: 'MATH.md §5',
    // the solver stops at relative residual 1e-12; recomputing Q* = r + γPV* adds S·ε of the scale
    measure: atOptimum((c, { o }) => {
      const { S, A, gamma, P } = c.mdp;
      let err = 0;
      for (let s = 0; s < S; s++) {
        const q = new Float64Array(A);
        for (let a = 0; a < A; a++) {
          let ev = 0;
          for (let t = 0; t < S; t++) ev += P[(s * A + a) * S + t] * o.VStar[t];
          q[a] = c.r[s * A + a] + gamma * ev;
        }
        const m = Math.max(...q);
        let z = 0;
        for (let a = 0; a < A; a++) z += Math.exp((q[a] - m) / c.lambda);
        err = Math.max(err, Math.abs(o.VStar[s] - (m + c.lambda * Math.log(z))));
      }
      return { error: err / valueScale(c), tolerance: 1e-12 + 16 * (S + A) * EPS };
    }),
  },
  {
    name: 'θ*: ∇_θ J(θ*) = 0',
    source: 'MATH.md §4–§5',
    // a residual δ ≤ 1e-12·scale in V* moves Adv* by ≲ 2δ, so |∇J(θ*)| ≲ 2δ/(1−γ): ≤ 1e-11 of the gradient scale
    measure: atOptimum((c, { ev }) => ({
      error: maxAbs(policyGradientFromEvaluation(c.mdp, ev)) / (valueScale(c) / (1 - c.mdp.gamma)),
      tolerance: 1e-11,
    })),
  },
  {
    name: 'θ*: V^{π*} (exact soft evaluation) = V*',
    source: 'MATH.md §3, §5',
    // both are LU solves to ≲ S·ε·κ∞ (κ∞ ≤ (1+γ)/(1−γ)); V* also carries the 1e-12 residual
    measure: atOptimum((c, { o, ev }) => ({
      error: maxAbs(ev.V.map((v, s) => v - o.VStar[s])) / valueScale(c),
      tolerance: 1e-12 * ((1 + c.mdp.gamma) / (1 - c.mdp.gamma)) + 16 * (c.mdp.S + 2) * EPS * ((1 + c.mdp.gamma) / (1 - c.mdp.gamma)),
    })),
  },
  {
    name: '∇²_θθ J = 4th-order finite differences of ∇_θ J',
    source: 'MATH.md §6, §10',
    // Richardson on the exact gradient (h = ε^{1/5}): rounding ≈ ε·|∇J|/h ≈ 3e-13 of the gradient scale per h,
    // truncation ≲ h⁴/(1−γ)⁴ of the Hessian scale (each θ-derivative ≲ 1/(1−γ)): allow 1e-8 + 1e-12/(1−γ)⁴
    measure: (c, ev) => {
      const n = c.mdp.S * c.mdp.A;
      const H = hessianFromContext(hessianContextFromEvaluation(c.mdp, ev, c.lambda));
      const fd = numericJacobian((th) => policyGradient(c.mdp, c.r, th, c.lambda), c.theta, n, { order: 4, h: EPS ** 0.2 });
      return { error: maxAbs(H.map((h, i) => h - fd[i])) / hessianScale(c), tolerance: 1e-8 + 1e-12 / (1 - c.mdp.gamma) ** 4 };
    },
  },
  {
    name: '∇²_θθ J symmetric, gauge directions in its null space',
    source: 'MATH.md §2, §6',
    // each entry is an exact formula with rounding ≲ (S+A)·ε·κ∞ of the Hessian scale, κ∞ ≤ (1+γ)/(1−γ)
    measure: (c, ev) => {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const H = hessianFromContext(hessianContextFromEvaluation(c.mdp, ev, c.lambda));
      let err = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(H[i * n + j] - H[j * n + i]));
      for (let i = 0; i < n; i++) for (let s = 0; s < S; s++) {
        let g = 0;
        for (let a = 0; a < A; a++) g += H[i * n + s * A + a];
        err = Math.max(err, Math.abs(g));
      }
      return { error: err / hessianScale(c), tolerance: 16 * A * (S + A + 4) * EPS * ((1 + gamma) / (1 - gamma)) };
    },
  },
  {
    name: 'at θ*: ∇²J = −λ/(1−γ)·blockdiag d*(s)(diag π* − π*π*ᵀ)',
    source: 'MATH.md §6',
    // the block form assumes Adv* = 0 exactly; θ*'s residual (1e-12 of the scale) leaves terms of that
    // size times 1/(1−γ)² — i.e. ≲ 1e-11 of the Hessian scale — plus rounding
    measure: atOptimum((c, { ev }) => {
      const H = hessianFromContext(hessianContextFromEvaluation(c.mdp, ev, c.lambda));
      const C = optimumHessianClosedForm(c.mdp, ev.pi, ev.d, c.lambda);
      return {
        error: maxAbs(H.map((h, i) => h - C[i])) / hessianScale(c),
        tolerance: 1e-11 + 16 * c.mdp.A * (c.mdp.S + c.mdp.A + 4) * EPS * ((1 + c.mdp.gamma) / (1 - c.mdp.gamma)),
      };
    }),
  },
  {
    name: 'ψ: implicit route (dense H^†) = closed form, π*-weighted on visited states',
    source: 'MATH.md §6',
    // the pseudo-inverse solve's forward error is ≲ κ·n·ε (κ: condition of H on the inverted subspace, reported);
    // π*-weighting removes the κ of rarely taken actions; θ*'s 1e-12 residual adds ≲ 1e-9 of ψ's scale
    measure: atOptimum((c, { o, ev }) => {
      const { S, A } = c.mdp;
      const n = S * A;
      const cf = nuScoreClosedForm(c.mdp, tabular(c), o.piStar, c.lambda);
      if (E.isLeft(cf)) return { error: NaN, tolerance: 0 };
      const imp = nuScoreImplicitDense(c.mdp, tabular(c), c.r, o.thetaStar, c.lambda);
      const d = n;
      const scale = maxAbs(cf.right.psi) + 1;
      let err = 0;
      for (let s = 0; s < S; s++) {
        if (ev.d[s] < 1e-6) continue;
        for (let a = 0; a < A; a++) for (let i = 0; i < d; i++) {
          const j = (s * A + a) * d + i;
          err = Math.max(err, o.piStar[s * A + a] * Math.abs(imp.psi[j] - cf.right.psi[j]));
        }
      }
      return { error: err / scale, tolerance: 1e3 * n * EPS * Math.min(imp.conditionEstimate, 1e8) + 1e-9 };
    }),
  },
  {
    name: 'ψ: vector-Jacobian form = explicit contraction Σ w ψ',
    source: 'MATH.md §6',
    // two orders of summation of the same exact quantity, each with a solve error ≲ S·ε·κ∞
    measure: atOptimum((c, { o }) => {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const w = Float64Array.from({ length: n }, (_, i) => Math.sin(1 + 3 * i));
      const cf = nuScoreClosedForm(c.mdp, tabular(c), o.piStar, c.lambda);
      const vjp = nuScoreVjpClosedForm(c.mdp, tabular(c), o.piStar, c.lambda, w);
      if (E.isLeft(cf) || E.isLeft(vjp)) return { error: NaN, tolerance: 0 };
      const explicit = new Float64Array(n);
      for (let sa = 0; sa < n; sa++) for (let i = 0; i < n; i++) explicit[i] += w[sa] * cf.right.psi[sa * n + i];
      const scale = (maxAbs(cf.right.psi) + 1) * n;
      return {
        error: maxAbs(vjp.right.value.map((x, i) => x - explicit[i])) / scale,
        tolerance: 64 * (n + 2) * EPS * ((1 + gamma) / (1 - gamma)),
      };
    }),
  },
];
