import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { policyGradient } from '../../src/gradient/policyGradient.js';
import { garnetOrThrow, suttonBartoGridworld } from '../../src/mdp/index.js';
import type { Mdp } from '../../src/mdp/types.js';
import { validateMdp } from '../../src/mdp/validate.js';
import { LAMBDA_ZERO_MESSAGE, optimalValues, plainOptimum, softOptimum, thetaStar, type SoftOptimum } from '../../src/optimal/index.js';
import { makeRng } from '../../src/random/rng.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { arbProblem, arbTheta, type Problem } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';
import { EPS, maxAbs } from '../support/numeric.js';

/** |V*| ≤ (max|r| + λ log A)/(1−γ); every error below is measured against this scale (+1 so r = 0 is fine). */
const scaleOf = (mdp: Mdp, r: ArrayLike<number>, lambda: number): number =>
  (maxAbs(r) + lambda * Math.log(mdp.A)) / (1 - mdp.gamma) + 1;

const solve = (mdp: Mdp, r: Float64Array, lambda: number): SoftOptimum => {
  const sol = softOptimum(mdp, r, lambda);
  if (E.isLeft(sol)) throw new Error(sol.left.message);
  return sol.right;
};

/** Dense `Q = r + γPV`, written independently of the solver's sparse backup. */
const denseQ = (mdp: Mdp, r: ArrayLike<number>, V: ArrayLike<number>): Float64Array => {
  const { S, A, P, gamma } = mdp;
  const Q = new Float64Array(S * A);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
    let ev = 0;
    for (let t = 0; t < S; t++) ev += P[(s * A + a) * S + t] * V[t];
    Q[s * A + a] = r[s * A + a] + gamma * ev;
  }
  return Q;
};

/** Soft Bellman image `λ log Σ_a exp(Q/λ)` per state, max-subtracted (independent of the solver). */
const softMax = (S: number, A: number, Q: ArrayLike<number>, lambda: number): Float64Array => {
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    let m = -Infinity;
    for (let a = 0; a < A; a++) m = Math.max(m, Q[s * A + a]);
    let z = 0;
    for (let a = 0; a < A; a++) z += Math.exp((Q[s * A + a] - m) / lambda);
    out[s] = m + lambda * Math.log(z);
  }
  return out;
};

/**
 * Error bound on the solver's V* against the true optimum, and on exact evaluations of
 * π* against it: the contraction gives ‖V − V_true‖ ≤ ‖V − TV‖/(1−γ); an LU evaluation adds a
 * forward error ≲ 16(S+2)ε·scale·κ∞ with κ∞(I − γP_π) ≤ (1+γ)/(1−γ) (policyEvaluation.test.ts).
 */
const valueTolerance = (mdp: Mdp, residual: number, scale: number): number =>
  (residual + 16 * (mdp.S + 2) * EPS * scale * (1 + mdp.gamma)) / (1 - mdp.gamma);

describe('softOptimum (MATH.md §5)', () => {
  it('doc example: the gridworld of Example 3.5 at λ = 0.1 converges to a relative soft Bellman residual ≤ 1e-12', () => {
    const { mdp, reward } = suttonBartoGridworld();
    const sol = solve(mdp, reward, 0.1);
    expect(sol.converged).toBe(true);
    // 1e-12 relative is the solver's target (scale = ‖V*‖∞ ≈ 25 here); measured 6.5e-14 after 3 sweeps and 6 Newton steps
    expect(sol.relativeResidual).toBeLessThanOrEqual(1e-12);
    expect(sol.residual).toBeLessThanOrEqual(1e-12 * maxAbs(sol.VStar));
    expect(sol.iterations.newton).toBeGreaterThanOrEqual(1);
  });

  it('converges on generated problems: an independently recomputed soft Bellman residual is ≤ 1e-12·scale', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false }), (p) => {
        const sol = solve(p.mdp, p.r, p.lambda);
        const { S, A } = p.mdp;
        const scale = scaleOf(p.mdp, p.r, p.lambda);
        expect(sol.converged).toBe(true);
        expect(sol.relativeResidual).toBeLessThanOrEqual(1e-12);
        // recomputation rounds ≲ (S + A + 4)ε·scale on top of the reported residual (4× margin)
        const Q = denseQ(p.mdp, p.r, sol.VStar);
        const TV = softMax(S, A, Q, p.lambda);
        const res = maxAbs(TV.map((x, s) => x - sol.VStar[s]));
        expect(res).toBeLessThanOrEqual(1e-12 * scale + 4 * (S + A + 4) * EPS * scale);
        expect(maxAbs(Q.map((q, i) => q - sol.QStar[i]))).toBeLessThanOrEqual(4 * (S + 2) * EPS * scale);
      }),
      fcParams(200),
    );
  });

  it('θ* is canonical and finite: Σ_a exp θ*[s,a] = 1, max_a θ* ∈ [−log A, 0], π* = exp θ*', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false }), (p) => {
        const sol = solve(p.mdp, p.r, p.lambda);
        const { S, A } = p.mdp;
        for (let s = 0; s < S; s++) {
          let z = 0;
          let m = -Infinity;
          for (let a = 0; a < A; a++) {
            const i = s * A + a;
            expect(Number.isFinite(sol.thetaStar[i])).toBe(true);
            expect(sol.piStar[i]).toBe(Math.exp(sol.thetaStar[i]));
            z += sol.piStar[i];
            m = Math.max(m, sol.thetaStar[i]);
          }
          // θ = (Q−m)/λ − ℓ rounds each entry by ≲ 2ε(|θ| + 1); Σ e^θ |θ| ≤ A/e, plus A additions: ≲ (4A + 8)ε
          expect(Math.abs(z - 1)).toBeLessThanOrEqual((4 * A + 8) * EPS);
          // the best action has θ = −log1p(Σ rest) ∈ [−log A, 0]
          expect(m).toBeLessThanOrEqual(0);
          expect(m).toBeGreaterThanOrEqual(-Math.log(A) - 4 * EPS);
        }
      }),
      fcParams(200),
    );
  });

  it('∇_θ J(θ*) = 0 and the exact soft value of π_{θ*} is V*', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false }), (p) => {
        const sol = solve(p.mdp, p.r, p.lambda);
        const scale = scaleOf(p.mdp, p.r, p.lambda);
        const { gamma } = p.mdp;
        const ev = evaluatePolicy(p.mdp, p.r, sol.thetaStar, p.lambda);
        // V^{π*} − V* = (I − γP_π)⁻¹(V̂ − V*) with ‖V̂ − V*‖ = residual, plus both solves' rounding
        const tolV = valueTolerance(p.mdp, sol.residual, scale);
        expect(maxAbs(ev.V.map((v, s) => v - sol.VStar[s]))).toBeLessThanOrEqual(tolV);
        // Adv = (Q^π − Q*) − (V^π − V̂): |Adv| ≤ (1+γ)·tolV + residual + rounding; |∂J/∂θ| ≤ max|Adv|/(1−γ) (Σ d = 1, π ≤ 1)
        const g = policyGradient(p.mdp, p.r, sol.thetaStar, p.lambda);
        const tolG = ((1 + gamma) * tolV + sol.residual + 16 * (p.mdp.S + p.mdp.A) * EPS * scale) / (1 - gamma);
        expect(maxAbs(g)).toBeLessThanOrEqual(tolG);
      }),
      fcParams(200),
    );
  });

  it('the gradient test can fail: moving θ* off the optimum gives a gradient far above the tolerance', () => {
    const { mdp, reward } = suttonBartoGridworld();
    const sol = solve(mdp, reward, 0.5);
    const theta = Float64Array.from(sol.thetaStar);
    theta[0] += 1; // one logit off by 1
    expect(maxAbs(policyGradient(mdp, reward, theta, 0.5))).toBeGreaterThan(1e-4);
    expect(maxAbs(policyGradient(mdp, reward, sol.thetaStar, 0.5))).toBeLessThan(1e-12);
  });

  it('the soft optimum dominates every softmax policy: V^{π_θ} ≤ V* entrywise and J(θ) ≤ J(θ*)', () => {
    fc.assert(
      fc.property(
        arbProblem({ lambdaZero: false }).chain((p) => fc.tuple(fc.constant(p), fc.array(arbTheta(p.mdp.S, p.mdp.A), { minLength: 3, maxLength: 3 }))),
        ([p, thetas]) => {
          const sol = solve(p.mdp, p.r, p.lambda);
          const scale = scaleOf(p.mdp, p.r, p.lambda);
          const tolV = valueTolerance(p.mdp, sol.residual, scale);
          const Jstar = evaluatePolicy(p.mdp, p.r, sol.thetaStar, p.lambda).J;
          for (const theta of [p.theta, ...thetas]) {
            const ev = evaluatePolicy(p.mdp, p.r, theta, p.lambda);
            for (let s = 0; s < p.mdp.S; s++) expect(ev.V[s]).toBeLessThanOrEqual(sol.VStar[s] + tolV);
            // J = ρᵀV; both evaluations carry tolV of error
            expect(ev.J).toBeLessThanOrEqual(Jstar + 2 * tolV);
          }
        },
      ),
      fcParams(150),
    );
  });

  it('agrees with plain soft value iteration run to convergence (an independent route, γ ≤ 0.9)', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false, maxGamma: 0.9 }), (p) => {
        const sol = solve(p.mdp, p.r, p.lambda);
        const { S, A, gamma } = p.mdp;
        const scale = scaleOf(p.mdp, p.r, p.lambda);
        let V: Float64Array = new Float64Array(S);
        // 600 sweeps: γ^600·scale ≤ 2e-28·scale, far below rounding
        for (let k = 0; k < 600; k++) V = softMax(S, A, denseQ(p.mdp, p.r, V), p.lambda);
        // each sweep rounds ≲ (S + A + 4)ε·scale and the contraction sums it to /(1−γ); ours: residual/(1−γ)
        const tol = (sol.residual + 4 * (S + A + 4) * EPS * scale) / (1 - gamma);
        expect(maxAbs(V.map((v, s) => v - sol.VStar[s]))).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('brackets the plain optimum: 0 ≤ V*_λ − V*_0 ≤ λ log A/(1−γ) entrywise', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false }), (p) => {
        const soft = solve(p.mdp, p.r, p.lambda);
        const plainE = plainOptimum(p.mdp, p.r);
        if (E.isLeft(plainE)) throw new Error(plainE.left.message);
        const plain = plainE.right;
        expect(plain.converged).toBe(true);
        const { S, A, gamma } = p.mdp;
        const scale = scaleOf(p.mdp, p.r, p.lambda);
        // each value is within its residual/(1−γ) of the truth, plus rounding of the residuals themselves
        const tol = (soft.residual + plain.residual + 16 * (S + A + 4) * EPS * scale) / (1 - gamma);
        const gap = (p.lambda * Math.log(A)) / (1 - gamma);
        for (let s = 0; s < S; s++) {
          const d = soft.VStar[s] - plain.VStar[s];
          expect(d).toBeGreaterThanOrEqual(-tol);
          expect(d).toBeLessThanOrEqual(gap + tol);
        }
      }),
      fcParams(200),
    );
  });

  it('θ* stays finite below −745, where π* = exp θ* underflows (λ = 0.01, reward gap 10)', () => {
    // every action has the same transitions, so Q*[s,a] − Q*[s,b] = r[s,a] − r[s,b] exactly in exact arithmetic
    const S = 3;
    const A = 3;
    const P = new Float64Array(S * A * S);
    const row = [0.5, 0.3, 0.2];
    for (let sa = 0; sa < S * A; sa++) P.set(row, sa * S);
    const mdp = validateMdp({ S, A, gamma: 0.9, P, rho: Float64Array.of(1, 0, 0) });
    if (E.isLeft(mdp)) throw new Error('bad test MDP');
    const r = new Float64Array(S * A);
    for (let s = 0; s < S; s++) r[s * A + (s % A)] = 10; // one good action per state, gap 10
    const lambda = 0.01;
    const sol = solve(mdp.right, r, lambda);
    expect(sol.converged).toBe(true);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        if (a === s % A) {
          // −log1p(2e^{−1000}) rounds to −0
          expect(sol.thetaStar[i]).toBe(0);
          expect(sol.piStar[i]).toBe(1);
        } else {
          // θ* = −10/λ − log1p(2e^{−1000}) = −1000; Q* ≈ 100 rounds by ~100ε, /λ: ≲ 1e4·ε ≈ 2e-12 (1e-10 margin)
          expect(sol.thetaStar[i]).toBeLessThan(-745);
          expect(Math.abs(sol.thetaStar[i] + 1000)).toBeLessThanOrEqual(1e-10);
          expect(sol.piStar[i]).toBe(0);
          // this is why θ* is not log π*: log π* would be −∞ here
          expect(Math.log(sol.piStar[i])).toBe(-Infinity);
        }
      }
      // V*(s) = (10 + λ log(1 + 2e^{−1000}))/(1−γ) = 100; LU and backups round ≲ 100·(S+2)·16ε
      expect(Math.abs(sol.VStar[s] - 100)).toBeLessThanOrEqual(1e-12 * 100);
    }
    const viaConvenience = thetaStar(mdp.right, r, lambda);
    expect(E.isRight(viaConvenience) && viaConvenience.right.every(Number.isFinite)).toBe(true);
  });

  it('handles γ = 0, γ = 0.99, large λ·A, and λ = 0.01 with rewards up to ±10 (Garnet, S = 30)', () => {
    const cases: ReadonlyArray<{ gamma: number; lambda: number; A: number; rMax: number }> = [
      { gamma: 0, lambda: 0.1, A: 4, rMax: 1 },
      { gamma: 0, lambda: 0.01, A: 4, rMax: 10 },
      { gamma: 0.99, lambda: 0.01, A: 4, rMax: 10 },
      { gamma: 0.99, lambda: 1, A: 8, rMax: 10 },
      { gamma: 0.9, lambda: 1000, A: 50, rMax: 10 }, // λ·A = 5e4: π* ≈ uniform, V* ≈ λ log A/(1−γ)
      { gamma: 0.99, lambda: 1e4, A: 64, rMax: 1 },
      { gamma: 0.9, lambda: 0.01, A: 8, rMax: 10 },
    ];
    for (const c of cases) {
      const { mdp } = garnetOrThrow({ S: 30, A: c.A, branching: 4, gamma: c.gamma, seed: 11 });
      const rng = makeRng(5);
      const r = Float64Array.from({ length: 30 * c.A }, () => c.rMax * (2 * rng.uniform() - 1));
      const sol = solve(mdp, r, c.lambda);
      const label = JSON.stringify(c);
      expect(sol.converged, label).toBe(true);
      expect(sol.relativeResidual, label).toBeLessThanOrEqual(1e-12);
      expect(sol.thetaStar.every(Number.isFinite), label).toBe(true);
      // the same independent residual as above, on these extreme settings
      const TV = softMax(mdp.S, mdp.A, denseQ(mdp, r, sol.VStar), c.lambda);
      const scale = scaleOf(mdp, r, c.lambda);
      expect(maxAbs(TV.map((x, s) => x - sol.VStar[s])), label).toBeLessThanOrEqual(1e-12 * scale + 4 * (30 + c.A + 4) * EPS * scale);
      if (c.gamma === 0) {
        // γ = 0: V* = λ log Σ_a exp(r/λ) exactly, after one sweep and no Newton step
        const V0 = softMax(mdp.S, mdp.A, r, c.lambda);
        expect(maxAbs(V0.map((v, s) => v - sol.VStar[s])), label).toBeLessThanOrEqual(4 * (c.A + 4) * EPS * scale);
        expect(sol.iterations.newton, label).toBe(0);
      }
    }
  });

  it('λ = 0, λ < 0 and non-finite λ are a Left with a clear message', () => {
    const { mdp, reward } = suttonBartoGridworld();
    const zero = softOptimum(mdp, reward, 0);
    expect(E.isLeft(zero) && [zero.left._tag, zero.left.field]).toEqual(['InvalidInput', 'lambda']);
    expect(E.isLeft(zero) && zero.left.message).toBe(LAMBDA_ZERO_MESSAGE);
    expect(LAMBDA_ZERO_MESSAGE).toMatch(/^θ\* does not exist at λ = 0: the optimum is deterministic/);
    expect(LAMBDA_ZERO_MESSAGE).toContain('use plainOptimum');
    expect(LAMBDA_ZERO_MESSAGE).toContain('K-step θ^K');
    const t0 = thetaStar(mdp, reward, 0);
    expect(E.isLeft(t0) && t0.left.message).toBe(LAMBDA_ZERO_MESSAGE);
    // −0 is zero too
    const tm0 = thetaStar(mdp, reward, -0);
    expect(E.isLeft(tm0) && tm0.left.message).toBe(LAMBDA_ZERO_MESSAGE);
    for (const bad of [-0.1, -Infinity, NaN, Infinity]) {
      const res = softOptimum(mdp, reward, bad);
      expect(E.isLeft(res) && [res.left._tag, res.left.field], String(bad)).toEqual(['InvalidInput', 'lambda']);
      const msg = E.isLeft(res) ? res.left.message : '';
      expect(msg, String(bad)).toContain(String(bad));
      expect(msg, String(bad)).toMatch(bad < 0 && Number.isFinite(bad) ? /λ must be ≥ 0/ : /λ must be a finite number > 0/);
      expect(E.isLeft(thetaStar(mdp, reward, bad))).toBe(true);
      expect(E.isLeft(optimalValues(mdp, reward, bad))).toBe(true);
    }
  });

  it('a bad reward table is a Left naming the offending entry', () => {
    const { mdp, reward } = suttonBartoGridworld();
    const r = Float64Array.from(reward);
    r[4 * 3 + 2] = NaN;
    const res = softOptimum(mdp, r, 0.1);
    expect(E.isLeft(res) && [res.left._tag, res.left.field]).toEqual(['InvalidInput', 'r']);
    expect(E.isLeft(res) && res.left._tag === 'InvalidInput' && res.left.index).toEqual([3, 2]);
    const short = softOptimum(mdp, reward.subarray(1), 0.1);
    expect(E.isLeft(short) && [short.left._tag, short.left.field]).toEqual(['InvalidInput', 'r']);
  });

  it('reports non-convergence within the caps instead of hiding it', () => {
    const { mdp, reward } = garnetOrThrow({ S: 20, A: 4, branching: 3, gamma: 0.9, seed: 3 });
    const sol = softOptimum(mdp, reward, 0.1, { maxValueIterations: 2, maxExactIterations: 0 });
    expect(E.isRight(sol)).toBe(true);
    if (E.isLeft(sol)) return;
    expect(sol.right.converged).toBe(false);
    expect(sol.right.relativeResidual).toBeGreaterThan(1e-12);
    expect(sol.right.iterations).toEqual({ valueIteration: 2, newton: 0 });
    const t = thetaStar(mdp, reward, 0.1, { maxValueIterations: 2, maxExactIterations: 0 });
    expect(E.isLeft(t) && t.left._tag).toBe('NumericalFailure');
    expect(E.isLeft(t) && t.left._tag === 'NumericalFailure' && t.left.report).toMatchObject({ route: 'soft-optimum', converged: false, reliable: false });
    expect(E.isLeft(t) && t.left.message).toMatch(/relative residual/);
    // with the default caps the same problem converges
    expect(solve(mdp, reward, 0.1).converged).toBe(true);
  });

  it('Newton polish converges from any start: no value iteration at all still reaches 1e-12', () => {
    fc.assert(
      fc.property(arbProblem({ lambdaZero: false }), (p: Problem) => {
        const sol = softOptimum(p.mdp, p.r, p.lambda, { maxValueIterations: 0 });
        if (E.isLeft(sol)) throw new Error(sol.left.message);
        expect(sol.right.converged).toBe(true);
        expect(sol.right.iterations.valueIteration).toBe(0);
        const ref = solve(p.mdp, p.r, p.lambda);
        const tol = 2 * valueTolerance(p.mdp, Math.max(sol.right.residual, ref.residual), scaleOf(p.mdp, p.r, p.lambda));
        expect(maxAbs(sol.right.VStar.map((v, s) => v - ref.VStar[s]))).toBeLessThanOrEqual(tol);
      }),
      fcParams(100),
    );
  });

  it('optimalValues: the soft V* for λ > 0 and the plain V* for λ = 0', () => {
    const { mdp, reward } = suttonBartoGridworld();
    const soft = optimalValues(mdp, reward, 0.3);
    expect(E.isRight(soft) && Array.from(soft.right)).toEqual(Array.from(solve(mdp, reward, 0.3).VStar));
    const plain = optimalValues(mdp, reward, 0);
    const ref = plainOptimum(mdp, reward);
    expect(E.isRight(plain) && E.isRight(ref) && Array.from(plain.right)).toEqual(E.isRight(ref) ? Array.from(ref.right.VStar) : []);
  });
});

describe('softOptimum stops on its error bound, not its residual (MATH.md §5)', () => {
  /** Soft value iteration from 0 for n sweeps, written out independently: V ← λ log Σ_a exp((r + γPV)/λ). */
  const softValueIteration = (mdp: Mdp, r: Readonly<Float64Array>, lambda: number, n: number): Float64Array => {
    const { S, A, gamma, P } = mdp;
    let V = new Float64Array(S);
    for (let k = 0; k < n; k++) {
      const next = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        const q: number[] = [];
        for (let a = 0; a < A; a++) {
          let acc = r[s * A + a];
          for (let t = 0; t < S; t++) acc += gamma * P[(s * A + a) * S + t] * V[t];
          q.push(acc / lambda);
        }
        const m = Math.max(...q);
        next[s] = lambda * (m + Math.log(q.reduce((z, x) => z + Math.exp(x - m), 0)));
      }
      V = next;
    }
    return V;
  };

  it('γ = 0.99: V* is within its reported error bound of a 6000-sweep value iteration', () => {
    for (const seed of [1, 2, 3]) {
      const { mdp, reward } = garnetOrThrow({ S: 8, A: 3, branching: 3, gamma: 0.99, seed });
      const o = softOptimum(mdp, reward, 0.1);
      if (E.isLeft(o)) throw new Error(o.left.message);
      const { VStar, errorBound, report } = o.right;
      expect(report).toMatchObject({ route: 'soft-optimum', converged: true, reliable: true });
      // the bound is residual/(1 − γ), met at the 1e-12 target or the rounding floor
      expect(errorBound).toBe(o.right.relativeResidual / (1 - mdp.gamma));
      expect(errorBound).toBeLessThanOrEqual(1e-12);
      // reference: 0.99^6000 ≈ 6e-27 of contraction error, plus rounding of ≈ S·ε per sweep
      // accumulated over the horizon 1/(1 − γ): ≲ 8·2.2e-16·100 ≈ 2e-13 relative
      const ref = softValueIteration(mdp, reward, 0.1, 6000);
      let err = 0;
      let scale = 0;
      for (let s = 0; s < mdp.S; s++) {
        err = Math.max(err, Math.abs(VStar[s] - ref[s]));
        scale = Math.max(scale, Math.abs(ref[s]));
      }
      expect(err / scale).toBeLessThanOrEqual(errorBound + 2e-13);
    }
  });

  it('the bound is a bound: stopped early (value iteration only), the error is within it and about 1/(1 − γ) times the residual', () => {
    const { mdp, reward } = garnetOrThrow({ S: 8, A: 3, branching: 3, gamma: 0.99, seed: 4 });
    const ref = softValueIteration(mdp, reward, 0.1, 6000);
    for (const sweeps of [50, 200, 800]) {
      const o = softOptimum(mdp, reward, 0.1, { maxValueIterations: sweeps, valueIterationTolerance: 0, maxExactIterations: 0 });
      if (E.isLeft(o)) throw new Error(o.left.message);
      let err = 0;
      let scale = 0;
      for (let s = 0; s < mdp.S; s++) {
        err = Math.max(err, Math.abs(o.right.VStar[s] - ref[s]));
        scale = Math.max(scale, Math.abs(o.right.VStar[s]), Math.abs(ref[s]));
      }
      const rel = err / scale;
      // the scale of the bound is max(‖V‖∞, ‖r‖∞ + λ log A) ≥ ‖V‖∞, so compare in units of it
      const boundScale = Math.max(scale, 1 + 0.1 * Math.log(3));
      expect(rel * scale).toBeLessThanOrEqual(o.right.errorBound * boundScale * (1 + 1e-9));
      // and the residual alone would not have bounded it: the error is well above it (γ = 0.99)
      expect(rel * scale).toBeGreaterThan(10 * o.right.relativeResidual * boundScale);
      expect(o.right.converged).toBe(false);
      expect(o.right.report.reliable).toBe(false);
    }
  });
});
