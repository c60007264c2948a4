import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { NU_SCORE_ROUTES } from '../../src/nuScore/routes.js';
import { parseVector } from '../../src/vectors/schema.js';
import { checkVectorText, firstMismatch } from '../../src/vectors/check.js';
import { runParl } from '../support/cli.js';

const REF = 'spec/vectors/reference';
const refFiles = readdirSync(REF).filter((f) => f.endsWith('.json')).sort().map((f) => join(REF, f));
const CORE_FIELDS = 'pi,V,Q,adv,d,J,gradJ';
const tmp = mkdtempSync(join(tmpdir(), 'parl-vectors-'));

const writeVariant = (name: string, src: string, edit: (j: any) => void): string => {
  const j = JSON.parse(readFileSync(src, 'utf8'));
  edit(j);
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(j));
  return path;
};

describe('parl vectors check on the independent reference vectors', () => {
  it('holds all 12 reference vectors', () => {
    expect(refFiles.length).toBe(12);
  });

  it(`passes --fields ${CORE_FIELDS} on every reference vector`, () => {
    const run = runParl('vectors', 'check', '--fields', CORE_FIELDS, ...refFiles);
    expect(run.stdout).toContain('12 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  it('fails a deliberately corrupted copy, naming the field and index', () => {
    const src = join(REF, 'p01-garnet-g09-l01.json');
    const bad = writeVariant('corrupt-V.json', src, (j) => {
      // 1e-6 relative is 10× the file's rel tolerance of 1e-7
      j.expected.V[2] *= 1 + 1e-6;
    });
    const run = runParl('vectors', 'check', '--fields', CORE_FIELDS, src, bad);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('1 passed, 1 failed');
    expect(run.stdout).toMatch(/FAIL V\[2\]: expected/);
  });

  it('passes --fields thetaStar,piStar,VStar,hessJ,psi on every reference vector (lower level)', () => {
    const run = runParl('vectors', 'check', '--fields', 'thetaStar,piStar,VStar,hessJ,psi', ...refFiles);
    expect(run.stdout).toContain('12 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  it('passes every field (G, gradG, gradGMyopic included) on every reference vector', () => {
    const run = runParl('vectors', 'check', ...refFiles);
    expect(run.stdout).toContain('12 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  it('counts a field that cannot be computed as a failure, never a pass (θ* at λ = 0)', () => {
    const src = join(REF, 'p03-garnet-g09-l0.json');
    const withTheta = writeVariant('theta-star-at-lambda-0.json', src, (j) => {
      j.expected.thetaStar = new Array(j.mdp.S * j.mdp.A).fill(0);
    });
    const run = runParl('vectors', 'check', '--fields', 'pi,thetaStar', withTheta);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL thetaStar: .*does not exist at λ = 0/);
  });

  it('reports malformed files by path and field and counts them as failed, without crashing', () => {
    const src = join(REF, 'p02-garnet-g05-l1-linear.json');
    const cases: Array<[string, (j: any) => void, RegExp]> = [
      ['missing-rho.json', (j) => delete j.mdp.rho, /mdp\.rho: missing/],
      ['short-theta.json', (j) => j.theta.pop(), /theta: wrong length: expected 10, got 9/],
      ['nan-q.json', (j) => (j.expected.Q[3] = 'NaN'), /expected\.Q\[3\]: not a finite number/],
      ['bad-row.json', (j) => (j.mdp.P[0] += 0.5), /mdp\.P\[0,0\]/],
      ['unknown-field.json', (j) => (j.expected.foo = [1]), /expected\.foo: unknown field/],
      ['bad-tol.json', (j) => (j.tolerance = { rel: -1, abs: 0 }), /tolerance\.rel/],
    ];
    const paths = cases.map(([name, edit]) => writeVariant(name, src, edit));
    const notJson = join(tmp, 'not-json.json');
    writeFileSync(notJson, '{ "id": "x", ');
    const run = runParl('vectors', 'check', ...paths, notJson, join(tmp, 'does-not-exist.json'));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`0 passed, ${cases.length + 2} failed`);
    for (const [name, , pattern] of cases) {
      const line = run.stdout.split('\n').find((l) => l.includes(name));
      expect(line, name).toBeDefined();
      expect(line).toMatch(pattern);
    }
    expect(run.stdout).toMatch(/not-json\.json: FAIL malformed file: \$: malformed JSON/);
    expect(run.stdout).toMatch(/does-not-exist\.json: FAIL malformed file: \$: cannot read file/);
  });

  it('--json prints machine-readable results; unknown fields and missing files are usage errors', () => {
    const run = runParl('vectors', 'check', '--json', '--fields', 'J', join(REF, 'p04-chain2-g09-l01.json'));
    const parsed = JSON.parse(run.stdout);
    expect(parsed.passed).toBe(1);
    expect(parsed.results[0].fieldsChecked).toEqual(['J']);
    expect(runParl('vectors', 'check', '--fields', 'nope', refFiles[0]).status).toBe(2);
    expect(runParl('vectors', 'check').status).toBe(2);
  });
});

describe('vector schema and comparison', () => {
  it('parses every reference vector', () => {
    for (const f of refFiles) expect(E.isRight(parseVector(readFileSync(f, 'utf8'))), f).toBe(true);
  });

  it('firstMismatch uses |x − e| ≤ abs + rel·|e| and fails NaN', () => {
    const tol = { rel: 1e-7, abs: 1e-9 };
    expect(firstMismatch(Float64Array.of(1, 100), Float64Array.of(1 + 1e-9, 100 + 1e-5 + 1e-9 * 0.5), tol)).toBeUndefined();
    expect(firstMismatch(Float64Array.of(1, 100), Float64Array.of(1, 100 + 1.02e-5), tol)?.index).toBe(1);
    expect(firstMismatch(Float64Array.of(0), Float64Array.of(NaN), tol)?.index).toBe(0);
  });

  it('a malformed text never throws', () => {
    for (const text of ['', 'null', '[]', '{"mdp": 3}', '{"mdp": {"S": 1e12, "A": 1, "gamma": 0.5, "P": [], "rho": []}}']) {
      const res = checkVectorText('x.json', text);
      expect(res.ok).toBe(false);
      expect(res.malformed?.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// --route: every route over the repository's two sets, and the solve reports it prints
// ---------------------------------------------------------------------------------------------

const GEN = 'spec/vectors/generated';
const genFiles = readdirSync(GEN).filter((f) => f.endsWith('.json')).sort().map((f) => join(GEN, f));
const allFiles = [...refFiles, ...genFiles];

/** `SolveReport` as `--json` prints it (non-finite numbers become strings, see solveReportJson). */
interface SolveJson {
  readonly quantity: string;
  readonly route: string;
  readonly converged: boolean;
  readonly relativeResidual: number | string;
  readonly iterations: number;
  readonly errorBound?: number | string;
  readonly condition?: number | string;
  readonly reliable: boolean;
  readonly warning?: string;
}
interface CaseJson {
  readonly path: string;
  readonly id: string;
  readonly ok: boolean;
  readonly fieldsChecked: string[];
  readonly failures: Array<{ field: string }>;
  readonly route: string;
  readonly solves: SolveJson[];
}
interface CheckJson {
  readonly route: string;
  readonly passed: number;
  readonly failed: number;
  readonly results: CaseJson[];
}

const SOLVE_KEYS = ['quantity', 'route', 'converged', 'relativeResidual', 'iterations', 'errorBound', 'condition', 'reliable', 'warning'];
const REQUIRED_SOLVE_KEYS = ['quantity', 'route', 'converged', 'relativeResidual', 'iterations', 'reliable'];
const SOLVE_ROUTES = ['lu', 'soft-optimum', 'plain-optimum', 'closed', 'implicit', 'dense'];
/** The fields a ν-score route can change: ψ itself and the gradients of G built from it. */
const PSI_DEPENDENT = ['psi', 'gradG', 'gradGMyopic'];

/** One `--json` run and one text run per route over both sets, shared by the tests below. */
const cache = new Map<string, { json: CheckJson; jsonStatus: number; text: string[]; textStatus: number }>();
const checkAll = (route: string) => {
  let c = cache.get(route);
  if (c === undefined) {
    const j = runParl('vectors', 'check', '--route', route, '--json', ...allFiles);
    const t = runParl('vectors', 'check', '--route', route, ...allFiles);
    c = { json: JSON.parse(j.stdout) as CheckJson, jsonStatus: j.status, text: t.stdout.split('\n'), textStatus: t.status };
    cache.set(route, c);
  }
  return c;
};
const firstUnreliable = (r: CaseJson): SolveJson | undefined => r.solves.find((s) => !s.reliable);
/** The JSON spelling of a non-finite bound or condition (solveReportJson keeps them as strings). */
const isNumberOrInfinity = (x: unknown): boolean => (typeof x === 'number' && x >= 0) || x === 'Infinity';

describe('parl vectors check --route over the reference and generated sets', () => {
  it('holds 12 reference and 24 generated vectors (the sets the route tests run on)', () => {
    expect(refFiles.length).toBe(12);
    expect(genFiles.length).toBe(24);
  });

  it('--route closed (and the default) passes every case of both sets', () => {
    const { json, jsonStatus, text, textStatus } = checkAll('closed');
    expect(json.route).toBe('closed');
    expect(json.results.filter((r) => !r.ok).map((r) => r.id)).toEqual([]);
    expect([json.passed, json.failed]).toEqual([allFiles.length, 0]);
    expect(jsonStatus).toBe(0);
    expect(textStatus).toBe(0);
    expect(text).toContain(`${allFiles.length} passed, 0 failed`);
    const byDefault = runParl('vectors', 'check', ...allFiles);
    expect(byDefault.status).toBe(0);
    expect(byDefault.stdout.split('\n')).toEqual(text);
  });

  for (const route of NU_SCORE_ROUTES) {
    it(`--route ${route} --json: every case lists its solves with the documented fields, ψ solved by that route`, () => {
      const { json } = checkAll(route);
      expect(json.route).toBe(route);
      expect(json.results.map((r) => r.path)).toEqual(allFiles);
      expect(json.passed).toBe(json.results.filter((r) => r.ok).length);
      expect(json.failed).toBe(json.results.length - json.passed);
      for (const r of json.results) {
        expect(r.route, r.id).toBe(route);
        // VStar is in every vector, so at least the optimum solve is reported
        expect(r.solves.length, r.id).toBeGreaterThan(0);
        for (const s of r.solves) {
          const where = `${r.id}: ${JSON.stringify(s)}`;
          for (const k of Object.keys(s)) expect(SOLVE_KEYS, where).toContain(k);
          for (const k of REQUIRED_SOLVE_KEYS) expect(s, where).toHaveProperty(k);
          expect(typeof s.quantity === 'string' && s.quantity.length > 0, where).toBe(true);
          expect(SOLVE_ROUTES, where).toContain(s.route);
          expect(typeof s.converged, where).toBe('boolean');
          expect(typeof s.reliable, where).toBe('boolean');
          // a residual is a plain number on every case of both sets (a non-finite one would be printed as a string)
          expect(typeof s.relativeResidual, where).toBe('number');
          expect(Number.isFinite(s.relativeResidual) && (s.relativeResidual as number) >= 0, where).toBe(true);
          expect(Number.isInteger(s.iterations) && s.iterations >= 0, where).toBe(true);
          if (s.errorBound !== undefined) expect(isNumberOrInfinity(s.errorBound), where).toBe(true);
          if (s.condition !== undefined) expect(isNumberOrInfinity(s.condition), where).toBe(true);
          if (s.warning !== undefined) expect(typeof s.warning, where).toBe('string');
          // an unreliable solve says why
          if (!s.reliable) expect(s.warning, where).toBeTruthy();
        }
        if (r.fieldsChecked.includes('psi')) {
          expect(r.solves.some((s) => s.quantity === 'psi' && s.route === route), `${r.id}: a psi solve by ${route}`).toBe(true);
        }
      }
    });

    it(`--route ${route}: exit 0 iff every case passes, per case and for the whole set; each line names the first unreliable solve`, () => {
      const { json, jsonStatus, text, textStatus } = checkAll(route);
      const expectedStatus = json.failed === 0 ? 0 : 1;
      expect(jsonStatus).toBe(expectedStatus);
      expect(textStatus).toBe(expectedStatus);
      expect(text[text.length - 1]).toBe(`${json.passed} passed, ${json.failed} failed`);
      for (const r of json.results) {
        const line = text.find((l) => l.startsWith(`${r.id}: `));
        expect(typeof line, `no line for ${r.id}`).toBe('string');
        expect(line!.startsWith(`${r.id}: ${r.ok ? 'pass' : 'FAIL'}`), line).toBe(true);
        const flagged = firstUnreliable(r);
        if (flagged === undefined) expect(line).not.toContain('unreliable solve');
        else expect(line).toContain(`; unreliable solve: ${flagged.quantity} (${flagged.route}): `);
        // alone, the case decides the exit status: a flagged solve on a passing case does not change it
        const alone = runParl('vectors', 'check', '--route', route, r.path);
        expect(alone.status, `${r.id} alone`).toBe(r.ok ? 0 : 1);
        expect(alone.stdout.split('\n')[0]).toBe(line);
      }
    });
  }

  for (const route of NU_SCORE_ROUTES.filter((r) => r !== 'closed')) {
    it(`--route ${route}: every failing case has an unreliable solve, and only ψ-dependent fields fail`, () => {
      const { json } = checkAll(route);
      // measured: 15 failures on each of implicit and dense, all generated (λ ≤ 0.03 or
      // near-deterministic θ: near-deterministic π*, unvisited states, κ ≥ 1e10), each with an
      // unreliable psi solve; the 12 reference cases pass on both routes
      for (const r of json.results.filter((x) => !x.ok)) {
        // a failing case whose solves all claim to be reliable is a bug in parl-ts
        expect(r.solves.filter((s) => !s.reliable).length, `${r.id}: ${JSON.stringify(r.solves)}`).toBeGreaterThan(0);
        for (const f of r.failures) expect(PSI_DEPENDENT, `${r.id} fails ${f.field}`).toContain(f.field);
      }
    });
  }

  it('an unknown route is a usage error (exit 2) naming the known routes, before any check', () => {
    const run = runParl('vectors', 'check', '--route', 'newton', ...refFiles);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown route "newton"');
    for (const r of NU_SCORE_ROUTES) expect(run.stderr).toContain(r);
    expect(runParl('vectors', 'check', '--json', '--route', '', refFiles[0]).status).toBe(2);
  });

  it('a passing case with an unreliable solve exits 0 and names the solve (G of a near-deterministic π* by implicit and dense)', () => {
    // s1-009 (a preference case, γ = 0.95, λ = 0.03): π* is near-deterministic, so the ψ·w solve
    // behind G's report is flagged on both routes (implicit: not converged; dense: a numerically zero
    // Hessian block), while G and π* themselves do not depend on the route and pass
    const file = join(GEN, 's1-009-preference-S2A2-g0.95-l0.03-lin-neardet-H2b5.json');
    for (const route of ['implicit', 'dense']) {
      const text = runParl('vectors', 'check', '--route', route, '--fields', 'G,piStar', file);
      expect(text.status, text.stdout).toBe(0);
      expect(text.stdout).toContain('1 passed, 0 failed');
      expect(text.stdout).toMatch(new RegExp(`: pass \\(piStar,G\\); unreliable solve: psi·w \\(${route}\\): .*UNRELIABLE`));
      const json = runParl('vectors', 'check', '--route', route, '--fields', 'G,piStar', '--json', file);
      expect(json.status).toBe(0);
      const parsed = JSON.parse(json.stdout) as CheckJson;
      expect(parsed.results[0].ok).toBe(true);
      expect(parsed.results[0].solves.some((s) => s.quantity === 'psi·w' && s.route === route && !s.reliable)).toBe(true);
      // beside a failing case, the same flagged pass does not turn the exit status to 1 by itself
      const corrupt = writeVariant(`s1-009-corrupt-G-${route}.json`, file, (j) => {
        j.expected.G *= 2;
      });
      expect(runParl('vectors', 'check', '--route', route, '--fields', 'G,piStar', file, corrupt).status).toBe(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Cases of size one: S = 1, A = 1, k = 1, with every field from hand formulas (not parl-ts code)
// ---------------------------------------------------------------------------------------------

/**
 * The tolerance of the hand-made fixtures. Every expected value is a closed formula evaluated
 * in float64 with O(1) terms (log-sum-exp with the maximum subtracted, no solve), so it is
 * within a few ulps of the exact value; parl-ts reaches them through LU solves of size ≤ 2 and
 * the soft optimum, whose stopping rule is a relative residual of τ = 1e-12 (MATH.md §5).
 * rel = 1e-9 is the tightest rel of the generator's rule (REL_MIN, 1000·τ: room for the optimum's
 * stopping point and the 1/(1−γ) ≤ 10 amplification); abs = 1e-12 covers the fields that are
 * exactly 0 (adv, ∇J, ∇²J, θ*, ψ and ∇G of a single action; the myopic gradient), where parl-ts
 * rounds values of size ≤ 10. Measured on every route: the largest error is 3.2e-14 absolute
 * (ψ and ∇G of the bandits by the dense route) and 1.6e-14 relative; the single-action fields
 * are exact. A formula error (a missing 1/λ or 1/(1−γ), a sign) is off by 1e-2 or more.
 */
const FIXTURE_TOLERANCE = { rel: 1e-9, abs: 1e-12 };

const logSumExp = (xs: ReadonlyArray<number>): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((acc, x) => acc + Math.exp(x - m), 0));
};
const dot = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => a.reduce((acc, x, i) => acc + x * b[i], 0);

interface OneStateSpec {
  readonly id: string;
  readonly gamma: number;
  readonly lambda: number;
  /** Φ, A rows of k features; `tabular` means Φ = I (r = ν). */
  readonly phi: ReadonlyArray<ReadonlyArray<number>>;
  readonly tabular: boolean;
  readonly nu: ReadonlyArray<number>;
  readonly theta: ReadonlyArray<number>;
  readonly u: ReadonlyArray<number>;
}

/**
 * A one-state MDP whose every action loops back (a bandit with discount): with c_a = r_a − λ log π_a
 * and c̄ = Σ π c, V = c̄/(1−γ), Q = r + γV, Adv = c − c̄, d = 1, J = V, ∇J = π·Adv/(1−γ),
 * ∇²J[b,e] = (π_b(δ_be − π_e)(Adv_b − λ) − π_b π_e Adv_e)/(1−γ); at the optimum π* = softmax(r/λ),
 * V* = λ·logΣexp(r/λ)/(1−γ), θ* = r/λ − logΣexp(r/λ), ψ[a] = (Φ_a − Σ_b π*_b Φ_b)/λ, and for the
 * additive utility G = Σ π* u/(1−γ), ∇G = Σ_a π*_a (u_a − ū) ψ[a]/(1−γ), the myopic gradient 0.
 * With A = 1 all of it collapses to π ≡ 1, ψ ≡ 0, V = r/(1−γ).
 */
const oneStateVector = (c: OneStateSpec): object => {
  const A = c.theta.length;
  const k = c.nu.length;
  const { gamma, lambda } = c;
  const r = c.phi.map((row) => dot(row, c.nu));
  const lseTheta = logSumExp(c.theta);
  const logPi = c.theta.map((t) => t - lseTheta);
  const pi = logPi.map(Math.exp);
  const cost = r.map((x, a) => x - lambda * logPi[a]);
  const cBar = dot(pi, cost);
  const V = cBar / (1 - gamma);
  const adv = cost.map((x) => x - cBar);
  const hessJ: number[] = [];
  for (let b = 0; b < A; b++) {
    for (let e = 0; e < A; e++) {
      hessJ.push((pi[b] * ((b === e ? 1 : 0) - pi[e]) * (adv[b] - lambda) - pi[b] * pi[e] * adv[e]) / (1 - gamma));
    }
  }
  const scaled = r.map((x) => x / lambda);
  const lseR = logSumExp(scaled);
  const thetaStar = scaled.map((x) => x - lseR);
  const piStar = thetaStar.map(Math.exp);
  const phiBar = Array.from({ length: k }, (_, i) => dot(piStar, c.phi.map((row) => row[i])));
  const psi = c.phi.flatMap((row) => row.map((x, i) => (x - phiBar[i]) / lambda));
  const uBar = dot(piStar, c.u);
  const gradG = Array.from({ length: k }, (_, i) => c.u.reduce((acc, ua, a) => acc + piStar[a] * (ua - uBar) * psi[a * k + i], 0) / (1 - gamma));
  return {
    id: c.id,
    description: `one state, ${A} self-looping action(s), every field by hand formulas`,
    mdp: { S: 1, A, gamma, P: new Array(A).fill(1), rho: [1] },
    reward: c.tabular ? { kind: 'tabular' } : { kind: 'linear', k, features: c.phi.flat() },
    nu: c.nu,
    lambda,
    theta: c.theta,
    utility: { kind: 'additive', u: c.u },
    expected: {
      pi, V: [V], Q: r.map((x) => x + gamma * V), adv, d: [1], J: V,
      gradJ: pi.map((p, a) => (p * adv[a]) / (1 - gamma)), hessJ,
      thetaStar, piStar, VStar: [(lambda * lseR) / (1 - gamma)], psi,
      G: uBar / (1 - gamma), gradG, gradGMyopic: new Array(k).fill(0),
    },
    tolerance: FIXTURE_TOLERANCE,
  };
};

/**
 * Two states, one action, k = 1 (r = φν): a Markov chain with P, so V = M⁻¹r with M = I − γP by the
 * 2×2 inverse, Q = V, d = (1−γ)ρᵀM⁻¹, J = ρᵀV; the optimum is the same chain (V* = V, θ* = 0,
 * π* = 1), ψ ≡ 0, G = ρᵀM⁻¹u and ∇G = 0; ∇J and ∇²J vanish (θ changes nothing).
 */
const singleActionChain = (): object => {
  const gamma = 0.8;
  const P = [[0.3, 0.7], [0.6, 0.4]];
  const rho = [0.25, 0.75];
  const phi = [1, -2];
  const nu = [0.5];
  const u = [2, -1];
  const m = [[1 - gamma * P[0][0], -gamma * P[0][1]], [-gamma * P[1][0], 1 - gamma * P[1][1]]];
  const det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const inv = [[m[1][1] / det, -m[0][1] / det], [-m[1][0] / det, m[0][0] / det]];
  const solve = (x: number[]): number[] => [dot(inv[0], x), dot(inv[1], x)];
  const r = phi.map((f) => f * nu[0]);
  const V = solve(r);
  const d = [0, 1].map((s) => (1 - gamma) * (rho[0] * inv[0][s] + rho[1] * inv[1][s]));
  return {
    id: 'hand-S2A1-k1-chain',
    description: 'two states, one action, one feature, every field by hand formulas',
    mdp: { S: 2, A: 1, gamma, P: P.flat(), rho },
    reward: { kind: 'linear', k: 1, features: phi },
    nu,
    lambda: 0.7,
    theta: [0.3, -2],
    utility: { kind: 'additive', u },
    expected: {
      pi: [1, 1], V, Q: [0, 1].map((s) => r[s] + gamma * dot(P[s], V)), adv: [0, 0], d, J: dot(rho, V),
      gradJ: [0, 0], hessJ: [0, 0, 0, 0], thetaStar: [0, 0], piStar: [1, 1], VStar: V, psi: [0, 0],
      G: dot(rho, solve(u)), gradG: [0], gradGMyopic: [0],
    },
    tolerance: FIXTURE_TOLERANCE,
  };
};

const fixtures: Array<{ name: string; json: object; singleAction: boolean }> = [
  {
    name: 'hand-S1A2-tabular-bandit',
    singleAction: false,
    json: oneStateVector({
      id: 'hand-S1A2-tabular-bandit', gamma: 0.9, lambda: 0.5, tabular: true,
      phi: [[1, 0], [0, 1]], nu: [0.7, -0.4], theta: [0.3, -1.1], u: [1.5, -0.5],
    }),
  },
  {
    name: 'hand-S1A3-k1-bandit',
    singleAction: false,
    json: oneStateVector({
      id: 'hand-S1A3-k1-bandit', gamma: 0.5, lambda: 0.2, tabular: false,
      phi: [[1], [-0.5], [2]], nu: [0.3], theta: [0, 0.5, -0.5], u: [0.2, 1, -1],
    }),
  },
  {
    name: 'hand-S1A1-k1',
    singleAction: true,
    json: oneStateVector({
      id: 'hand-S1A1-k1', gamma: 0.9, lambda: 0.1, tabular: false,
      phi: [[2]], nu: [-0.75], theta: [0.4], u: [3],
    }),
  },
  { name: 'hand-S2A1-k1-chain', singleAction: true, json: singleActionChain() },
];
const fixturePath = (name: string): string => join(tmp, `${name}.json`);
for (const f of fixtures) writeFileSync(fixturePath(f.name), JSON.stringify(f.json));

describe('parl vectors check on cases of size one (S = 1, A = 1, k = 1; expected values by hand formulas)', () => {
  it('the fixtures are well-formed vectors with every field', () => {
    for (const f of fixtures) {
      const parsed = parseVector(readFileSync(fixturePath(f.name), 'utf8'));
      expect(E.isRight(parsed), f.name).toBe(true);
    }
  });

  for (const route of NU_SCORE_ROUTES) {
    it(`--route ${route}: every fixture passes every field, and every solve is reliable`, () => {
      const run = runParl('vectors', 'check', '--route', route, '--json', ...fixtures.map((f) => fixturePath(f.name)));
      const parsed = JSON.parse(run.stdout) as CheckJson;
      for (const [i, f] of fixtures.entries()) {
        const r = parsed.results[i];
        expect(r.failures, `${f.name}: ${JSON.stringify(r.failures)}`).toEqual([]);
        expect(r.fieldsChecked.length, f.name).toBe(15);
        expect(r.solves.some((s) => s.quantity === 'psi' && s.route === route), f.name).toBe(true);
        // a single action leaves nothing to invert (H = 0, ψ = 0); the bandits' Hessian blocks are
        // 2×2 and 3×3 with π* far from deterministic (measured κ ≤ 43), so a flag would be a false alarm
        expect(r.solves.filter((s) => !s.reliable), f.name).toEqual([]);
        if (f.singleAction && route !== 'closed') {
          // with one action M = ∇²_θν J = 0: an exact zero problem, whose residual is 0 by definition
          const implicitSolves = r.solves.filter((s) => s.route === route);
          expect(implicitSolves.length, f.name).toBeGreaterThan(0);
          for (const s of implicitSolves) expect(s.relativeResidual, `${f.name}: ${s.quantity}`).toBe(0);
        }
      }
      expect([parsed.passed, parsed.failed]).toEqual([fixtures.length, 0]);
      expect(run.status).toBe(0);
    });
  }

  it('the fixtures can fail: a hand value off by a formula error is caught on every route', () => {
    const src = fixturePath('hand-S1A2-tabular-bandit');
    // ψ without its 1/λ (λ = 0.5: every entry off by a factor 2), V* without its 1/(1−γ)
    const noLambda = writeVariant('hand-psi-without-1-over-lambda.json', src, (j) => {
      j.expected.psi = j.expected.psi.map((x: number) => x * j.lambda);
    });
    const noHorizon = writeVariant('hand-vstar-without-horizon.json', src, (j) => {
      j.expected.VStar = j.expected.VStar.map((x: number) => x * (1 - j.mdp.gamma));
    });
    for (const route of NU_SCORE_ROUTES) {
      const run = runParl('vectors', 'check', '--route', route, noLambda, noHorizon);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('0 passed, 2 failed');
      expect(run.stdout).toMatch(/hand-S1A2-tabular-bandit: FAIL psi\[0\]/);
      expect(run.stdout).toMatch(/hand-S1A2-tabular-bandit: FAIL VStar\[0\]/);
    }
  });
});
