import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { policyGradientFromEvaluation } from '../../src/gradient/policyGradient.js';
import { hessianJ, optimumHessianClosedForm } from '../../src/hessian/index.js';
import type { Mdp } from '../../src/mdp/types.js';
import { rowLogSumExp } from '../../src/policy/softmax.js';
import { evaluatePolicy, type PolicyEvaluation } from '../../src/value/policyEvaluation.js';
import { arbProblem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs, maxAbsDiff } from '../support/numeric.js';


/**
 * The soft optimum θ*, written here on purpose (the production solver lives elsewhere): soft
 * policy iteration π ← softmax(Q^π/λ) from the exact soft evaluation, in canonical form
 * θ[s,a] = Q[s,a]/λ − log Σ_b exp(Q[s,b]/λ) (MATH.md §5). It is Newton's method on the soft
 * Bellman equation, so it converges quadratically once close.
 *
 * Stopping rule: ‖Δθ‖∞ ≤ 1e-13·max(1, ‖Q‖∞/λ). The plain 1e-13 is unreachable when |θ*| is large:
 * θ = Q/λ − LSE is formed from terms of size ‖Q‖∞/λ (up to ~2000 here), whose rounding alone is
 * ~ε·‖Q‖∞/λ·κ ≈ 1e-12 absolute; relative to that scale 1e-13 is still ~50 ulps.
 */
const softOptimum = (mdp: Mdp, r: Float64Array, lambda: number): { theta: Float64Array; ev: PolicyEvaluation; iterations: number } => {
  const { S, A } = mdp;
  let theta = new Float64Array(S * A);
  for (let it = 1; it <= 200; it++) {
    const ev = evaluatePolicy(mdp, r, theta, lambda);
    const scaled = ev.Q.map((q) => q / lambda);
    const next = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      const lse = rowLogSumExp(scaled, A, s);
      for (let a = 0; a < A; a++) next[s * A + a] = scaled[s * A + a] - lse;
    }
    const delta = maxAbsDiff(next, theta);
    theta = next;
    if (delta <= 1e-13 * Math.max(1, maxAbs(ev.Q) / lambda)) return { theta, ev: evaluatePolicy(mdp, r, theta, lambda), iterations: it };
  }
  throw new Error('soft policy iteration did not converge in 200 iterations');
};

/** Problems for the optimum: λ ∈ [0.1, 1], γ ≤ 0.9, S ≤ 6, A ≤ 4 (θ from the arbitrary is unused). */
const arbOptimum = arbProblem({ maxS: 6, maxA: 4, maxGamma: 0.9, lambdaZero: false }).map((p) => ({ ...p, lambda: 0.1 + 0.9 * ((p.lambda - 0.01) / 0.99) }));

describe('Hessian at the soft optimum θ* (MATH.md §6)', () => {
  it('hessianJ(θ*) equals −λ/(1−γ)·blockdiag d*(s)(diag π* − π*π*ᵀ)', () => {
    fc.assert(
      fc.property(arbOptimum, (p) => {
        const { mdp, r, lambda } = p;
        const { S, A, gamma } = mdp;
        const { theta, ev, iterations } = softOptimum(mdp, r, lambda);
        expect(iterations).toBeLessThanOrEqual(60);
        // θ* is stationary: the gradient d∘π∘Adv/(1−γ) is rounding-level
        const alpha = maxAbs(ev.adv);
        const mag = maxAbs(ev.Q) + lambda * maxAbs(ev.logPi) + maxAbs(ev.V);
        const kappa = (1 + gamma) / (1 - gamma);
        // Adv* is the difference of terms of size mag: ≲ (S+A)·ε·κ·mag, plus λ·(last Δθ) ≤ 1e-13·‖Q‖∞
        expect(alpha).toBeLessThanOrEqual(64 * (S + A + 2) * EPS * kappa * mag + 1e-13 * maxAbs(ev.Q) + 1e-300);
        // |g| = d·π·|Adv|/(1−γ) with d, π ≤ 1 up to a few ulps (S-term sums): ≤ (1 + 4Sε)·α/(1−γ)
        expect(maxAbs(policyGradientFromEvaluation(mdp, ev))).toBeLessThanOrEqual(((1 + 4 * S * EPS) * alpha) / (1 - gamma) + 1e-300);

        const H = hessianJ(mdp, r, theta, lambda);
        const C = optimumHessianClosedForm(mdp, ev.pi, ev.d, lambda);
        // The closed form drops exactly the terms of the HVP proportional to Adv (dd∘π∘Adv,
        // d∘π∘u∘Adv, and dV = M⁻¹Σπ u Adv inside dAdv); by the bound of hessian.test.ts they
        // total ≤ 5α/(1−γ)² with α = max|Adv*| (measured, so it includes Adv's rounding). The
        // λ-term d∘π∘(−λu) is common to both; its rounding, and that of dV, is ≲ hessErr.
        const hessErr = (S + A + 2) * EPS * kappa * ((5 * mag) / (1 - gamma) + lambda) / (1 - gamma);
        const tol = (5 * alpha) / (1 - gamma) ** 2 + hessErr + 1e-300;
        expect(maxAbsDiff(H, C)).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('the closed form is block diagonal, symmetric, negative semidefinite on each block, and kills the gauge', () => {
    fc.assert(
      fc.property(arbOptimum, (p) => {
        const { mdp, r, lambda } = p;
        const { S, A, gamma } = mdp;
        const n = S * A;
        const ev = evaluatePolicy(mdp, r, p.theta, lambda);
        const C = optimumHessianClosedForm(mdp, ev.pi, ev.d, lambda);
        const scale = lambda / (1 - gamma);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (Math.floor(i / A) !== Math.floor(j / A)) expect(C[i * n + j]).toBe(0);
            expect(C[i * n + j]).toBe(C[j * n + i]);
          }
        const x = Float64Array.from({ length: A }, (_, a) => Math.sin(3 * a + 1));
        for (let s = 0; s < S; s++) {
          let quad = 0;
          for (let a = 0; a < A; a++) {
            const i = (s * A + a) * n + s * A;
            // gauge: Σ_b C[(s,a),(s,b)] = f·π_a(1 − Σπ), rounding ≲ A ε·scale
            let row = 0;
            for (let b = 0; b < A; b++) {
              row += C[i + b];
              quad += x[a] * C[i + b] * x[b];
            }
            expect(Math.abs(row)).toBeLessThanOrEqual(4 * A * EPS * scale);
          }
          // xᵀC_s x = −λd(s)/(1−γ)·Var_π(x) ≤ 0, up to the rounding of A² terms of size ≤ scale
          expect(quad).toBeLessThanOrEqual(4 * A * A * EPS * scale);
        }
      }),
      fcParams(100),
    );
  });
});
