/**
 * Identities of the upper level (MATH.md §7) that `parl verify` checks on generated cases: the
 * exact PARL gradient of an additive utility against finite differences of G(ν) with θ*(ν)
 * recomputed, and the split of ∇G into its myopic part and the ν-score term.
 */
import * as E from 'fp-ts/lib/Either.js';
import { additiveObjectiveExact } from '../upperLevel/additive.js';
import { policyPointAtOptimum } from '../upperLevel/policyPoint.js';
import { numericGradient } from '../check/finiteDifference.js';
import { nuScoreClosedForm } from '../nuScore/closedForm.js';
import type { RewardModel } from '../reward/rewardModel.js';
import { evaluatePolicyTable } from '../value/policyEvaluation.js';
import type { VerifyCase } from './cases.js';
import { EPS, type Identity, type Measurement } from './identities.js';

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** The utility of a case: a table different from the lower level's reward (reward design). */
const utilityOf = (c: VerifyCase): Float64Array => Float64Array.from(c.r, (x, i) => Math.cos(x + i));
const tabular = (c: VerifyCase): RewardModel => ({ kind: 'tabular', S: c.mdp.S, A: c.mdp.A });

/** G's gradient scale: |∇G| ≲ max|u|/(1−γ) · max|ψ| · 1/(1−γ), with |ψ| ≲ 1/(λ(1−γ)). */
const gradScale = (c: VerifyCase): number => 1 / (c.lambda * (1 - c.mdp.gamma) ** 3);

const applicable = (c: VerifyCase): boolean => c.lambda > 0 && c.mdp.S * c.mdp.A <= 20;

export const UPPER_LEVEL_IDENTITIES: ReadonlyArray<Identity> = [
  {
    name: '∇G (additive, occupancy formula) = finite differences of G(ν), θ*(ν) recomputed',
    source: 'MATH.md §7',
    // Richardson (h = ε^{1/5}) on G(ν) whose θ*(ν) is solved to relative residual 1e-12: the solver noise
    // δ ≈ 1e-12·|G| is amplified by ~1.5/h ≈ 2e3, i.e. ≲ 3e-9 of G's scale; truncation h⁴·|∂⁵G| is below it.
    // Allowed: 1e-8 of the gradient scale 1/(λ(1−γ)³) (≥ 3× that estimate; S·A ≤ 20 keeps the 4·S·A optimum solves cheap).
    measure: (c): Measurement | undefined => {
      if (!applicable(c)) return undefined;
      const model = tabular(c);
      const u = utilityOf(c);
      const utility = { kind: 'additive' as const, u };
      const G = (nu: Readonly<Float64Array>): number => {
        const p = policyPointAtOptimum(c.mdp, model, nu, c.lambda);
        if (E.isLeft(p)) return NaN;
        return additiveObjectiveExact(p.right, utility).G;
      };
      const p = policyPointAtOptimum(c.mdp, model, c.r, c.lambda);
      if (E.isLeft(p)) return { error: NaN, tolerance: 0 };
      const exact = additiveObjectiveExact(p.right, utility).gradG;
      const fd = numericGradient(G, c.r, { order: 4, h: EPS ** 0.2 });
      return { error: maxAbs(exact.map((x, i) => x - fd[i])) / gradScale(c), tolerance: 1e-8 };
    },
  },
  {
    name: '∇G − myopic = Σ d π* Adv_u ψ/(1−γ) with ψ materialised',
    source: 'MATH.md §6–§7',
    // the same sum by the VJP (one transposed solve) and by contracting the closed-form ψ:
    // two summation orders, each with solve error ≲ S·ε·κ∞, κ∞ ≤ (1+γ)/(1−γ), of the gradient scale
    measure: (c): Measurement | undefined => {
      if (!applicable(c)) return undefined;
      const model = tabular(c);
      const { S, A, gamma } = c.mdp;
      const u = utilityOf(c);
      const p = policyPointAtOptimum(c.mdp, model, c.r, c.lambda);
      if (E.isLeft(p)) return { error: NaN, tolerance: 0 };
      const o = additiveObjectiveExact(p.right, { kind: 'additive', u });
      const psi = nuScoreClosedForm(c.mdp, model, p.right.pi, c.lambda);
      if (E.isLeft(psi)) return { error: NaN, tolerance: 0 };
      const ev = evaluatePolicyTable(c.mdp, u, p.right.pi, new Float64Array(S * A), 0);
      const n = S * A;
      const term = new Float64Array(n);
      for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
        const sa = s * A + a;
        const w = (ev.d[s] * p.right.pi[sa] * (ev.Q[sa] - ev.V[s])) / (1 - gamma);
        for (let i = 0; i < n; i++) term[i] += w * psi.right.psi[sa * n + i];
      }
      const err = maxAbs(o.gradG.map((x, i) => x - o.gradGMyopic[i] - term[i]));
      return { error: err / gradScale(c), tolerance: 64 * (n + 2) * EPS * ((1 + gamma) / (1 - gamma)) };
    },
  },
];
