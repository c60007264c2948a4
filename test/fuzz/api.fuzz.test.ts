/**
 * Fuzz suite of the public API (issue 15, part 1): every runtime export of src/index.ts is driven
 * with malformed and extreme arguments, and every call must
 *   - never throw;
 *   - for an argument known to be invalid: return a `Left(InvalidInput)` naming that argument's
 *     field (one of the error's problems has it, or a sub-field of it, e.g. `mdp.P`);
 *   - otherwise (valid, possibly extreme arguments): return a `Right` with no NaN or ±∞ anywhere
 *     inside (numbers, Float64Arrays, arrays and object fields, getters read), or a `Left` whose
 *     error has a tag of `ParlError` and a non-empty field.
 * The walk for NaN/±∞ is written here, independently of the library's own guard.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { arbMdp } from '../arbitraries/mdp.js';
import { fcParams } from '../support/fcParams.js';

// ---------------------------------------------------------------------------------------------
// Assertions

/** The path of every NaN or ±∞ inside x (empty when there is none). */
const nonFinitePaths = (x: unknown, path = '$', seen = new Set<unknown>()): string[] => {
  if (typeof x === 'number') return Number.isFinite(x) ? [] : [`${path} = ${x}`];
  if (typeof x !== 'object' || x === null || seen.has(x)) return [];
  seen.add(x);
  if (x instanceof Float64Array || x instanceof Float32Array) {
    const out: string[] = [];
    x.forEach((v, i) => {
      if (!Number.isFinite(v)) out.push(`${path}[${i}] = ${v}`);
    });
    return out;
  }
  if (ArrayBuffer.isView(x)) return [];
  if (Array.isArray(x)) return x.flatMap((v, i) => nonFinitePaths(v, `${path}[${i}]`, seen));
  return Object.keys(x).flatMap((k) => nonFinitePaths((x as Record<string, unknown>)[k], `${path}.${k}`, seen));
};

const TAGS = ['InvalidInput', 'NumericalFailure', 'LimitExceeded'];

/** Arguments with, for each known-invalid one, the field its error must name. */
interface Case {
  readonly args: ReadonlyArray<unknown>;
  readonly bad: ReadonlyArray<string>;
}

/** How often each entry point answered what, so a driver that never reaches a `Right` is noticed. */
const outcomes = new Map<string, { right: number; refusedValid: number; refusedInvalid: number }>();
const tally = (name: string, key: 'right' | 'refusedValid' | 'refusedInvalid'): void => {
  const o = outcomes.get(name) ?? { right: 0, refusedValid: 0, refusedInvalid: 0 };
  o[key]++;
  outcomes.set(name, o);
};

/** Call `f` on a case and check the contract above; returns the result for further checks. */
const check = (name: string, f: (...a: never[]) => unknown, c: Case): unknown => {
  let result: unknown;
  expect(() => {
    result = f(...(c.args as never[]));
  }, `${name} threw`).not.toThrow();
  const r = result as { _tag?: unknown; left?: { _tag?: unknown; field?: unknown; errors?: ReadonlyArray<{ field: string }> }; right?: unknown };
  expect(['Left', 'Right'], `${name} did not return an Either`).toContain(r?._tag);
  if (c.bad.length > 0) {
    expect(r._tag, `${name} accepted invalid ${c.bad.join(', ')}`).toBe('Left');
    expect(r.left?._tag).toBe('InvalidInput');
    const fields = (r.left?.errors ?? []).map((e) => e.field);
    const named = fields.some((f) => c.bad.some((b) => f === b || f.startsWith(`${b}.`)));
    expect(named, `${name}: error fields ${fields.join(', ')} do not name ${c.bad.join(' or ')}`).toBe(true);
    tally(name, 'refusedInvalid');
  } else if (r._tag === 'Left') {
    expect(TAGS).toContain(r.left?._tag);
    expect(typeof r.left?.field === 'string' && r.left.field.length > 0, `${name}: Left without a field`).toBe(true);
    // a throw inside the library, caught by the layer's last resort, is a defect even when it arrives as a Left
    const message = (r.left as { message?: unknown }).message;
    expect(String(message), `${name}: an internal throw reached the caller`).not.toContain('failed unexpectedly');
    tally(name, 'refusedValid');
  } else {
    expect(nonFinitePaths(r.right), `${name} returned NaN/±∞ inside a Right`).toEqual([]);
    tally(name, 'right');
  }
  return result;
};

// ---------------------------------------------------------------------------------------------
// Arbitraries: each yields a value and, when it is invalid, the field it must be reported on

type Arg = { readonly value: unknown; readonly bad: boolean };
const ok = (value: unknown): Arg => ({ value, bad: false });
const bad = (value: unknown): Arg => ({ value, bad: true });

/** Values that are not numbers, or not finite. */
const notANumber = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, null, undefined, '1', true, {}, [], 1n),
  fc.anything().filter((x) => typeof x !== 'number'),
);

/** Finite numbers at the edges of float64. */
const extremeNumber = fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324, 1e-300, 0, -0, 1e150, -1e150);

/** An S×A-like vector of length n: valid (ordinary or extreme entries) or malformed (short, long, NaN/±∞/non-number entry, not an array). */
const vectorArg = (n: number): fc.Arbitrary<Arg> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }).map((x) => ok(Float64Array.from(x))) },
    { weight: 3, arbitrary: fc.array(fc.oneof(extremeNumber, fc.double({ min: -5, max: 5, noNaN: true })), { minLength: n, maxLength: n }).map((x) => ok(Float64Array.from(x))) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(1e308, -1e308), { minLength: n, maxLength: n }).map((x) => ok(Float64Array.from(x))) },
    { weight: 2, arbitrary: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }).map((x) => ok(x)) }, // number[] is accepted
    { weight: 1, arbitrary: fc.constant(bad(new Float64Array(Math.max(0, n - 1)))) }, // one entry short
    { weight: 1, arbitrary: fc.constant(bad(new Float64Array(n + 1))) }, // one entry long
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat({ max: Math.max(0, n - 1) }), fc.constantFrom(NaN, Infinity, -Infinity)).map(([i, v]) => {
        const x = new Float64Array(n);
        x[i] = v;
        return bad(x);
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat({ max: Math.max(0, n - 1) }), notANumber).map(([i, v]) => {
        const x: unknown[] = new Array(n).fill(0);
        x[i] = v;
        return bad(x);
      }),
    },
    { weight: 1, arbitrary: notANumber.filter((x) => !Array.isArray(x)).map(bad) },
  );

/** `vectorArg` with the valid cases three times as likely (for calls with many vector arguments). */
const mostlyValidVector = (n: number): fc.Arbitrary<Arg> =>
  fc.oneof({ weight: 3, arbitrary: vectorArg(n).filter((a) => !a.bad) }, { weight: 1, arbitrary: vectorArg(n) });

/** λ: valid (0, ordinary, extreme) or invalid (negative, NaN, ±∞, not a number). */
const lambdaArg = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 0.1, 1, 1e-300, 5e-324, 1e10, 1e308).map(ok) },
  { weight: 3, arbitrary: fc.double({ min: 1e-3, max: 10, noNaN: true }).map(ok) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, -1e-12, -Infinity, Infinity, NaN, '0.1', null, undefined).map(bad) },
);

/** A valid MDP (small), or a malformed one (raw object with a broken field, or not an object). */
const mdpArg = fc.oneof(
  { weight: 4, arbitrary: arbMdp({ maxS: 4, maxA: 3 }).map(ok) },
  {
    weight: 1,
    arbitrary: fc.tuple(arbMdp({ maxS: 4, maxA: 3 }), fc.constantFrom('S', 'A', 'gamma', 'P', 'rho'), fc.nat(1000)).map(([m, field, k]) => {
      const raw: Record<string, unknown> = { S: m.S, A: m.A, gamma: m.gamma, P: Float64Array.from(m.P), rho: Float64Array.from(m.rho) };
      if (field === 'S' || field === 'A') raw[field] = [0, -1, 1.5, NaN, '2'][k % 5];
      else if (field === 'gamma') raw.gamma = [1, -0.1, NaN, Infinity, 2][k % 5];
      else if (field === 'P') (raw.P as Float64Array)[k % m.P.length] += 0.5; // a row no longer sums to 1
      else raw.rho = new Float64Array(m.S + 1);
      return bad(raw);
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 1, 'mdp', [], {}).map(bad) },
);

/** One of `usual` six times in seven, else one of `rare` (options whose nonsense should not drown the valid runs). */
const mostly = (usual: ReadonlyArray<unknown>, rare: ReadonlyArray<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });

/** Join argument arbitraries into a case; `names[i]` is the field argument i is reported on. */
const caseOf = (names: ReadonlyArray<string>, args: ReadonlyArray<Arg>): Case => ({
  args: args.map((a) => a.value),
  bad: names.filter((_, i) => args[i].bad),
});

/** (mdp, r, θ, λ) with any of them valid, extreme or malformed (r, θ sized for a valid mdp). */
const policyCase = fc.oneof(mdpArg).chain((m) => {
  const mdp = m.value as { S?: unknown; A?: unknown };
  const n = !m.bad ? (mdp.S as number) * (mdp.A as number) : 4;
  return fc.tuple(vectorArg(n), vectorArg(n), lambdaArg).map(([r, theta, lambda]) => caseOf(['mdp', 'r', 'theta', 'lambda'], [m, r, theta, lambda]));
});

/** A reward model for a valid MDP: tabular, linear with k features, or malformed. */
const modelArg = (S: number, A: number): fc.Arbitrary<{ arg: Arg; d: number }> =>
  fc.oneof(
    fc.constant({ arg: ok({ kind: 'tabular', S, A }), d: S * A }),
    fc.integer({ min: 1, max: 3 }).chain((k) =>
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: S * A * k, maxLength: S * A * k }).map((f) => ({ arg: ok({ kind: 'linear', S, A, k, features: Float64Array.from(f) }), d: k }))),
    fc.constantFrom<unknown>(null, { kind: 'tabular', S: S + 1, A }, { kind: 'cubic', S, A }, { kind: 'linear', S, A, k: 0, features: [] }, { kind: 'linear', S, A, k: 1, features: new Float64Array(S * A).fill(NaN) }).map((x) => ({ arg: bad(x), d: S * A })),
  );

/** (mdp, model, ν, λ) for the bilevel entry points. */
const bilevelCase = arbMdp({ maxS: 4, maxA: 3 }).chain((mdp) =>
  modelArg(mdp.S, mdp.A).chain(({ arg, d }) =>
    fc.tuple(vectorArg(d), lambdaArg).map(([nu, lambda]) => caseOf(['mdp', 'model', 'nu', 'lambda'], [ok(mdp), arg, nu, lambda]))),
);

/** Option records for the builders: each field valid, extreme or nonsense. */
const optionValue = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double({ min: -2, max: 2, noNaN: true }), extremeNumber, notANumber);

const RUNS = fcParams(300);

// ---------------------------------------------------------------------------------------------
// Every export is driven

/** The drivers, one per runtime export (the test below checks that none is missing). */
const drivers: Record<string, () => void> = {
  evaluatePolicy: () => fc.assert(fc.property(policyCase, (c) => void check('evaluatePolicy', api.evaluatePolicy, c)), RUNS),
  policyGradient: () => fc.assert(fc.property(policyCase, (c) => void check('policyGradient', api.policyGradient, c)), RUNS),
  hessianJ: () => fc.assert(fc.property(policyCase, (c) => void check('hessianJ', api.hessianJ, c)), RUNS),
  softOptimum: () =>
    fc.assert(fc.property(policyCase, (c) => {
      // (mdp, r, λ); λ = 0 has no θ*: it must be refused on `lambda`
      const [mdp, r, , lambda] = c.args;
      const badFields = c.bad.filter((b) => b !== 'theta');
      check('softOptimum', api.softOptimum, { args: [mdp, r, lambda], bad: lambda === 0 && badFields.length === 0 ? ['lambda'] : badFields });
    }), RUNS),
  plainOptimum: () =>
    fc.assert(fc.property(policyCase, (c) => void check('plainOptimum', api.plainOptimum, { args: [c.args[0], c.args[1]], bad: c.bad.filter((b) => b === 'mdp' || b === 'r') })), RUNS),
  solveLowerLevel: () =>
    fc.assert(fc.property(bilevelCase, (c) => void check('solveLowerLevel', api.solveLowerLevel, { args: c.args, bad: c.args[3] === 0 && c.bad.length === 0 ? ['lambda'] : c.bad })), RUNS),
  policyPointAtOptimum: () =>
    fc.assert(fc.property(bilevelCase, (c) => void check('policyPointAtOptimum', api.policyPointAtOptimum, { args: c.args, bad: c.args[3] === 0 && c.bad.length === 0 ? ['lambda'] : c.bad })), RUNS),
  nuScoreOf: () =>
    fc.assert(fc.property(bilevelCase, fc.constantFrom<unknown>('closed', 'implicit', 'dense', 'exact', undefined, 3), fc.anything(), (c, route, junk) => {
      const sol = api.solveLowerLevel(...(c.args as Parameters<typeof api.solveLowerLevel>));
      const routeBad = route !== undefined && !['closed', 'implicit', 'dense'].includes(route as string);
      if (api.isRight(sol)) check('nuScoreOf', api.nuScoreOf, { args: route === undefined ? [sol.right] : [sol.right, route], bad: routeBad ? ['route'] : [] });
      check('nuScoreOf', api.nuScoreOf, { args: [junk, 'closed'], bad: ['solution'] });
    }), fcParams(60)),
  policyPointOf: () =>
    fc.assert(fc.property(bilevelCase, fc.constantFrom<unknown>('closed', 'implicit', 'dense', 'nope'), fc.anything(), (c, route, junk) => {
      const sol = api.solveLowerLevel(...(c.args as Parameters<typeof api.solveLowerLevel>));
      // the point holds functions (the ν-score VJP); only its numbers are checked
      if (api.isRight(sol)) check('policyPointOf', api.policyPointOf, { args: [sol.right, route], bad: route === 'nope' ? ['route'] : [] });
      check('policyPointOf', api.policyPointOf, { args: [junk], bad: ['solution'] });
    }), fcParams(60)),
  upperLevelExact: () =>
    fc.assert(fc.property(
      arbMdp({ maxS: 3, maxA: 2 }).chain((mdp) =>
        fc.tuple(fc.constant(mdp), vectorArg(mdp.S * mdp.A), vectorArg(mdp.S * mdp.A), fc.oneof(fc.constant(0.3), lambdaArg.map((a) => a.value)),
          fc.constantFrom<unknown>(1, 2, 0, 1.5, NaN, '2'), fc.constantFrom<unknown>({ beta: 1 }, { beta: Infinity, mistake: 0.1 }, { beta: -1 }, null, { beta: 1, colour: 'red' }))),
      fc.boolean(),
      fc.anything(),
      ([mdp, u, nuArg, lambda, H, teacher], additive, junk) => {
        const nu = Float64Array.from({ length: mdp.S * mdp.A }, (_, i) => Math.sin(i + 1));
        const p = api.policyPointAtOptimum(mdp, { kind: 'tabular', S: mdp.S, A: mdp.A }, nu, lambda as number);
        check('upperLevelExact', api.upperLevelExact, { args: [{ kind: 'additive', utility: { kind: 'additive', u: u.value } }, junk], bad: ['point'] });
        if (api.isLeft(p)) return;
        if (additive) {
          check('upperLevelExact', api.upperLevelExact, { args: [{ kind: 'additive', utility: { kind: 'additive', u: u.value } }, p.right], bad: u.bad ? ['spec.utility.u'] : [] });
        } else {
          const Hbad = !(typeof H === 'number' && Number.isInteger(H) && H >= 1);
          const tBad = teacher === null || (teacher as { beta: number }).beta < 0 || 'colour' in (teacher as object);
          const fields = [...(Hbad ? ['spec.H'] : []), ...(tBad ? ['spec.teacher'] : []), ...(nuArg.bad ? ['spec.rTrue'] : [])];
          check('upperLevelExact', api.upperLevelExact, { args: [{ kind: 'preference', teacher, rTrue: nuArg.value, H }, p.right], bad: fields });
        }
        check('upperLevelExact', api.upperLevelExact, { args: [junk, p.right], bad: ['spec'] });
      },
    ), fcParams(60)),
  garnet: () =>
    fc.assert(fc.property(fc.oneof(
      fc.record({ S: fc.integer({ min: 1, max: 6 }), A: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), gamma: fc.oneof(fc.constant(undefined), fc.constantFrom(0, 0.999999), fc.double({ min: 0, max: 0.99, noNaN: true })) })
        .chain((o) => fc.integer({ min: 1, max: o.S }).map((branching): Record<string, unknown> => ({ ...o, branching }))),
      fc.record({ S: optionValue, A: optionValue, branching: optionValue, seed: optionValue, gamma: optionValue }, { requiredKeys: [] }),
    ), (o) => {
      // the documented contract: S, A, branching safe integers ≥ 1, branching ≤ S, S·A·S within the
      // dense limit 2^27 (MAX_DENSE_ENTRIES), seed a safe integer, γ absent or in [0, 1)
      const valid = [o.S, o.A, o.branching].every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 1) &&
        (o.branching as number) <= (o.S as number) && (o.S as number) * (o.A as number) * (o.S as number) <= 2 ** 27 &&
        typeof o.seed === 'number' && Number.isSafeInteger(o.seed) &&
        (o.gamma === undefined || (typeof o.gamma === 'number' && o.gamma >= 0 && o.gamma < 1));
      const r = check('garnet', api.garnet, { args: [o], bad: valid ? [] : ['S', 'A', 'branching', 'seed', 'gamma'] }) as { _tag: string };
      expect(r._tag).toBe(valid ? 'Right' : 'Left');
    }), RUNS),
  validateMdp: () =>
    fc.assert(fc.property(mdpArg, fc.anything(), (m, junk) => {
      check('validateMdp', api.validateMdp, { args: [m.value], bad: m.bad ? ['S', 'A', 'gamma', 'P', 'rho', '$'] : [] });
      check('validateMdp', api.validateMdp, { args: [junk], bad: [] }); // anything: a Left or (by chance) a Right
    }), RUNS),
  suttonBartoGridworld: () =>
    fc.assert(fc.property(fc.oneof(fc.record({ gamma: optionValue }, { requiredKeys: [] }), fc.anything()), (o) => {
      // {gamma}: valid exactly when γ is absent or a number in [0, 1); anything else may go either way
      const rec = typeof o === 'object' && o !== null && !Array.isArray(o) && Object.keys(o).every((k) => k === 'gamma') ? (o as { gamma?: unknown }) : undefined;
      const badGamma = rec !== undefined && 'gamma' in rec && rec.gamma !== undefined && !(typeof rec.gamma === 'number' && rec.gamma >= 0 && rec.gamma < 1);
      void check('suttonBartoGridworld', api.suttonBartoGridworld, { args: [o], bad: badGamma ? ['gamma'] : [] });
    }), RUNS),
  twoStateChain: () =>
    fc.assert(fc.property(fc.oneof(fc.record({ gamma: optionValue, rho: vectorArg(2).map((a) => a.value), reward: vectorArg(4).map((a) => a.value) }, { requiredKeys: [] }), fc.anything()), (o) =>
      void check('twoStateChain', api.twoStateChain, { args: [o], bad: [] })), RUNS),
  forest: () =>
    fc.assert(fc.property(fc.oneof(fc.record({ S: optionValue, r1: optionValue, r2: optionValue, p: optionValue, gamma: optionValue }, { requiredKeys: [] }), fc.anything()), (o) =>
      void check('forest', api.forest, { args: [o], bad: [] })), RUNS),
  runAparl: () =>
    fc.assert(fc.property(
      arbMdp({ maxS: 3, maxA: 2 }).chain((mdp) => {
        const n = mdp.S * mdp.A;
        return fc.record({
          mdp: fc.constant(mdp),
          u: mostlyValidVector(n),
          rTrue: mostlyValidVector(n),
          nu0: mostlyValidVector(n),
          theta0: mostlyValidVector(n),
          preference: fc.boolean(),
          T: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2, 3).map(ok) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, NaN, '2').map(bad) }),
          K: fc.constantFrom(1, 2),
          mode: mostly(['exact', 'sampled', 'oracle', undefined], ['bogus']),
          gradient: mostly(['parl', 'myopic', 'unrolled', 'first-order', 'zeroth-order', undefined], [7]),
          lambda: lambdaArg,
          alpha: mostly([0.5, 0, 1e308, undefined], [-1, NaN]),
          N: mostly([2, 8, undefined], [0]),
          trackTrueGradient: mostly([true, false, undefined], ['yes']),
          junk: fc.anything(),
        });
      }),
      (g) => {
        const m = g.mdp;
        const upper = g.preference
          ? { kind: 'preference', teacher: { beta: 1 }, rTrue: g.u.value, H: 1 }
          : { kind: 'additive', utility: { kind: 'additive', u: g.u.value } };
        const problem = { mdp: m, model: { kind: 'tabular', S: m.S, A: m.A }, upper, rTrue: g.rTrue.value, nu0: g.nu0.value, theta0: g.theta0.value };
        const config: Record<string, unknown> = { T: g.T.value, K: g.K, seed: 3 };
        for (const key of ['mode', 'gradient', 'alpha', 'N', 'trackTrueGradient'] as const) if (g[key] !== undefined) config[key] = g[key];
        config.lambda = g.lambda.value;
        // labelled: the fields generated invalid on their own; combinations of options are left to the contract
        const badFields = [
          ...(g.u.bad ? ['problem.upper'] : []), ...(g.rTrue.bad ? ['problem.rTrue'] : []), ...(g.nu0.bad ? ['problem.nu0'] : []),
          ...(g.theta0.bad ? ['problem.theta0'] : []), ...(g.T.bad ? ['config.T'] : []), ...(g.lambda.bad ? ['config.lambda'] : []),
        ];
        check('runAparl', api.runAparl, { args: [problem, config], bad: badFields });
        check('runAparl', api.runAparl, { args: [g.junk, config], bad: ['problem'] });
      },
    ), fcParams(100)),
  isLeft: () => fc.assert(fc.property(fc.anything(), (x) => void expect(typeof api.isLeft(x as never)).toBe('boolean')), RUNS),
  isRight: () => fc.assert(fc.property(fc.anything(), (x) => void expect(typeof api.isRight(x as never)).toBe('boolean')), RUNS),
  match: () =>
    fc.assert(fc.property(fc.anything(), (x) => {
      const out = api.match((e) => `L:${e.field}`, (a) => `R:${typeof a}`)(x as never);
      expect(out.startsWith('L:') || out.startsWith('R:')).toBe(true);
    }), RUNS),
  getOrElse: () =>
    fc.assert(fc.property(fc.anything(), (x) => {
      const out = api.getOrElse<unknown>((e) => ({ refused: e.field }))(x as never);
      if (!api.isRight(x as never)) expect(out).toHaveProperty('refused');
    }), RUNS),
  formatParlError: () => fc.assert(fc.property(fc.anything(), (x) => void expect(typeof api.formatParlError(x as never)).toBe('string')), RUNS),
  formatSolveReport: () => fc.assert(fc.property(fc.anything(), (x) => void expect(typeof api.formatSolveReport(x as never)).toBe('string')), RUNS),
};

describe('fuzz: every export of src/index.ts on malformed and extreme arguments', () => {
  it('drives every runtime export (no export without a driver, no driver without an export)', () => {
    expect(Object.keys(drivers).sort()).toEqual(Object.keys(api).sort());
  });
  for (const [name, drive] of Object.entries(drivers)) it(name, drive);

  it('every Either-returning entry point was reached with valid arguments (a Right) and refused invalid ones', () => {
    if (process.env.PARL_FUZZ_TALLY !== undefined) console.log(JSON.stringify([...outcomes]));
    const eitherExports = Object.keys(drivers).filter((n) => !['isLeft', 'isRight', 'match', 'getOrElse', 'formatParlError', 'formatSolveReport'].includes(n));
    const missing = eitherExports.filter((n) => (outcomes.get(n)?.right ?? 0) === 0);
    expect(missing, `never returned a Right: ${missing.join(', ')}`).toEqual([]);
    // the builders with optional options are driven with anything (their invalid cases are not labelled)
    const unlabelled = ['suttonBartoGridworld', 'twoStateChain', 'forest'];
    const neverRefused = eitherExports.filter((n) => !unlabelled.includes(n) && (outcomes.get(n)?.refusedInvalid ?? 0) === 0);
    expect(neverRefused, `never given an invalid argument: ${neverRefused.join(', ')}`).toEqual([]);
  });
});
