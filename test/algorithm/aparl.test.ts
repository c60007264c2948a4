import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { implicitSolverFor, runAparl, type BilevelProblem } from '../../src/algorithm/aparl.js';
import { DEFAULT_APARL_CONFIG, validateAparlConfig, type AparlConfig } from '../../src/algorithm/config.js';
import { policyGradientAscent } from '../../src/algorithm/lowerLevel.js';
import { upperLevelExact } from '../../src/upperLevel/objective.js';
import { policyPointAt, policyPointAtLower, policyPointAtOptimum } from '../../src/upperLevel/policyPoint.js';
import type { PolicyPoint } from '../../src/upperLevel/types.js';
import { formatParlError } from '../../src/errors/parlError.js';
import { bradleyTerryTeacher } from '../../src/upperLevel/types.js';
import { garnetOrThrow } from '../../src/mdp/index.js';
import { nuScoreClosedForm } from '../../src/nuScore/closedForm.js';
import { rewardOf, type RewardModel } from '../../src/reward/rewardModel.js';
import { evaluatePolicy } from '../../src/value/policyEvaluation.js';
import { EPS, maxAbs } from '../support/numeric.js';
import { firstOrderHypergradient, unrolledHypergradient, zerothOrderHypergradient } from '../../src/hypergradient/routes.js';
import { lowerPointAt, solveLowerLevel, type LowerPoint } from '../../src/lowerLevel/lowerSolution.js';
import { right } from '../support/either.js';
import { makeRng } from '../../src/random/rng.js';

const built = garnetOrThrow({ S: 4, A: 3, branching: 2, gamma: 0.8, seed: 11 });
const mdp = built.mdp;
const model: RewardModel = { kind: 'tabular', S: 4, A: 3 };
const rTrue = Float64Array.from(built.reward);
const additive: BilevelProblem = {
  name: 'design', mdp, model, rTrue,
  upper: { kind: 'additive', utility: { kind: 'additive', u: rTrue } },
  nu0: new Float64Array(12), theta0: new Float64Array(12),
};
const preference: BilevelProblem = {
  name: 'rlhf', mdp, model, rTrue,
  upper: { kind: 'preference', teacher: bradleyTerryTeacher(2), rTrue, H: 2 },
  nu0: new Float64Array(12), theta0: new Float64Array(12),
};
const cfg = (over: Partial<AparlConfig>): AparlConfig => {
  const c = validateAparlConfig({ ...over });
  if (E.isLeft(c)) throw new Error(JSON.stringify(c.left));
  return c.right;
};
/** ĝ recovered from one outer step: ν₁ = ν₀ + α ĝ with ν₀ = 0 and α = 1 (exact in floating point: 0 + 1·g = g). */
const firstStep = (p: BilevelProblem, c: AparlConfig): Float64Array => {
  const run = runAparl(p, { ...c, T: 1, alpha: 1 });
  if (E.isLeft(run)) throw new Error(formatParlError(run.left));
  return run.right.nu;
};

describe('A-PARL (MATH.md §8)', () => {
  for (const p of [additive, preference]) {
    it(`${p.name}: exact-mode ĝ equals the exact PARL gradient at θ^K (implicit ν-score)`, () => {
      const c = cfg({ mode: 'exact', K: 7, beta: 0.5, lambda: 0.2, trackTrueGradient: false });
      const thetaK = policyGradientAscent(mdp, rewardOf(model, p.nu0), p.theta0, 0.2, 0.5, 7);
      // exact mode's solver at this size: the direct one (closed-form H, LU on a gauge complement)
      expect(implicitSolverFor(4, 3)).toBe('direct');
      const lower = lowerPointAt(mdp, model, p.nu0, thetaK, 0.2);
      const ref = E.chain((lp: LowerPoint) => upperLevelExact(p.upper, policyPointAtLower(lp, 'implicit', { solver: 'direct' })))(lower);
      if (E.isLeft(ref)) throw new Error(formatParlError(ref.left));
      // same operations in the same order: bitwise equal
      const g = firstStep(p, c);
      expect(Array.from(g)).toEqual(Array.from(ref.right.gradG));
      // and MINRES (policyPointAt) agrees within the two solves' reported error bounds, which are
      // relative to the ν-score term ‖ψ·w‖∞
      const viaMinres = E.chain((pt: PolicyPoint) => upperLevelExact(p.upper, pt))(policyPointAt(mdp, model, p.nu0, thetaK, 0.2));
      if (E.isLeft(viaMinres)) throw new Error(formatParlError(viaMinres.left));
      const bound = (rs: ReadonlyArray<{ readonly quantity: string; readonly errorBound?: number }>) =>
        rs.filter((r) => r.quantity === 'psi·w').reduce((m, r) => Math.max(m, r.errorBound ?? Infinity), 0);
      const routes = ref.right.reports.filter((r) => r.quantity === 'psi·w').map((r) => r.route);
      expect(routes).toEqual(['gauge-lu']);
      const scoreTerm = ref.right.gradG.map((x, i) => x - ref.right.gradGMyopic[i]);
      const tol = (bound(ref.right.reports) + bound(viaMinres.right.reports)) * maxAbs(scoreTerm);
      expect(tol).toBeLessThan(1e-9 * maxAbs(scoreTerm));
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - viaMinres.right.gradG[i])).toBeLessThanOrEqual(tol);
    });

    it(`${p.name}: oracle mode equals the exact gradient at θ*(ν); myopic differs exactly by the ν-score term`, () => {
      const c = cfg({ mode: 'oracle', lambda: 0.2, trackTrueGradient: false });
      const star = policyPointAtOptimum(mdp, model, p.nu0, 0.2);
      if (E.isLeft(star)) throw new Error(star.left.message);
      const ref = upperLevelExact(p.upper, star.right);
      if (E.isLeft(ref)) throw new Error(formatParlError(ref.left));
      const parl = firstStep(p, c);
      const myopic = firstStep(p, { ...c, gradient: 'myopic' });
      expect(Array.from(parl)).toEqual(Array.from(ref.right.gradG));
      expect(Array.from(myopic)).toEqual(Array.from(ref.right.gradGMyopic));
      // the ν-score term computed independently: contract the materialised ψ with its weights
      const psi = nuScoreClosedForm(mdp, model, star.right.pi, 0.2);
      if (E.isLeft(psi)) throw new Error(psi.left.message);
      if (p.upper.kind === 'additive') {
        const ev = evaluatePolicy(mdp, rTrue, star.right.optimum.thetaStar, 0);
        const u = rTrue;
        // Adv_u under π* with plain values of u
        const evU = evaluatePolicy(mdp, u, star.right.optimum.thetaStar, 0);
        const d = 12;
        const term = new Float64Array(d);
        for (let s = 0; s < 4; s++) for (let a = 0; a < 3; a++) {
          const sa = s * 3 + a;
          const w = (evU.d[s] * star.right.pi[sa] * (evU.Q[sa] - evU.V[s])) / (1 - mdp.gamma);
          for (let i = 0; i < d; i++) term[i] += w * psi.right.psi[sa * d + i];
        }
        expect(ev.J).toBe(evU.J);
        // two summation orders of the same sum: ≲ n·ε of its scale
        const scale = maxAbs(term) + maxAbs(parl);
        for (let i = 0; i < d; i++) expect(Math.abs(parl[i] - myopic[i] - term[i])).toBeLessThanOrEqual(64 * 12 * EPS * scale);
      } else {
        expect(maxAbs(parl.map((x, i) => x - myopic[i]))).toBeGreaterThan(0);
      }
    });
  }

  it('with a small β the lower-level objective does not decrease across inner steps', () => {
    const r = rewardOf(model, Float64Array.from(rTrue));
    let theta: Float64Array = new Float64Array(12);
    let J = evaluatePolicy(mdp, r, theta, 0.1).J;
    for (let k = 0; k < 30; k++) {
      theta = policyGradientAscent(mdp, r, theta, 0.1, 0.05, 1);
      const J2 = evaluatePolicy(mdp, r, theta, 0.1).J;
      // ascent lemma: J is L-smooth, so β < 2/L gives J(θ+βg) ≥ J(θ) (up to rounding ~ n·ε·|J|)
      expect(J2).toBeGreaterThanOrEqual(J - 16 * EPS * Math.abs(J));
      J = J2;
    }
  });

  it('records every field, and the same seed gives the same records bit for bit (sampled mode)', () => {
    const c = cfg({ mode: 'sampled', N: 20, T: 4, K: 3, lambda: 0.2, seed: 5 });
    let clock = 0;
    const now = () => (clock += 1);
    const a = runAparl(preference, c, { now });
    clock = 0;
    const b = runAparl(preference, c, { now });
    if (E.isLeft(a) || E.isLeft(b)) throw new Error('run failed');
    expect(a.right.records).toEqual(b.right.records);
    expect(Array.from(a.right.nu)).toEqual(Array.from(b.right.nu));
    const other = runAparl(preference, { ...c, seed: 6 }, { now });
    if (E.isLeft(other)) throw new Error('run failed');
    expect(Array.from(other.right.nu)).not.toEqual(Array.from(a.right.nu));
    const last = a.right.records[3];
    expect(last.queries).toBe(80);
    for (const r of a.right.records) {
      expect(Number.isFinite(r.G) && Number.isFinite(r.trueReturn) && Number.isFinite(r.trueGradNorm)).toBe(true);
      expect(r.lowerGap).toBeGreaterThanOrEqual(-1e-12);
    }
  });

  it('invalid configurations list every problem before any work', () => {
    const bad = validateAparlConfig({ mode: 'oracle', lambda: 0, K: 0, beta: -1, alpha: -0.5, T: 1.5, foo: 1 });
    expect(E.isLeft(bad)).toBe(true);
    if (E.isLeft(bad)) {
      const fields = bad.left.map((e) => e.field).sort();
      expect(fields).toEqual(['K', 'T', 'alpha', 'beta', 'foo', 'lambda'].sort());
      expect(bad.left.find((e) => e.field === 'lambda')?.message).toMatch(/oracle mode needs λ > 0/);
    }
    expect(E.isRight(validateAparlConfig({}))).toBe(true);
    expect(DEFAULT_APARL_CONFIG.K).toBeGreaterThan(0);
  });

  it('oracle mode at λ = 0 (a configuration that skipped validation) is an InvalidInput on mode at step 0', () => {
    const run = runAparl(additive, { ...cfg({ mode: 'oracle', lambda: 0.2, T: 3 }), lambda: 0 });
    expect(E.isLeft(run)).toBe(true);
    if (E.isLeft(run)) {
      expect(run.left).toMatchObject({ _tag: 'InvalidInput', field: 'mode' });
      expect(run.left.message).toBe('step 0: oracle mode needs λ > 0 (θ* does not exist at λ = 0)');
      expect(formatParlError(run.left)).toBe('mode: step 0: oracle mode needs λ > 0 (θ* does not exist at λ = 0)');
    }
  });
});

describe('A-PARL with the hypergradient routes (src/hypergradient)', () => {
  for (const p of [additive, preference]) {
    const problem = { mdp, model, nu: p.nu0, lambda: 0.2, r: rewardOf(model, p.nu0) };
    it(`${p.name}: each route's first step is the route's gradient at (ν₀, θ₀), bit for bit`, () => {
      const base = cfg({ mode: 'exact', K: 4, beta: 0.5, lambda: 0.2, trackTrueGradient: false, N: 3, sigma: 50 });
      const unrolled = right(unrolledHypergradient(p.upper, problem, p.theta0, { K: 4, beta: 0.5 }));
      expect(Array.from(firstStep(p, { ...base, gradient: 'unrolled' }))).toEqual(Array.from(unrolled.gradient));
      const sol = right(solveLowerLevel(mdp, model, p.nu0, 0.2));
      const first = right(firstOrderHypergradient(p.upper, sol, { sigma: 50 }));
      expect(Array.from(firstStep(p, { ...base, gradient: 'first-order' }))).toEqual(Array.from(first.gradient));
      // exact mode draws nothing else: the route gets the run's first split stream
      const zeroth = right(zerothOrderHypergradient(p.upper, problem, { N: 3 }, makeRng(base.seed).split()));
      expect(Array.from(firstStep(p, { ...base, gradient: 'zeroth-order' }))).toEqual(Array.from(zeroth.gradient));
    });
  }

  it('routes other than parl and myopic need exact or oracle mode; first-order needs λ > 0 and σ > 0', () => {
    const fields = (raw: object) => {
      const v = validateAparlConfig(raw);
      return E.isLeft(v) ? v.left.map((e) => e.field) : [];
    };
    expect(fields({ mode: 'sampled', gradient: 'unrolled' })).toEqual(['gradient']);
    expect(fields({ gradient: 'first-order', lambda: 0 })).toEqual(['lambda']);
    expect(fields({ gradient: 'first-order', sigma: 0 })).toEqual(['sigma']);
    expect(fields({ gradient: 'newton' })).toEqual(['gradient']);
    expect(fields({ gradient: 'zeroth-order', N: 2 })).toEqual([]);
  });
});
