import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { formatParlError } from '../../src/errors/parlError.js';
import { plScan, type PlScanOptions, type PlScanResult } from '../../src/kernels/plScan.js';
import { evaluationTolerance } from '../../src/kernels/tolerances.js';
import { FUSED_MAX_S, fusedScanSource } from '../../src/kernels/fusedScanKernel.js';
import { garnet } from '../../src/mdp/index.js';
import { FLOAT32_BACKENDS, sessionFor } from './helpers.js';
import { maxAbs } from '../support/numeric.js';

const js = sessionFor('js');
const built = garnet({ S: 8, A: 3, branching: 3, gamma: 0.9, seed: 4 });
if (E.isLeft(built)) throw new Error('garnet');
const { mdp, reward } = built.right;

const scan = (session: ReturnType<typeof sessionFor>, o: Partial<PlScanOptions>): PlScanResult => {
  const r = plScan(session, { mdp, r: reward, lambda: 0.1, samples: 600, seed: 3, ...o });
  if (E.isLeft(r)) throw new Error(formatParlError(r.left));
  return r.right;
};
const family = (r: PlScanResult, name: string) => {
  const f = r.families.find((x) => x.family === name);
  if (f === undefined) throw new Error(`no family ${name}`);
  return f;
};

describe('PL landscape scan (MATH.md §9), float64', () => {
  it('is deterministic in its seed and reports every sample', () => {
    const a = scan(js, { seed: 9, samples: 240 });
    const b = scan(js, { seed: 9, samples: 240 });
    expect(Array.from(a.J)).toEqual(Array.from(b.J));
    expect(a.pl).toEqual(b.pl);
    expect(a.families.reduce((n, f) => n + f.samples, 0)).toBe(240);
    expect(a.run).toMatchObject({ backend: 'js', kernelClass: 'Float64Loop', precision: 'float64' });
    expect(scan(js, { seed: 10, samples: 240 }).J[0]).not.toBe(a.J[0]);
  });

  it('λ = 0: the PL ratio collapses near the optimum while Mei et al.’s non-uniform Łojasiewicz bound holds everywhere', () => {
    const r = scan(js, { lambda: 0 });
    for (const f of r.families) expect(f.meiViolations, f.family).toBe(0);
    // closer to the deterministic optimum, ‖∇J‖² shrinks faster than the gap: no uniform PL constant
    expect(family(r, 'near optimum c=16').minPl).toBeLessThan(1e-3 * family(r, 'near optimum c=4').minPl);
    // the smallest PL ratio of the whole scan is of that collapsed size (which family attains it depends on the draw:
    // near-deterministic policies on plateaus, e.g. wide gaussian logits, collapse too)
    expect(r.pl.min).toBeLessThan(1e-3 * family(r, 'near optimum c=4').minPl);
    for (let i = 0; i < r.samples; i++) expect(r.Jstar - r.J[i]).toBeGreaterThan(-1e-9);
  });

  it('λ > 0: near the soft optimum the PL ratio stays bounded away from 0', () => {
    const r = scan(js, { lambda: 0.1 });
    const c4 = family(r, 'near optimum c=4').minPl;
    const c16 = family(r, 'near optimum c=16').minPl;
    expect(c16).toBeGreaterThan(0.3 * c4);
    expect(c16).toBeGreaterThan(1e-3);
    for (const f of r.families) expect(f.meiViolations).toBeNull();
  });

  it('rejects an unusable λ or sample count', () => {
    const badLambda = plScan(js, { mdp, r: reward, lambda: -1 });
    expect(E.isLeft(badLambda)).toBe(true);
    if (E.isLeft(badLambda)) expect(badLambda.left).toMatchObject({ _tag: 'InvalidInput', field: 'lambda' });
    const badSamples = plScan(js, { mdp, r: reward, lambda: 0.1, samples: 0 });
    expect(E.isLeft(badSamples)).toBe(true);
    if (E.isLeft(badSamples)) expect(badSamples.left).toMatchObject({ _tag: 'InvalidInput', field: 'samples' });
  });
});

describe.each(FLOAT32_BACKENDS)('PL scan on %s vs the float64 path', (backend) => {
  const k = sessionFor(backend);

  it.each([
    [0.1, 'fused'],
    [0, 'fused'],
    [0.1, 'elimination'],
    [0, 'elimination'],
  ] as const)('λ = %s, %s kernels: the empirical constants agree within the float32 error bound', (lambda, structure) => {
    // families whose gaps are far above float32 resolution (at λ > 0, c = 4 already comes within 5e-3 of J*)
    const o = { lambda, closeness: lambda > 0 ? [1] : [1, 4], samples: 500, structure };
    const ref = scan(js, o);
    const f32 = scan(k, o);
    expect(f32.structure).toBe(structure);
    expect(ref.structure).toBe('float64 loop');
    expect(f32.run).toMatchObject({ backend, precision: 'float32' });
    expect(f32.run.launches).toBeGreaterThan(0);
    // per-sample bounds from evaluationTolerance: |δJ| ≤ rtol·scale, |δ∂J| ≤ rtol·4·scale/(1−γ)
    const { S, A, gamma } = mdp;
    const rtol = evaluationTolerance(S, A, gamma).rtol;
    const rmax = maxAbs(reward);
    const scale = Math.max(1, (rmax + lambda * Math.log(A)) / (1 - gamma));
    const dJ = rtol * scale;
    const dG = Math.sqrt(S * A) * ((4 * rtol * scale) / (1 - gamma));
    let boundPl = 0;
    let boundLoj = 0;
    for (let i = 0; i < ref.samples; i++) {
      const gap = ref.Jstar - ref.J[i];
      expect(gap).toBeGreaterThan(2 * dJ);
      expect(Math.abs(f32.J[i] - ref.J[i])).toBeLessThanOrEqual(dJ);
      const g = Math.sqrt(ref.gradNormSq[i]);
      expect(Math.abs(Math.sqrt(f32.gradNormSq[i]) - g)).toBeLessThanOrEqual(dG);
      boundPl = Math.max(boundPl, (2 * g * dG + dG * dG) / (gap - dJ) + (ref.gradNormSq[i] / gap) * (dJ / (gap - dJ)));
      boundLoj = Math.max(boundLoj, dG / (gap - dJ) + (g / gap) * (dJ / (gap - dJ)));
    }
    expect(Math.abs(f32.pl.min - ref.pl.min)).toBeLessThanOrEqual(boundPl);
    expect(Math.abs(f32.lojasiewicz.min - ref.lojasiewicz.min)).toBeLessThanOrEqual(boundLoj);
    // in practice float32 agrees far better than the bound
    expect(Math.abs(f32.pl.min - ref.pl.min)).toBeLessThanOrEqual(1e-3 * ref.pl.min + 1e-9);
    if (lambda === 0) for (const f of f32.families) expect(f.meiViolations).toBe(0);
  });
});

describe('the fused per-θ scan kernel', () => {
  const k = sessionFor('webasm');

  it('gives the same bits in launches of 64 θ as in one launch (webasm)', () => {
    const one = scan(k, { samples: 300, structure: 'fused' });
    const many = scan(k, { samples: 300, structure: 'fused', batchSize: 64 });
    expect(many.run.chunks).toBe(5);
    expect(one.run.chunks).toBe(1);
    expect(Array.from(many.J)).toEqual(Array.from(one.J));
    expect(Array.from(many.gradNormSq)).toEqual(Array.from(one.gradNormSq));
  });

  it('is generated for S ≤ 16 with every constant typed as a float, and refuses larger S', () => {
    const src = fusedScanSource({ mdp, r: reward, lambda: 0.25 });
    expect(src.startsWith('function (theta) {')).toBe(true);
    expect(src).toContain('return [J, g2, mei];');
    expect(src).not.toMatch(/[^\w.]\d+ \* p\d/); // no integer literal multiplies a probability
    const big = garnet({ S: FUSED_MAX_S + 1, A: 2, branching: 2, seed: 1 });
    if (E.isLeft(big)) throw new Error('garnet');
    expect(() => fusedScanSource({ mdp: big.right.mdp, r: big.right.reward, lambda: 0 })).toThrow(/S ≤ 16/);
  });
});
