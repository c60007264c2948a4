import fc from 'fast-check';
import { lusolve, matrix } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/check/gradcheck.js';
import { policyGradient, policyGradientFromEvaluation } from '../../src/gradient/policyGradient.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbProblem, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';

/** Natural size of ∇J: |∂J/∂θ| ≤ d·π·|Adv|/(1−γ) ≤ 2·scale/(1−γ), scale = (max|r| + λ log A)/(1−γ) + 1. */
const gradScale = (p: Problem): number =>
  ((maxAbs(p.r) + p.lambda * Math.log(p.mdp.A)) / (1 - p.mdp.gamma) + 1) / (1 - p.mdp.gamma);

/**
 * An independent route to ∇J: differentiate J = ρᵀ(I − γP_π)⁻¹ r_π by the chain rule through the
 * linear solve (no advantage, no policy gradient theorem), with mathjs's solver for the adjoint:
 * ∂J/∂θ[s,b] = ρᵀ M⁻¹ (∂r_π + γ ∂P_π V), with ∂π(a|s)/∂θ[s,b] = π(a|s)(1[a=b] − π(b|s)) and
 * ∂r_π(s) = Σ_a ∂π(a|s)(r[s,a] − λ log π(a|s)) − λ Σ_a π(a|s) ∂log π(a|s).
 */
const chainRuleGradient = (p: Problem): Float64Array => {
  const { S, A, gamma, P, rho } = p.mdp;
  const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
  const M: number[][] = [];
  for (let s = 0; s < S; s++) {
    const row = new Array<number>(S).fill(0);
    row[s] += 1;
    for (let a = 0; a < A; a++) for (let t = 0; t < S; t++) row[t] -= gamma * ev.pi[s * A + a] * P[(s * A + a) * S + t];
    M.push(row);
  }
  const Mt = M[0].map((_, j) => M.map((r) => r[j]));
  const w = (lusolve(matrix(Mt), Array.from(rho)) as unknown as { toArray(): number[][] }).toArray().map((r) => r[0]);
  const g = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let b = 0; b < A; b++) {
    let dr = 0;
    let dPV = 0;
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      const dLog = (a === b ? 1 : 0) - ev.pi[s * A + b];
      const dpi = ev.pi[i] * dLog;
      dr += dpi * (p.r[i] - p.lambda * ev.logPi[i]) - p.lambda * ev.pi[i] * dLog;
      let pv = 0;
      for (let t = 0; t < S; t++) pv += P[i * S + t] * ev.V[t];
      dPV += dpi * pv;
    }
    g[s * A + b] = w[s] * (dr + gamma * dPV);
  }
  return g;
};

describe('policy gradient theorem (MATH.md §4)', () => {
  it('matches 4th-order finite differences of J (gradcheck)', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 8, maxA: 4 }), (p) => {
        const g = policyGradient(p.mdp, p.r, p.theta, p.lambda);
        // Richardson differences, h = ε^{1/5}: rounding ≈ ε^{4/5}|J| ≈ 3e-13·scale; truncation h⁴|∂⁵J|/30
        // where each θ-derivative brings ≲ 1/(1−γ): ≲ 3e-13/(1−γ)⁴ of the gradient scale. Allowed:
        // 1e-9 + 1e-12/(1−γ)⁴ of the gradient scale (≥ 3× both estimates; rel 1e-6 for large entries).
        const G = gradScale(p);
        const atol = (1e-9 + 1e-12 / (1 - p.mdp.gamma) ** 4) * G;
        const report = gradcheck((th) => evaluatePolicy(p.mdp, p.r, th, p.lambda).J, g, p.theta, { order: 4, atol, rtol: 1e-6 });
        if (!report.ok) throw new Error(`gradcheck failed: ${JSON.stringify(report.worst)}`);
      }),
      fcParams(100),
    );
  });

  it('matches the chain rule through the linear solve (independent route, mathjs solver)', () => {
    fc.assert(
      fc.property(arbProblem({ maxS: 8, maxA: 4 }), (p) => {
        const g = policyGradient(p.mdp, p.r, p.theta, p.lambda);
        const h = chainRuleGradient(p);
        // two exact formulas, each with solve error ≲ c·S·ε·κ∞, κ∞ ≤ (1+γ)/(1−γ), on the gradient scale
        const tol = 64 * (p.mdp.S + p.mdp.A + 2) * EPS * ((1 + p.mdp.gamma) / (1 - p.mdp.gamma)) * gradScale(p);
        expect(maxAbsDiff(g, h)).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('each state row sums to 0 (the gauge direction is flat)', () => {
    fc.assert(
      fc.property(arbProblem(), (p) => {
        const ev = evaluatePolicy(p.mdp, p.r, p.theta, p.lambda);
        const g = policyGradientFromEvaluation(p.mdp, ev);
        const { S, A } = p.mdp;
        for (let s = 0; s < S; s++) {
          let z = 0;
          for (let a = 0; a < A; a++) z += g[s * A + a];
          // = d(s)/(1−γ)·Σ_a π Adv, whose error is ≲ 16(S+A+4)ε of the value scale
          expect(Math.abs(z)).toBeLessThanOrEqual(16 * (S + A + 4) * EPS * gradScale(p));
        }
      }),
      fcParams(200),
    );
  });

  it('a gradient with one wrong entry is caught by the same check (the test can fail)', () => {
    const p = fc.sample(arbProblem({ maxS: 4, maxA: 3, maxGamma: 0.9, lambdaZero: false }), { seed: 7, numRuns: 1 })[0];
    const g = policyGradient(p.mdp, p.r, p.theta, p.lambda);
    const bad = Float64Array.from(g);
    bad[0] += 1e-5 * gradScale(p);
    const report = gradcheck((th) => evaluatePolicy(p.mdp, p.r, th, p.lambda).J, bad, p.theta, { order: 4, atol: 1e-9 * gradScale(p), rtol: 1e-6 });
    expect(report.ok).toBe(false);
    expect(report.worst.index).toBe(0);
  });
});
