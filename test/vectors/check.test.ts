import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
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
