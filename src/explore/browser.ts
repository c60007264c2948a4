/**
 * The explorable page's script (the browser edge; bundled by build.ts): reads the controls,
 * computes every number with the library (model.ts), renders the panels (render.ts), runs the
 * batched softmax on gpu.js (gpuPage.ts), and runs A-PARL one outer step at a time so that its plot
 * grows as it goes. `<body>` records `data-ready="true"` after the first full computation,
 * `data-computation` (a counter of full computations), `data-gpu` (the gpu.js mode) and
 * `data-gpu-error` (largest |float32 − float64|), and `data-aparl` (`running` or `done`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { runAparl, type AparlRecord } from '../algorithm/aparl.js';
import type { ParlError } from '../errors/parlError.js';
import { plainDecimal } from './format.js';
import { gpuBatchLogits, gpuSoftmaxCheck, openBrowserGpu, type BrowserGpu } from './gpuPage.js';
import { aparlConfigOf, continueFrom, exploreView, type ExploreView } from './model.js';
import { EXPLORE_DEFAULTS, type ExploreParams, type ExploreProblemId } from './problems.js';
import { PLOT_WIDTH, aparlPanel, banditPanel, gpuPanel, gradientTable, policyTable, psiHeatMap } from './render.js';
import { RANGE_CONTROLS } from './template.js';

/** The few DOM members the page uses (the project compiles without the DOM library). */
interface Element {
  innerHTML: string;
  textContent: string | null;
  readonly clientWidth: number;
  value: string;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: () => void): void;
}
interface Window {
  addEventListener(type: string, listener: () => void): void;
  readonly innerWidth: number;
}
interface Document {
  getElementById(id: string): Element | null;
  readonly body: Element;
  readonly readyState: string;
  addEventListener(type: string, listener: () => void): void;
}
const doc = (globalThis as unknown as { document: Document }).document;
const now = (): number => (globalThis as unknown as { performance: { now: () => number } }).performance.now();

const el = (id: string): Element => {
  const e = doc.getElementById(id);
  if (e === null) throw new Error(`the page has no element #${id}`);
  return e;
};

const readParams = (): ExploreParams => ({
  problem: el('problem').value as ExploreProblemId,
  lambda: Number(el('lambda').value),
  gamma: Number(el('gamma').value),
  beta: Number(el('beta').value),
  nuScale: Number(el('nuScale').value),
  K: Number(el('K').value),
  T: EXPLORE_DEFAULTS.T,
  seed: Number(el('seed').value),
});

/** Plot width: the panel's width (so 13-unit SVG text renders at 13 px), at most PLOT_WIDTH. */
const plotWidth = (): number => Math.max(240, Math.min(PLOT_WIDTH, Math.floor(el('bandit').clientWidth)));

const describeError = (e: ParlError): string =>
  e._tag === 'InvalidInput' ? e.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : `${e.field}: ${e.message}`;

let gpu: BrowserGpu | null = null;
let gpuFailure = '';
let generation = 0;
let computations = 0;

/** Open gpu.js once per page (one WebGL context, kernels cached by shape). */
const gpuOnce = (): BrowserGpu | null => {
  if (gpu === null && gpuFailure === '') {
    try {
      gpu = openBrowserGpu();
    } catch (e) {
      gpuFailure = (e as Error).message;
    }
  }
  return gpu;
};

/** A-PARL one outer step per task, so the page stays responsive and the plot grows; stops when the controls change. */
const startAparl = (gen: number, params: ExploreParams, view: ExploreView): void => {
  const ep = view.problem.problem;
  const config = { ...aparlConfigOf(params, view.problem), T: 1 };
  const records: AparlRecord[] = [];
  let nu: Float64Array = Float64Array.from(ep.problem.nu0);
  let theta: Float64Array = Float64Array.from(ep.problem.theta0);
  const start = now();
  const width = plotWidth();
  doc.body.setAttribute('data-aparl', 'running');
  const step = (): void => {
    if (gen !== generation) return;
    const r = runAparl(continueFrom(ep.problem, nu, theta), config);
    if (E.isLeft(r)) {
      el('aparl').innerHTML = '';
      el('aparl').textContent = `A-PARL stopped: ${describeError(r.left)}`;
      doc.body.setAttribute('data-aparl', 'failed');
      return;
    }
    const t = records.length;
    records.push({ ...r.right.records[0], t, wallMs: now() - start });
    nu = r.right.nu;
    theta = r.right.theta;
    const done = records.length >= params.T;
    el('aparl').innerHTML = aparlPanel(records, params.T, nu, ep.paramNames, done, width);
    if (done) doc.body.setAttribute('data-aparl', 'done');
    else setTimeout(step, 0);
  };
  setTimeout(step, 0);
};

/** One full computation at the controls' values. */
const computeAll = (): void => {
  const gen = ++generation;
  const params = readParams();
  for (const c of RANGE_CONTROLS) el(`${c.id}-out`).textContent = el(c.id).value;
  const t0 = now();
  const view = exploreView(params);
  if (E.isLeft(view)) {
    el('error').textContent = `Cannot compute at these values: ${describeError(view.left)}`;
    el('status').textContent = 'not computed';
    doc.body.setAttribute('data-error', 'true');
    computations++;
    doc.body.setAttribute('data-computation', String(computations));
    doc.body.setAttribute('data-ready', 'true');
    return;
  }
  doc.body.setAttribute('data-error', 'false');
  el('error').textContent = '';
  const v = view.right;
  const pv = v.problem;
  el('policy').innerHTML = policyTable(pv);
  el('gradient').innerHTML = gradientTable(pv);
  el('psi').innerHTML = psiHeatMap(pv);
  el('bandit').innerHTML = banditPanel(v.bandit, params.problem === 'bandit' ? pv.nu[0] - pv.nu[1] : null, plotWidth());
  const g = gpuOnce();
  if (g === null) {
    el('gpu').textContent = `gpu.js could not run here: ${gpuFailure}`;
    doc.body.setAttribute('data-gpu', 'none');
  } else {
    const check = gpuSoftmaxCheck(g, gpuBatchLogits(pv.thetaStar, pv.A, 1), pv.A);
    el('gpu').innerHTML = gpuPanel(check, pv.S);
    doc.body.setAttribute('data-gpu', check.mode);
    doc.body.setAttribute('data-gpu-error', plainDecimal(check.maxAbsError));
  }
  el('aparl').innerHTML = aparlPanel([], params.T, null, pv.problem.paramNames, false, plotWidth());
  computations++;
  el('status').textContent = `computed in ${Math.round(now() - t0)} ms (computation ${computations}); A-PARL runs below.`;
  doc.body.setAttribute('data-computation', String(computations));
  doc.body.setAttribute('data-ready', 'true');
  startAparl(gen, params, v);
};

let pending = false;
const schedule = (): void => {
  if (pending) return;
  pending = true;
  setTimeout(() => {
    pending = false;
    computeAll();
  }, 0);
};

const start = (): void => {
  for (const id of ['problem', 'seed', ...RANGE_CONTROLS.map((c) => c.id)]) {
    el(id).addEventListener('input', schedule);
    el(id).addEventListener('change', schedule);
  }
  // plots are drawn at their panel's width: redraw when the width changes
  const win = globalThis as unknown as Window;
  let lastWidth = win.innerWidth;
  win.addEventListener('resize', () => {
    if (win.innerWidth !== lastWidth) {
      lastWidth = win.innerWidth;
      schedule();
    }
  });
  computeAll();
};

if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
else start();
