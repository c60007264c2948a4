/**
 * The explorable page's pure parts in Node (src/explore): plain decimals, the problems and their
 * validation, the ∇G split, the gpu.js softmax check on gpu.js's cpu mode, the HTML helpers and the
 * bundle. The page in a real browser is test/browser/explore.test.ts.
 */
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { solveLowerLevel } from '../../src/lowerLevel/lowerSolution.js';
import { upperLevelExact } from '../../src/upperLevel/objective.js';
import { policyPointOf } from '../../src/upperLevel/policyPoint.js';
import { unrolledStepSize } from '../../src/experiments/hypergradients.js';
import { bundleExploreScript, inlineScript } from '../../src/explore/build.js';
import { plainDecimal, shortNumber } from '../../src/explore/format.js';
import { gpuBatchLogits, gpuSoftmaxCheck, openBrowserGpu, GPU_BATCH_ROWS } from '../../src/explore/gpuPage.js';
import { problemView } from '../../src/explore/model.js';
import { EXPLORE_DEFAULTS, EXPLORE_PROBLEMS, exploreProblem } from '../../src/explore/problems.js';
import { num, reliabilityNote } from '../../src/explore/render.js';
import { RANGE_CONTROLS, pageHtml } from '../../src/explore/template.js';
import { softmaxTolerance } from '../../src/kernels/tolerances.js';
import { fcParams } from '../support/fcParams.js';

describe('plainDecimal', () => {
  it('writes known values without an exponent', () => {
    expect(plainDecimal(1e-7)).toBe('0.0000001');
    expect(plainDecimal(-2.5e-10)).toBe('-0.00000000025');
    expect(plainDecimal(1.5e21)).toBe('1500000000000000000000');
    expect(plainDecimal(0.756)).toBe('0.756');
    expect(plainDecimal(-0)).toBe('0');
    expect(plainDecimal(5e-324)).toBe(`0.${'0'.repeat(323)}5`);
  });

  it('round-trips every finite double and never has an exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = plainDecimal(x);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(s)).toBe(x === 0 ? 0 : x);
      }),
      fcParams(2000),
    );
  });

  it('short numbers say when a value is not computable', () => {
    expect(shortNumber(NaN)).toBe('not computable');
    expect(shortNumber(-0.0001234)).toBe('−1.234e-4');
    expect(shortNumber(39)).toBe('39');
  });
});

describe('the problems and their controls', () => {
  it('collects every invalid control with its field', () => {
    const r = exploreProblem({ ...EXPLORE_DEFAULTS, lambda: 0, gamma: 1, beta: -1, nuScale: NaN, K: 0, T: 1.5, seed: -1 });
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r) && r.left._tag === 'InvalidInput') {
      expect(r.left.errors.map((e) => e.field)).toEqual(['lambda', 'gamma', 'beta', 'nuScale', 'K', 'T', 'seed']);
    } else throw new Error('expected InvalidInput');
    const unknown = exploreProblem({ ...EXPLORE_DEFAULTS, problem: 'maze' as never });
    expect(E.isLeft(unknown) && unknown.left.field).toBe('problem');
  });

  it.each(EXPLORE_PROBLEMS)('%s: ∇G = myopic part + ν-score part, ∇G and G as upperLevelExact gives them, A-PARL step 1/L̂ as the unrolled route uses', (problem) => {
    const params = { ...EXPLORE_DEFAULTS, problem, nuScale: 0.7, lambda: 0.4 };
    const v = problemView(params);
    if (E.isLeft(v)) throw new Error(v.left.message);
    const { problem: p } = v.right;
    const sol = solveLowerLevel(p.problem.mdp, p.problem.model, p.nu, 0.4);
    if (E.isLeft(sol)) throw new Error(sol.left.message);
    const u = upperLevelExact(p.problem.upper, policyPointOf(sol.right));
    if (E.isLeft(u)) throw new Error(u.left.message);
    expect(v.right.G).toBe(u.right.G);
    expect(Array.from(v.right.gradG)).toEqual(Array.from(u.right.gradG));
    expect(Array.from(v.right.gradGMyopic)).toEqual(Array.from(u.right.gradGMyopic));
    for (let i = 0; i < v.right.d; i++) {
      const split = v.right.gradGMyopic[i] + v.right.gradGNuScore[i];
      // the sum of the two parts and the library's ∇G round differently: a few ε of the parts' size
      const scale = Math.abs(v.right.gradGMyopic[i]) + Math.abs(v.right.gradGNuScore[i]);
      expect(Math.abs(split - v.right.gradG[i])).toBeLessThanOrEqual(8 * Number.EPSILON * scale);
    }
    expect(v.right.aparlInnerStep).toBe(unrolledStepSize(sol.right, p.problem.theta0).beta);
    expect(v.right.lowerReliability.reliable && v.right.psiReliability.reliable && v.right.upperReliability.reliable).toBe(true);
  });

  it('ν = c·ν_ref: the bandit at c = 1 has the MLE gap βΔu = 1', () => {
    const p = exploreProblem(EXPLORE_DEFAULTS);
    if (E.isLeft(p)) throw new Error(p.left.message);
    expect(Array.from(p.right.nu)).toEqual([1, 0]);
  });
});

describe('the gpu.js softmax check (gpu.js cpu mode in Node)', () => {
  it('runs θ* and seeded rows in float32 within the kernel tolerance, and refuses modes Node does not have', () => {
    expect(() => openBrowserGpu(['webgl2', 'webgl'])).toThrow(/webgl2: not supported here; webgl: not supported here/);
    const gpu = openBrowserGpu(['cpu']);
    try {
      const theta = Float64Array.of(0, Math.log(3), -1, 2);
      const logits = gpuBatchLogits(theta, 2, 1);
      expect(logits.length).toBe(4 + GPU_BATCH_ROWS * 2);
      const c = gpuSoftmaxCheck(gpu, logits, 2);
      expect(c.mode).toBe('cpu');
      expect(c.comparison.pass).toBe(true);
      // float32 rounding of non-dyadic probabilities (3/4 is exact, e³/(1+e³) is not) shows
      expect(c.maxAbsError).toBeGreaterThan(0);
      expect(c.maxAbsError).toBeLessThanOrEqual(softmaxTolerance(2).atol + softmaxTolerance(2).rtol);
      expect(c.float64[0]).toBeCloseTo(0.25, 15);
    } finally {
      gpu.session.destroy();
    }
  });
});

describe('HTML of the page', () => {
  it('a number carries its exact value, and an unreliable one says so', () => {
    expect(num('pi[0,0]', 0.1 + 0.2)).toContain('data-value="0.30000000000000004"');
    expect(num('pi[0,0]', 0.5)).not.toContain('data-reliable');
    expect(num('pi[0,0]', 0.5, true)).toContain('data-reliable="true"');
    const bad = num('V[0]', 1e-20, false);
    expect(bad).toContain('data-reliable="false"');
    expect(bad).toContain('data-value="0.00000000000000000001"');
    expect(reliabilityNote('θ*', { reliable: false, warning: 'V* (soft-optimum): not converged', solves: 1 })).toContain('UNRELIABLE — V* (soft-optimum): not converged');
  });

  it('every control has a label naming it', () => {
    const html = pageHtml('');
    for (const id of ['problem', 'seed', ...RANGE_CONTROLS.map((c) => c.id)]) {
      expect(html).toMatch(new RegExp(`<label for="${id}">[^<]+`));
      expect(html).toContain(`id="${id}"`);
    }
  });

  it('the inlined bundle cannot close its script element, and loads nothing from the network', async () => {
    expect(inlineScript('a = "</script>"; b = "<!--";')).toBe('a = "<\\/script>"; b = "<\\!--";');
    const js = inlineScript(await bundleExploreScript());
    expect(js).not.toMatch(/<\/script/i);
    const html = pageHtml(js);
    // no external scripts, stylesheets, fonts or images: the only URLs are links to read
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
  });
});

describe('the bandit panel vouches only for what was checked', () => {
  it('the runs are marked reliable at the first view (both converged, within BANDIT_AGREEMENT of the closed form)', async () => {
    const { banditView } = await import('../../src/explore/model.js');
    const { BANDIT_AGREEMENT } = await import('../../src/experiments/bandit.js');
    const v = banditView(EXPLORE_DEFAULTS);
    if (E.isLeft(v)) throw new Error(v.left.message);
    expect(v.right.runDisagreement).toBeLessThanOrEqual(BANDIT_AGREEMENT);
    expect(v.right.runVouched).toBe(true);
  });
});
