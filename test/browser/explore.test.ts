/// <reference lib="dom" />
// (the page.evaluate callbacks below run in the browser and use its DOM types)
/**
 * The explorable page (src/explore) in a real browser: the system Chromium (Debian's `chromium`,
 * driven by puppeteer-core, no browser download) loads the built report/explore.html from disk.
 * Every expected number is computed here in Node by the library's own entry points (solveLowerLevel,
 * nuScoreOf, upperLevelExact, banditStationaryPoints, runAparl), not by the page's model.
 *
 * Chromium is required: without it the suite fails with how to install it, unless
 * PARL_SKIP_BROWSER=1 (then it is skipped). PARL_CHROMIUM points at another Chromium binary.
 */
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAparl, type BilevelProblem } from '../../src/algorithm/aparl.js';
import { DEFAULT_APARL_CONFIG } from '../../src/algorithm/config.js';
import { banditLibraryAt, banditProblem, banditStationaryPoints, runBandit } from '../../src/experiments/bandit.js';
import { unrolledStepSize } from '../../src/experiments/hypergradients.js';
import { rlhfProblem } from '../../src/experiments/problems.js';
import { softmaxTolerance } from '../../src/kernels/tolerances.js';
import { solveLowerLevel } from '../../src/lowerLevel/lowerSolution.js';
import { twoStateChain } from '../../src/mdp/chain.js';
import { garnetOrThrow } from '../../src/mdp/garnet.js';
import type { Mdp } from '../../src/mdp/types.js';
import { getOrThrow, validateMdp } from '../../src/mdp/validate.js';
import { nuScoreOf } from '../../src/nuScore/routes.js';
import { upperLevelExact } from '../../src/upperLevel/objective.js';
import { policyPointOf } from '../../src/upperLevel/policyPoint.js';
import { bradleyTerryTeacher } from '../../src/upperLevel/types.js';
import { buildExplorePage, repositoryRoot } from '../../src/explore/build.js';

const SKIP = process.env.PARL_SKIP_BROWSER === '1';
const CHROMIUM = process.env.PARL_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = repositoryRoot();
const SCREENSHOTS = join(ROOT, 'report');

/**
 * Shown values against Node's: the page runs the same float64 code on the same kind of engine (V8),
 * so most values agree to the last bit; what may differ is the last ulp of Math.exp/log/tanh between
 * Node's and Chromium's V8 builds. Every quantity compared here comes out of a contraction (soft
 * value iteration + Newton) or an LU solve of I − γP_π with κ∞ ≤ (1+γ)/(1−γ) ≤ 40 at γ ≤ 0.95, and
 * ψ and ∇G multiply such solves by O(1/λ) factors; a 1-ulp (1.1e-16) perturbation of an elementary
 * function is therefore amplified to well below 1e-13 relative. The issue asks for 1e-12, relative
 * to the quantity's own scale (the largest entry of the vector it belongs to) so that a coordinate
 * that is exactly 0 in Node (e.g. the myopic gradient at the MLE) is held to 1e-12 of its vector,
 * not to an impossible relative error of a zero.
 */
const REL = 1e-12;

const close = (shown: number, expected: number, scale: number): boolean => Math.abs(shown - expected) <= REL * Math.max(Math.abs(expected), scale);

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** `data-key` → `data-value` (as a number) of every shown number. */
const shownValues = async (page: Page): Promise<Map<string, number>> => {
  const pairs = await page.$$eval('[data-key][data-value]', (els) => els.map((e) => [e.getAttribute('data-key') ?? '', e.getAttribute('data-value') ?? ''] as const));
  const m = new Map<string, number>();
  for (const [k, v] of pairs) {
    // plain decimals only: no exponent, no locale formatting
    expect(v, `data-value of ${k}`).toMatch(/^-?\d+(\.\d+)?$/);
    m.set(k, Number(v));
  }
  return m;
};

/** The expected numbers of a problem at (mdp, model, ν, λ, upper spec), from the library in Node. */
const expectedAt = (mdp: Mdp, problem: Pick<BilevelProblem, 'model' | 'upper'>, nu: Float64Array, lambda: number): Map<string, { value: number; scale: number }> => {
  const sol = solveLowerLevel(mdp, problem.model, nu, lambda);
  if (E.isLeft(sol)) throw new Error(sol.left.message);
  const psi = nuScoreOf(sol.right, 'closed');
  if (E.isLeft(psi)) throw new Error(psi.left.message);
  const u = upperLevelExact(problem.upper, policyPointOf(sol.right));
  if (E.isLeft(u)) throw new Error(u.left.message);
  const { S, A } = mdp;
  const { piStar, VStar } = sol.right.optimum;
  const out = new Map<string, { value: number; scale: number }>();
  const put = (key: string, value: number, scale: number): void => {
    out.set(key, { value, scale });
  };
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) put(`pi[${s},${a}]`, piStar[s * A + a], 1);
    put(`V[${s}]`, VStar[s], maxAbs(VStar));
  }
  const d = nu.length;
  const psiScale = maxAbs(psi.right.psi);
  for (let sa = 0; sa < S * A; sa++) for (let i = 0; i < d; i++) put(`psi[${Math.floor(sa / A)},${sa % A},${i}]`, psi.right.psi[sa * d + i], psiScale);
  const { gradG, gradGMyopic } = u.right;
  const nuScorePart = Float64Array.from(gradG, (g, i) => g - gradGMyopic[i]);
  const gScale = Math.max(maxAbs(gradG), maxAbs(gradGMyopic), maxAbs(nuScorePart));
  put('G', u.right.G, 0);
  for (let i = 0; i < d; i++) {
    put(`nu[${i}]`, nu[i], maxAbs(nu));
    put(`gradG[${i}]`, gradG[i], gScale);
    put(`gradGMyopic[${i}]`, gradGMyopic[i], gScale);
    // gradG − gradGMyopic rounds once more than the page's direct Σ w ψ: ≤ ε·gScale, far inside 1e-12·gScale
    put(`gradGNuScore[${i}]`, nuScorePart[i], gScale);
  }
  return out;
};

/** Compare every expected key with the page; returns how many numbers matched. */
const compareShown = (shown: Map<string, number>, expected: Map<string, { value: number; scale: number }>): number => {
  const bad: string[] = [];
  for (const [k, e] of expected) {
    const s = shown.get(k);
    if (s === undefined) bad.push(`${k}: not shown`);
    else if (!close(s, e.value, e.scale)) bad.push(`${k}: shown ${s}, library ${e.value} (|diff| ${Math.abs(s - e.value)})`);
  }
  expect(bad).toEqual([]);
  return expected.size;
};

const withGamma = (mdp: Mdp, gamma: number): Mdp => getOrThrow(validateMdp({ S: mdp.S, A: mdp.A, gamma, P: mdp.P, rho: mdp.rho }));

/** The bandit as the page defines it: Δu = 1, ν = c·(1, 0), discount γ. */
const banditAtControls = (lambda: number, beta: number, gamma: number, c: number) => {
  const b = banditProblem({ lambda, beta, trueGap: 1 });
  return { mdp: withGamma(b.mdp, gamma), problem: { model: b.model, upper: b.spec }, nu: Float64Array.of(c, 0) };
};

const setControl = async (page: Page, id: string, value: string): Promise<void> => {
  const before = Number(await page.$eval('body', (b) => b.getAttribute('data-computation')));
  await page.$eval(`#${id}`, (e, v) => {
    const input = e as HTMLInputElement;
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
  await page.waitForFunction((n) => Number(document.body.getAttribute('data-computation')) > n, { timeout: 10_000 }, before);
};

describe.skipIf(SKIP)('the explorable page in headless Chromium (report/explore.html)', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  let loadMs = NaN;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium; .ci/run does this), ` +
          'or point PARL_CHROMIUM at a Chromium binary, or set PARL_SKIP_BROWSER=1 to skip the browser tests.',
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'parl-explore-'));
    const file = join(dir, 'explore.html');
    await buildExplorePage(file, ROOT);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // --no-sandbox: CI runs as root; SwiftShader gives WebGL2 without a GPU
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleProblems.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`page error: ${(e as Error).message}`));
    await page.setViewport({ width: 1280, height: 800 });
    const t0 = Date.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    loadMs = Date.now() - t0;
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('loads from disk and sets data-ready="true" within 10 s, after its first computation', async () => {
    expect(loadMs).toBeLessThan(10_000);
    expect(await page.$eval('body', (b) => b.getAttribute('data-computation'))).toBe('1');
    expect(await page.$eval('#error', (e) => e.textContent)).toBe('');
  });

  it('first view: the bandit at λ = 0.5, β = 1, Δu = 1, every shown number equal to the library in Node', async () => {
    const shown = await shownValues(page);
    const b = banditAtControls(0.5, 1, 0.9, 1);
    const expected = expectedAt(b.mdp, b.problem, b.nu, 0.5);
    const points = banditStationaryPoints({ lambda: 0.5, beta: 1, trueGap: 1 });
    for (const m of ['parl', 'myopic'] as const) {
      expected.set(`bandit.${m}.gap`, { value: points[m].gap, scale: 0 });
      expected.set(`bandit.${m}.piBest`, { value: points[m].piBest, scale: 0 });
      expected.set(`bandit.${m}.G`, { value: points[m].G, scale: 0 });
    }
    // the rest of the first view: ψ's colour scale, the bandit's parameters, the library's G at Δ*
    // and the runs' disagreement, the float64 side of the gpu.js table (π* again)
    expected.set('psi.scale', { value: maxAbs(Float64Array.from([...expected].filter(([k]) => k.startsWith('psi[')).map(([, e]) => e.value))), scale: 0 });
    expected.set('bandit.lambda', { value: 0.5, scale: 0 });
    expected.set('bandit.beta', { value: 1, scale: 0 });
    expected.set('bandit.trueGap', { value: 1, scale: 0 });
    const lib = banditLibraryAt({ lambda: 0.5, beta: 1, trueGap: 1 }, points.parl.gap);
    if (E.isLeft(lib)) throw new Error(lib.left.message);
    expected.set('bandit.libraryGAtParl', { value: lib.right.G, scale: 0 });
    const run = runBandit({ lambda: 0.5, beta: 1, trueGap: 1 });
    if (E.isLeft(run)) throw new Error(run.left.message);
    // a difference of quantities of size ~1 (gaps, π, G) at the rounding level: the browser's and Node's
    // exp/log may differ in the last ulp, so it is compared at 1e-12 of that size, like every other number
    expected.set('bandit.runDisagreement', { value: run.right.disagreement, scale: Math.max(1, Math.abs(points.parl.G)) });
    for (let a = 0; a < 2; a++) expected.set(`gpu.float64[0,${a}]`, expected.get(`pi[0,${a}]`)!);
    expect(compareShown(shown, expected)).toBeGreaterThanOrEqual(10);
    // every shown number is accounted for: compared above, or measured elsewhere for a stated reason
    const elsewhere: ReadonlyArray<readonly [RegExp, string]> = [
      [/^aparl\./, 'the live A-PARL run moves on after data-ready; compared with runAparl in its own test'],
      [/^gpu\.(float32|error)\[|^gpu\.(maxAbsError|allowedAtOne)$/, 'float32 results of the browser gpu.js backend; checked against the kernel tolerance in the gpu.js test'],
    ];
    const unaccounted = [...shown.keys()].filter((k) => !expected.has(k) && !elsewhere.some(([re]) => re.test(k)));
    expect(unaccounted).toEqual([]);
    // every number behind a solve says whether the solve is reliable (here all are)
    const reliability = await page.$$eval('[data-key^="pi["], [data-key^="V["], [data-key^="psi["], [data-key^="gradG"], [data-key="G"]', (els) => els.map((e) => e.getAttribute('data-reliable')));
    expect(reliability.length).toBe(16 - 2);
    expect(new Set(reliability)).toEqual(new Set(['true']));
    // the published example (proofs/bandit-performative.md, README): π(better action) 0.756 at PARL's optimum, 0.881 at the MLE (3 decimals)
    const parl = Number(await page.$eval('#bandit-parl-pibest', (e) => e.getAttribute('data-value')));
    const myopic = Number(await page.$eval('#bandit-myopic-pibest', (e) => e.getAttribute('data-value')));
    expect(Math.abs(parl - 0.756)).toBeLessThan(5e-4);
    expect(Math.abs(myopic - 0.881)).toBeLessThan(5e-4);
    expect(parl).toBe(points.parl.piBest);
    expect(myopic).toBe(points.myopic.piBest);
  });

  it('reports its gpu.js backend and a float32-vs-float64 error within the kernel tolerance', async () => {
    const gpu = await page.$eval('body', (b) => b.getAttribute('data-gpu'));
    const err = await page.$eval('body', (b) => b.getAttribute('data-gpu-error'));
    expect(['webgl2', 'webgl', 'cpu']).toContain(gpu);
    const e = Number(err);
    // float32 rounding of probabilities that are not dyadic must show (> 0); at most the softmax tolerance at π = 1
    const tol = softmaxTolerance(2);
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThanOrEqual(tol.atol + tol.rtol);
    expect(await page.$eval('#gpu-backend', (x) => x.textContent)).toBe(gpu);
    console.log(`explore page: gpu.js backend ${gpu}, largest |float32 − float64| ${err}, ready after ${loadMs} ms`);
  });

  it('moving λ by keyboard (→) and by value recomputes every shown number as the library does', async () => {
    await page.focus('#lambda');
    const before = Number(await page.$eval('body', (b) => b.getAttribute('data-computation')));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => Number(document.body.getAttribute('data-computation')) > n, { timeout: 10_000 }, before);
    const lambda = Number(await page.$eval('#lambda', (e) => (e as HTMLInputElement).value));
    expect(lambda).toBe(0.55);
    let b = banditAtControls(lambda, 1, 0.9, 1);
    expect(compareShown(await shownValues(page), expectedAt(b.mdp, b.problem, b.nu, lambda))).toBeGreaterThanOrEqual(10);

    await setControl(page, 'lambda', '1');
    b = banditAtControls(1, 1, 0.9, 1);
    const expected = expectedAt(b.mdp, b.problem, b.nu, 1);
    const points = banditStationaryPoints({ lambda: 1, beta: 1, trueGap: 1 });
    expected.set('bandit.parl.piBest', { value: points.parl.piBest, scale: 0 });
    expect(compareShown(await shownValues(page), expected)).toBeGreaterThanOrEqual(10);
  });

  it('the A-PARL run, one outer step at a time, ends where runAparl ends in Node', async () => {
    await page.waitForSelector('body[data-aparl="done"]', { timeout: 30_000 });
    const shown = await shownValues(page);
    const lambda = 1;
    const b = banditProblem({ lambda, beta: 1, trueGap: 1 });
    const problem: BilevelProblem = {
      name: 'bandit', mdp: withGamma(b.mdp, 0.9), model: b.model, upper: b.spec, rTrue: Float64Array.of(1, 0),
      nu0: new Float64Array(2), theta0: new Float64Array(2),
    };
    // the inner step is 1/L̂ at the controls (ν = ν_ref = (1, 0)) from θ₀ = 0, as the page says
    const sol = solveLowerLevel(problem.mdp, problem.model, Float64Array.of(1, 0), lambda);
    if (E.isLeft(sol)) throw new Error(sol.left.message);
    const beta = unrolledStepSize(sol.right, problem.theta0).beta;
    const run = runAparl(problem, { ...DEFAULT_APARL_CONFIG, mode: 'exact', gradient: 'parl', T: 40, K: 5, beta, alpha: 2, lambda, trackTrueGradient: false });
    if (E.isLeft(run)) throw new Error(run.left.message);
    const last = run.right.records[run.right.records.length - 1];
    const expected = new Map<string, { value: number; scale: number }>([
      ['aparl.t', { value: 39, scale: 0 }],
      ['aparl.G', { value: last.G, scale: 0 }],
      ['aparl.trueReturn', { value: last.trueReturn, scale: 0 }],
      // ‖ĝ‖ at convergence (≈ 1e-12) is what is left of gradient terms of the size of the first step's ‖ĝ_0‖: compare on that scale
      ['aparl.stepGradNorm', { value: last.stepGradNorm, scale: Math.max(...run.right.records.map((r) => r.stepGradNorm)) }],
      ['aparl.nu[0]', { value: run.right.nu[0], scale: maxAbs(run.right.nu) }],
      ['aparl.nu[1]', { value: run.right.nu[1], scale: maxAbs(run.right.nu) }],
    ]);
    compareShown(shown, expected);
  });

  it('the chain, the gridworld and a Garnet: π*, V*, ψ, G and ∇G equal the library', async () => {
    await setControl(page, 'lambda', '0.5');
    await page.select('#problem', 'chain');
    await page.waitForFunction(() => document.querySelector('[data-key="pi[1,1]"]') !== null, { timeout: 10_000 });
    const chain = twoStateChain({ gamma: 0.9 });
    const rTrue = Float64Array.from(chain.reward);
    compareShown(await shownValues(page), expectedAt(chain.mdp, {
      model: { kind: 'tabular', S: 2, A: 2 },
      upper: { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue, H: 2 },
    }, Float64Array.from(rTrue), 0.5));

    await page.select('#problem', 'gridworld');
    await page.waitForFunction(() => document.querySelector('[data-key="pi[24,3]"]') !== null, { timeout: 10_000 });
    const grid = rlhfProblem('gridworld', 1, 1);
    compareShown(await shownValues(page), expectedAt(grid.mdp, grid, Float64Array.of(10, 5, -1), 0.5));

    await page.select('#problem', 'garnet');
    await setControl(page, 'seed', '7');
    await setControl(page, 'nuScale', '0.5');
    const g = garnetOrThrow({ S: 5, A: 3, branching: 2, gamma: 0.9, seed: 7 });
    const gTrue = Float64Array.from(g.reward);
    compareShown(await shownValues(page), expectedAt(g.mdp, {
      model: { kind: 'tabular', S: 5, A: 3 },
      upper: { kind: 'preference', teacher: bradleyTerryTeacher(1), rTrue: gTrue, H: 2 },
    }, Float64Array.from(gTrue, (x) => 0.5 * x), 0.5));
  });

  it('every control has a label and is reachable with Tab', async () => {
    const controls = await page.$$eval('#controls input, #controls select', (els) =>
      els.map((e) => {
        const c = e as HTMLInputElement;
        return { id: c.id, label: Array.from(c.labels ?? []).map((l) => (l.textContent ?? '').trim()).join(' ') };
      }));
    expect(controls.map((c) => c.id).sort()).toEqual(['K', 'beta', 'gamma', 'lambda', 'nuScale', 'problem', 'seed']);
    for (const c of controls) expect(c.label.length, `label of #${c.id}`).toBeGreaterThan(0);
    await page.$eval('body', (b) => (b as HTMLElement).focus());
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached = new Set<string>();
    for (let i = 0; i < 40 && reached.size < controls.length; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.id ?? '');
      if (controls.some((c) => c.id === id)) reached.add(id);
    }
    expect([...reached].sort()).toEqual(controls.map((c) => c.id).sort());
  });

  it('text is at least 12 px, and the page fits 1280 × 800 and a 390 px phone without sideways scrolling (screenshots in report/)', async () => {
    await page.select('#problem', 'bandit');
    await page.waitForSelector('body[data-aparl="done"]', { timeout: 30_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const vp of [{ width: 1280, height: 800, name: 'explore-1280x800.png' }, { width: 390, height: 844, name: 'explore-390x844.png' }]) {
      const before = Number(await page.$eval('body', (x) => x.getAttribute('data-computation')));
      const widthBefore = await page.evaluate(() => window.innerWidth);
      await page.setViewport({ width: vp.width, height: vp.height });
      // the plots are redrawn at the new panel width
      if (widthBefore !== vp.width) await page.waitForFunction((n) => Number(document.body.getAttribute('data-computation')) > n, { timeout: 10_000 }, before);
      const small = await page.evaluate(() => {
        const out: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
          const parent = n.parentElement;
          if (parent === null || (n.textContent ?? '').trim() === '') continue;
          const style = getComputedStyle(parent);
          if (style.display === 'none' || style.visibility === 'hidden' || parent.closest('noscript, script, style') !== null) continue;
          let px = parseFloat(style.fontSize);
          // SVG text scales with its viewBox: its size on screen is the nominal size times the drawn/viewBox width
          const svg = parent instanceof SVGElement ? parent.ownerSVGElement : null;
          if (svg !== null && svg.viewBox.baseVal !== null && svg.viewBox.baseVal.width > 0) px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          if (px < 12 - 1e-9) out.push(`${parent.tagName}: ${px.toFixed(2)}px "${(n.textContent ?? '').trim().slice(0, 30)}"`);
        }
        return out;
      });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.screenshot({ path: join(SCREENSHOTS, vp.name), fullPage: true });
      expect(small, `text below 12 px at ${vp.width} px`).toEqual([]);
      expect(overflow, `horizontal overflow at ${vp.width} px`).toBeLessThanOrEqual(0);
    }
  });

  it('logged no console errors and threw no page errors', () => {
    expect(consoleProblems).toEqual([]);
  });

  it('without WebGL (--disable-3d-apis) it still computes and reports gpu.js mode cpu', async () => {
    const noGl = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-3d-apis', '--disable-dev-shm-usage'] });
    try {
      const p = await noGl.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push((e as Error).message));
      await p.goto(pathToFileURL(join(dir, 'explore.html')).href);
      await p.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      expect(await p.$eval('body', (b) => b.getAttribute('data-gpu'))).toBe('cpu');
      const err = Number(await p.$eval('body', (b) => b.getAttribute('data-gpu-error')));
      // gpu.js's cpu mode computes in float64 and rounds its output to float32: still a float32 error, within tolerance
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThanOrEqual(softmaxTolerance(2).atol + softmaxTolerance(2).rtol);
      expect(await p.$eval('#bandit-parl-pibest', (e) => e.getAttribute('data-value'))).toBe(String(banditStationaryPoints({ lambda: 0.5, beta: 1, trueGap: 1 }).parl.piBest));
      expect(errors).toEqual([]);
    } finally {
      await noGl.close();
    }
  });
});
