/**
 * The public entry points on the inputs issue 15 found mishandled (θ one entry short or too long,
 * θ or r with NaN or ±∞, λ = NaN, ±∞ or −1, θ = ±1e308, an invalid ν reported on `lambda`), each
 * pinned with the field, index and outcome it must give; and the exactness of the logit floor that
 * lets `policyGradient` and `hessianJ` take θ = ±1e308.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { floorLogits } from '../../src/api/value.js';
import { policyGradient as policyGradientInternal } from '../../src/gradient/policyGradient.js';
import { hessianJ as hessianJInternal } from '../../src/hessian/hessian.js';
import type { Mdp } from '../../src/mdp/types.js';
import { arbMdp, boundedVector } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';

const built = api.garnet({ S: 3, A: 2, branching: 2, seed: 1 });
if (!api.isRight(built)) throw new Error('garnet(S=3, A=2) must build');
const { mdp, reward } = built.right;
const n = mdp.S * mdp.A;
const theta0 = new Float64Array(n);

/** The error of a Left (fails the test on a Right). */
const leftOf = (e: api.Either<api.ParlError, unknown>): api.ParlError => {
  if (!api.isLeft(e)) throw new Error(`expected a Left, got a Right`);
  return e.left;
};

/** `Float64Array` of length n with x at position i and 0 elsewhere. */
const withAt = (len: number, i: number, x: number): Float64Array => {
  const v = new Float64Array(len);
  v[i] = x;
  return v;
};

type PolicyEntryPoint = (mdp: api.Mdp, r: Float64Array, theta: Float64Array, lambda: number) => api.Either<api.ParlError, unknown>;
const ENTRY_POINTS: Record<string, PolicyEntryPoint> = {
  evaluatePolicy: api.evaluatePolicy,
  policyGradient: api.policyGradient,
  hessianJ: api.hessianJ,
};

describe.each(Object.entries(ENTRY_POINTS))('%s(mdp, r, θ, λ)', (_name, f) => {
  it('θ one entry short or one too long: InvalidInput on theta saying the expected length', () => {
    for (const len of [n - 1, n + 1]) {
      const e = leftOf(f(mdp, reward, new Float64Array(len), 0.1));
      expect(e._tag).toBe('InvalidInput');
      expect(e.field).toBe('theta');
      expect(e.message).toBe(`wrong length: expected S*A = ${n} entries, got ${len}`);
    }
  });

  it('θ or r with NaN or ±∞: InvalidInput on that field with the [s, a] index', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const eTheta = leftOf(f(mdp, reward, withAt(n, 3, bad), 0.1));
      expect([eTheta._tag, eTheta.field, (eTheta as api.InvalidInput).index]).toEqual(['InvalidInput', 'theta', [1, 1]]);
      const eR = leftOf(f(mdp, withAt(n, 4, bad), theta0, 0.1));
      expect([eR._tag, eR.field, (eR as api.InvalidInput).index]).toEqual(['InvalidInput', 'r', [2, 0]]);
    }
  });

  it('every problem is listed: a bad r and a bad θ and a bad λ in one call', () => {
    const e = leftOf(f(mdp, withAt(n, 0, NaN), new Float64Array(2), -1)) as api.InvalidInput;
    expect(e.errors.map((x) => x.field)).toEqual(['r', 'theta', 'lambda']);
  });

  it('λ = NaN, ±∞ or −1: InvalidInput on lambda', () => {
    for (const lambda of [NaN, Infinity, -Infinity, -1]) {
      const e = leftOf(f(mdp, reward, theta0, lambda));
      expect([e._tag, e.field]).toEqual(['InvalidInput', 'lambda']);
    }
  });

  it('θ = +1e308 or −1e308 in every entry: the uniform policy, computed (finite)', () => {
    for (const big of [1e308, -1e308]) {
      const out = f(mdp, reward, new Float64Array(n).fill(big), 0.1);
      expect(api.isRight(out)).toBe(true);
    }
    const ev = api.evaluatePolicy(mdp, reward, new Float64Array(n).fill(1e308), 0.1);
    if (!api.isRight(ev)) throw new Error('expected a Right');
    expect(Array.from(ev.right.pi)).toEqual(new Array(n).fill(1 / mdp.A)); // A = 2: 1/2 exactly
  });
});

describe('the MDP argument', () => {
  it('a plain object {S, A, gamma, P, rho} is validated: a row of P off by 0.5 is InvalidInput on mdp.P with [s, a]', () => {
    const P = Float64Array.from(mdp.P);
    P[(1 * mdp.A + 0) * mdp.S + 2] += 0.5; // row (s, a) = (1, 0)
    const e = leftOf(api.evaluatePolicy({ S: mdp.S, A: mdp.A, gamma: mdp.gamma, P, rho: mdp.rho } as unknown as api.Mdp, reward, theta0, 0.1)) as api.InvalidInput;
    expect([e._tag, e.field, e.index]).toEqual(['InvalidInput', 'mdp.P', [1, 0]]);
  });

  it('a plain valid object gives the same evaluation as the MDP the builder returned', () => {
    const raw = { S: mdp.S, A: mdp.A, gamma: mdp.gamma, P: Array.from(mdp.P), rho: Array.from(mdp.rho) } as unknown as api.Mdp;
    const a = api.evaluatePolicy(raw, reward, theta0, 0.1);
    const b = api.evaluatePolicy(mdp, reward, theta0, 0.1);
    if (!api.isRight(a) || !api.isRight(b)) throw new Error('expected two Rights');
    expect(a.right.J).toBe(b.right.J);
  });

  it('γ = 1 or S = 0: InvalidInput on mdp.gamma / mdp.S', () => {
    expect(leftOf(api.softOptimum({ ...mdp, gamma: 1 } as api.Mdp, reward, 0.1)).field).toBe('mdp.gamma');
    expect(leftOf(api.softOptimum({ ...mdp, S: 0 } as api.Mdp, reward, 0.1)).field).toBe('mdp.S');
  });
});

describe('θ = [1e308, −1e308] per state (one-hot, log π = −2e308 beyond float64)', () => {
  const oneHot = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1e308 : -1e308));

  it('policyGradient: the one-hot policy is a stationary point (∂J/∂θ = d π Adv/(1−γ) = 0 up to rounding)', () => {
    // π(a|s) ∈ {0, 1}: the other actions have π = 0, so their entries are exactly 0; the chosen one
    // has Adv = Q − V = 0 in exact arithmetic, in float64 the rounding of V's LU solve: with
    // r ∈ [0, 1), γ = 0.9, |V| ≤ 10 and κ∞(I − γP_π) ≤ (1 + γ)/(1 − γ) = 19, so |Adv| ≲ 19·10·ε·S ≈ 1e-13,
    // and d/(1 − γ) ≤ 10: 1e-11 bounds every entry
    const g = api.policyGradient(mdp, reward, oneHot, 0.1);
    if (!api.isRight(g)) throw new Error(api.formatParlError(g.left));
    for (let i = 0; i < n; i++) {
      if (i % 2 === 1) expect(g.right[i]).toBe(0);
      else expect(Math.abs(g.right[i])).toBeLessThan(1e-11);
    }
  });

  it('hessianJ: finite (a Right)', () => {
    const H = api.hessianJ(mdp, reward, oneHot, 0.1);
    expect(api.isRight(H)).toBe(true);
  });

  it('evaluatePolicy: refused on theta, naming log π and the logit spread (its log π is not representable)', () => {
    const e = leftOf(api.evaluatePolicy(mdp, reward, oneHot, 0.1));
    expect([e._tag, e.field]).toEqual(['InvalidInput', 'theta']);
    expect(e.message).toContain('logPi[1] = -Infinity');
    expect(e.message).toContain('largest logit spread max_a θ[s,a] − min_a θ[s,a] = Infinity');
  });
});

describe('overflowing but valid inputs are refused on the most extreme one', () => {
  it('r = 1e308: V = r/(1 − γ) overflows → InvalidInput on r', () => {
    const e = leftOf(api.evaluatePolicy(mdp, new Float64Array(n).fill(1e308), theta0, 0.1));
    expect([e._tag, e.field]).toEqual(['InvalidInput', 'r']);
    const o = leftOf(api.softOptimum(mdp, new Float64Array(n).fill(1e308), 0.1));
    expect([o._tag, o.field]).toEqual(['InvalidInput', 'r']);
  });

  it('λ = 1e308: λ log A overflows → InvalidInput on lambda', () => {
    const e = leftOf(api.evaluatePolicy(mdp, reward, theta0, 1e308));
    expect([e._tag, e.field]).toEqual(['InvalidInput', 'lambda']);
  });
});

describe('softOptimum(mdp, r, λ) and the bilevel entry points', () => {
  it('λ = 0: refused on lambda with the reason (no θ* at λ = 0; plainOptimum instead)', () => {
    const e = leftOf(api.softOptimum(mdp, reward, 0));
    expect([e._tag, e.field]).toEqual(['InvalidInput', 'lambda']);
    expect(e.message).toContain('plainOptimum');
  });

  it('policyPointAtOptimum: an invalid ν is reported on nu with its index, a short one with the expected length', () => {
    const model = { kind: 'tabular', S: mdp.S, A: mdp.A } as const;
    const e = leftOf(api.policyPointAtOptimum(mdp, model, withAt(n, 2, NaN), 0.1)) as api.InvalidInput;
    expect([e._tag, e.field, e.index]).toEqual(['InvalidInput', 'nu', [2]]);
    const s = leftOf(api.policyPointAtOptimum(mdp, model, new Float64Array(2), 0.1));
    expect([s.field, s.message]).toEqual(['nu', `wrong length: expected ${n} entries, got 2`]);
  });

  it('a linear model with a non-finite feature: InvalidInput on model.features with [s, a, i]', () => {
    const features = new Float64Array(n * 2);
    features[2 * 2 + 1] = Infinity; // (s, a) = (1, 0), feature i = 1
    const e = leftOf(api.solveLowerLevel(mdp, { kind: 'linear', S: mdp.S, A: mdp.A, k: 2, features }, new Float64Array(2), 0.1)) as api.InvalidInput;
    expect([e.field, e.index]).toEqual(['model.features', [1, 0, 1]]);
  });

  it('nuScoreOf and upperLevelExact take only values the library returned', () => {
    expect(leftOf(api.nuScoreOf({} as never, 'closed')).field).toBe('solution');
    expect(leftOf(api.upperLevelExact({ kind: 'additive', utility: { kind: 'additive', u: reward } }, {} as never)).field).toBe('point');
  });

  it('garnet: a Left of ParlError (InvalidInput listing every problem), not a bare list', () => {
    const e = leftOf(api.garnet({ S: 0, A: 2, branching: 3, seed: 0.5 })) as api.InvalidInput;
    expect(e._tag).toBe('InvalidInput');
    expect(e.errors.map((x) => x.field)).toEqual(['S', 'seed']);
  });
});

describe('the logit floor is exact: ∇J and ∇²J do not change where the plain computation is finite', () => {
  // logits spread up to 1e300 (finite log π, so the internal functions compute them without the
  // floor); the floor must give the same float64 bits, since it only raises logits with π = 0
  const arb = arbMdp({ maxS: 4, maxA: 3 }).chain((m: Mdp) =>
    fc.tuple(
      fc.constant(m),
      boundedVector(m.S * m.A, -2, 2),
      fc.array(fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(-1e300, -1e5, -1001, -999, 1e300, 2000)), { minLength: m.S * m.A, maxLength: m.S * m.A }).map((x) => Float64Array.from(x)),
      fc.constantFrom(0, 0.01, 0.5),
    ));

  // the sign of an exact zero may differ (0·x with x of either sign); `+ 0` maps −0 to +0
  const bits = (x: Float64Array): number[] => Array.from(x, (v) => v + 0);

  it('policyGradient and hessianJ bit for bit (up to the sign of zero)', () => {
    let compared = 0;
    fc.assert(fc.property(arb, ([m, r, theta, lambda]) => {
      const plainG = policyGradientInternal(m, r, theta, lambda);
      if (!plainG.every(Number.isFinite)) return; // only where the plain computation is finite
      expect(bits(policyGradientInternal(m, r, floorLogits(theta, m.A), lambda))).toEqual(bits(plainG));
      const plainH = hessianJInternal(m, r, theta, lambda);
      if (!plainH.every(Number.isFinite)) return;
      expect(bits(hessianJInternal(m, r, floorLogits(theta, m.A), lambda))).toEqual(bits(plainH));
      compared++;
    }), fcParams(200));
    expect(compared).toBeGreaterThan(0);
  });
});

describe('runAparl(problem, config)', () => {
  const model = { kind: 'tabular', S: mdp.S, A: mdp.A } as const;
  const problem = {
    mdp,
    model,
    upper: { kind: 'additive', utility: { kind: 'additive', u: reward } },
    rTrue: reward,
    nu0: new Float64Array(n),
    theta0: new Float64Array(n),
  } as const;

  it('runs T outer steps; ‖∇G‖ not tracked is null, not NaN', () => {
    const run = api.runAparl(problem, { T: 3, K: 2, trackTrueGradient: false });
    if (!api.isRight(run)) throw new Error(api.formatParlError(run.left));
    expect(run.right.records.map((r) => r.t)).toEqual([0, 1, 2]);
    expect(run.right.records.map((r) => r.trueGradNorm)).toEqual([null, null, null]);
    expect(run.right.records.every((r) => typeof r.G === 'number')).toBe(true);
  });

  it('a bad ν₀ is reported on problem.nu0 with its index, a bad T on config.T, both in one Left', () => {
    const e = leftOf(api.runAparl({ ...problem, nu0: withAt(n, 1, NaN) }, { T: 0 })) as api.InvalidInput;
    expect(e.errors.map((x) => [x.field, x.index])).toEqual([['problem.nu0', [1]], ['config.T', undefined]]);
  });

  it('an unknown option and a bad upper level are named', () => {
    const e = leftOf(api.runAparl({ ...problem, upper: { kind: 'additive', utility: { kind: 'additive', u: new Float64Array(2) } } }, { steps: 3 } as never)) as api.InvalidInput;
    expect(e.errors.map((x) => x.field)).toEqual(['problem.upper.utility.u', 'config.steps']);
  });
});

describe('runAparl and nuScoreOf at extreme but valid inputs', () => {
  const g = api.garnet({ S: 2, A: 2, branching: 2, seed: 1 });
  if (api.isLeft(g)) throw new Error('garnet');
  const { mdp, reward } = g.right;
  const problem = (theta0: number[]) => ({
    mdp,
    model: { kind: 'tabular' as const, S: 2, A: 2 },
    upper: { kind: 'additive' as const, utility: { kind: 'additive' as const, u: reward } },
    rTrue: reward,
    nu0: Float64Array.from(reward),
    theta0: Float64Array.from(theta0),
  });

  it('θ₀ = (1e308, −1e308) in a state: a run in every mode (that row floored, one-hot), no internal failure', () => {
    for (const mode of ['exact', 'sampled', 'oracle'] as const) {
      const r = api.runAparl(problem([1e308, -1e308, 0, 0]), { T: 2, K: 1, mode, N: 4 });
      if (api.isLeft(r)) throw new Error(`${mode}: ${r.left.field}: ${r.left.message}`);
      expect(r.right.records.length).toBe(2);
    }
  });

  it('a step β that overflows θ or ν: InvalidInput on the step size (config.beta or config.alpha) naming the step, not an internal failure', () => {
    for (const mode of ['exact', 'sampled'] as const) {
      const r = api.runAparl(problem([0, 0, 0, 0]), { T: 2, K: 1, beta: 1e308, mode, N: 4 });
      expect(api.isLeft(r)).toBe(true);
      if (api.isLeft(r)) {
        expect(['config.beta', 'config.alpha']).toContain(r.left.field);
        expect(r.left.message).toMatch(/^step \d+: /);
        expect(r.left.message).not.toContain('failed unexpectedly');
      }
    }
  });

  it('an implicit ψ with no finite bound is a Right marked unreliable, its bound left out and said', () => {
    const sol = api.solveLowerLevel(mdp, { kind: 'tabular', S: 2, A: 2 }, Float64Array.from([1e150, -1e150, 1e150, -1e150]), 1);
    if (api.isLeft(sol)) throw new Error(sol.left.message);
    const psi = api.nuScoreOf(sol.right, 'implicit');
    if (api.isLeft(psi)) throw new Error(psi.left.message);
    const rep = psi.right.report;
    expect(rep.reliable).toBe(false);
    expect(rep.errorBound === undefined || Number.isFinite(rep.errorBound)).toBe(true);
    expect(rep.condition === undefined || Number.isFinite(rep.condition)).toBe(true);
    expect(rep.warning).toMatch(/no finite (error bound|condition estimate)/);
  });
});

describe('the MDP builders refuse options they do not know', () => {
  it('a misspelt option is InvalidInput on options.<key>, not silently the default', () => {
    for (const [name, r] of [
      ['garnet', api.garnet({ S: 3, A: 2, branching: 2, seed: 1, gama: 0.5 } as never)],
      ['suttonBartoGridworld', api.suttonBartoGridworld({ gama: 0.5 } as never)],
      ['twoStateChain', api.twoStateChain({ gama: 0.5 } as never)],
      ['forest', api.forest({ gama: 0.5 } as never)],
    ] as const) {
      expect(api.isLeft(r), name).toBe(true);
      if (api.isLeft(r)) expect(r.left.field, name).toBe('options.gama');
    }
    // the known options still work
    expect(api.isRight(api.suttonBartoGridworld({ gamma: 0.5 }))).toBe(true);
  });
});
