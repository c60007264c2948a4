/**
 * HTML of the explorable page's panels from the library's numbers (model.ts): tables, the ψ heat
 * map and SVG plots. Every shown number is a `<span class="num">` whose `data-value` is its float64
 * value as a plain decimal and whose `data-key` names it (`pi[s,a]`, `V[s]`, `psi[s,a,i]`, `G`,
 * `gradG[i]`, …); a number behind an unreliable solve carries `data-reliable="false"` and is marked.
 * Pure string functions: no DOM.
 */
import type { AparlRecord } from '../algorithm/aparl.js';
import { plainDecimal, shortNumber } from './format.js';
import type { GpuSoftmaxCheck } from './gpuPage.js';
import type { BanditView, ProblemView, Reliability } from './model.js';

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies). */
export const PALETTE = {
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  black: '#000000',
} as const;

/** HTML-escape text. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * One shown number: its short form, its exact value in `data-value`, its name in `data-key`, and
 * where solves are behind it, whether they can be vouched for (`data-reliable`; an unreliable
 * number is also marked ⚠ and styled). `reliable` undefined: no solve is behind it (an input, a
 * count, the gpu.js comparison).
 */
export const num = (key: string, x: number, reliable?: boolean, id?: string, digits = 4): string => {
  const bad = reliable === false;
  const attrs = reliable === undefined ? '' : ` data-reliable="${reliable}"${bad ? ' title="behind an unreliable solve: do not trust this number"' : ''}`;
  return `<span class="num${bad ? ' unreliable' : ''}"${id === undefined ? '' : ` id="${esc(id)}"`} data-key="${esc(key)}" data-value="${plainDecimal(x)}"${attrs}>` +
    `${esc(shortNumber(x, digits))}${bad ? ' ⚠' : ''}</span>`;
};

/** The line under a group of numbers saying whether its solves can be vouched for. */
export const reliabilityNote = (what: string, r: Reliability): string =>
  r.reliable
    ? `<p class="note ok">${esc(what)}: ${r.solves} solve${r.solves === 1 ? '' : 's'}, every one reliable.</p>`
    : `<p class="note bad" role="alert">${esc(what)}: UNRELIABLE — ${esc(r.warning)}. Numbers marked ⚠ cannot be vouched for.</p>`;

/** Mix a colour with white: t = 0 white, t = 1 the colour. */
const mix = (hex: string, t: number): string => {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const m = c.map((v) => Math.round(255 + (v - 255) * t));
  return `rgb(${m[0]}, ${m[1]}, ${m[2]})`;
};

/** Diverging fill for v ∈ [−scale, scale]: blue below 0, orange above (Okabe–Ito), at most 75% strength so dark text stays readable. */
export const divergingFill = (v: number, scale: number): string => {
  if (!(scale > 0) || !Number.isFinite(v)) return '#ffffff';
  const t = Math.min(1, Math.abs(v) / scale) * 0.75;
  return mix(v < 0 ? PALETTE.blue : PALETTE.orange, t);
};

/** π* and V* of the soft optimum: one row per state. */
export const policyTable = (v: ProblemView): string => {
  const { S, A, piStar, VStar, problem } = v;
  const ok = v.lowerReliability.reliable;
  const head = problem.actionNames.map((a) => `<th scope="col">π*(${esc(a)} | s)</th>`).join('');
  const rows: string[] = [];
  for (let s = 0; s < S; s++) {
    const cells: string[] = [];
    for (let a = 0; a < A; a++) {
      const p = piStar[s * A + a];
      cells.push(`<td style="background:${mix(PALETTE.sky, p * 0.75)}">${num(`pi[${s},${a}]`, p, ok)}</td>`);
    }
    rows.push(`<tr><th scope="row">${esc(problem.stateNames[s])}</th>${cells.join('')}<td>${num(`V[${s}]`, VStar[s], ok)}</td></tr>`);
  }
  return `<div class="scroll"><table><caption>π* = softmax(θ*) and V* per state</caption><thead><tr><th scope="col">state</th>${head}<th scope="col">V*(s)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    reliabilityNote('θ*(ν) (soft optimum)', v.lowerReliability);
};

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/** The ν-score ψ[(s,a), i] = ∂ log π*(a|s)/∂ν_i as a heat map: rows state × action, columns reward parameters. */
export const psiHeatMap = (v: ProblemView): string => {
  const { S, A, d, psi, problem } = v;
  const ok = v.psiReliability.reliable;
  const scale = maxAbs(psi);
  const head = problem.paramNames.map((n) => `<th scope="col">${esc(n)}</th>`).join('');
  const rows: string[] = [];
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const cells: string[] = [];
      for (let i = 0; i < d; i++) {
        const x = psi[(s * A + a) * d + i];
        cells.push(`<td style="background:${divergingFill(x, scale)}">${num(`psi[${s},${a},${i}]`, x, ok, undefined, 3)}</td>`);
      }
      rows.push(`<tr><th scope="row">${esc(problem.stateNames[s])}, ${esc(problem.actionNames[a])}</th>${cells.join('')}</tr>`);
    }
  }
  const legend = `<p class="legend"><span class="swatch" style="background:${divergingFill(-1, 1)}"></span> negative (blue) · white 0 · <span class="swatch" style="background:${divergingFill(1, 1)}"></span> positive (orange); scale ±${num('psi.scale', scale, ok)}</p>`;
  return `<div class="scroll tall"><table class="heat"><caption>ψ = ∇_ν log π*(a|s): rows (state, action), columns reward parameters</caption><thead><tr><th scope="col">(s, a)</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    legend + reliabilityNote('ψ (closed form, one LU of I − γP_π*)', v.psiReliability);
};

/** A signed bar for a value relative to a scale (screen readers get the number beside it). */
const bar = (x: number, scale: number): string => {
  const w = scale > 0 ? Math.min(50, (50 * Math.abs(x)) / scale) : 0;
  const left = x < 0 ? 50 - w : 50;
  return `<svg class="bar" viewBox="0 0 100 10" aria-hidden="true" focusable="false"><line x1="50" y1="0" x2="50" y2="10" stroke="#555" stroke-width="0.8"/>` +
    `<rect x="${left.toFixed(3)}" y="2" width="${w.toFixed(3)}" height="6" fill="${x < 0 ? PALETTE.blue : PALETTE.orange}"/></svg>`;
};

/** G and ∇G = myopic part + ν-score part, one row per reward parameter. */
export const gradientTable = (v: ProblemView): string => {
  const { d, nu, gradG, gradGMyopic, gradGNuScore, problem } = v;
  const ok = v.upperReliability.reliable && v.lowerReliability.reliable;
  const scale = Math.max(maxAbs(gradG), maxAbs(gradGMyopic), maxAbs(gradGNuScore));
  const rows: string[] = [];
  for (let i = 0; i < d; i++) {
    rows.push(`<tr><th scope="row">${esc(problem.paramNames[i])}</th><td>${num(`nu[${i}]`, nu[i])}</td><td>${num(`gradG[${i}]`, gradG[i], ok)}</td>` +
      `<td>${num(`gradGMyopic[${i}]`, gradGMyopic[i], ok)}${bar(gradGMyopic[i], scale)}</td><td>${num(`gradGNuScore[${i}]`, gradGNuScore[i], ok)}${bar(gradGNuScore[i], scale)}</td></tr>`);
  }
  return `<p class="big">G(ν) = ${num('G', v.G, ok, 'G-value', 6)}</p>` +
    `<div class="scroll tall"><table><caption>∇G = myopic part E[∇_ν U] + ν-score part E[U · Σ ∇_ν log π*] (bars: <span class="key-orange">orange</span> positive, <span class="key-blue">blue</span> negative)</caption>` +
    `<thead><tr><th scope="col">parameter</th><th scope="col">ν</th><th scope="col">∇G</th><th scope="col">myopic part</th><th scope="col">ν-score part</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    reliabilityNote('G and ∇G (exact enumeration of segment pairs, ν-score VJP)', v.upperReliability);
};

/** Plot geometry: a viewBox of W × H with margins; W is the plot's width in CSS pixels (the page passes its panel's width), so that 13-unit text is 13 px. */
export const PLOT_WIDTH = 640;
const H = 300;
const M = { left: 62, right: 16, top: 16, bottom: 44 };

interface Scale {
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
}

const scaleOf = (W: number, xMin: number, xMax: number, yMin: number, yMax: number): Scale => {
  const dy = yMax - yMin || 1;
  const dx = xMax - xMin || 1;
  return {
    x: (v) => M.left + ((v - xMin) / dx) * (W - M.left - M.right),
    y: (v) => H - M.bottom - ((v - yMin) / dy) * (H - M.top - M.bottom),
  };
};

const path = (xs: ArrayLike<number>, ys: ArrayLike<number>, s: Scale): string => {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(ys[i])) parts.push(`${parts.length === 0 ? 'M' : 'L'}${s.x(xs[i]).toFixed(2)},${s.y(ys[i]).toFixed(2)}`);
  return parts.join(' ');
};

const axes = (W: number, xMin: number, xMax: number, yMin: number, yMax: number, s: Scale, xLabel: string, yLabel: string): string => {
  const n = W < 480 ? 3 : 5;
  const ticks = (lo: number, hi: number): number[] => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  const xt = ticks(xMin, xMax).map((t) => `<text x="${s.x(t).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(shortNumber(t, 3))}</text>`).join('');
  const yt = ticks(yMin, yMax).map((t) => `<text x="${M.left - 6}" y="${(s.y(t) + 4).toFixed(1)}" text-anchor="end">${esc(shortNumber(t, 3))}</text>`).join('');
  return `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>${xt}${yt}` +
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="14" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})">${esc(yLabel)}</text>`;
};

const range = (xs: ReadonlyArray<ArrayLike<number>>): [number, number] => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) { lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
  if (!(lo <= hi)) return [0, 1];
  const pad = (hi - lo) * 0.05 || Math.max(1e-12, Math.abs(hi) * 0.05);
  return [lo - pad, hi + pad];
};

/** The bandit's G(Δ) with the MLE (myopic fixed point) and PARL's optimum marked, and the current gap if the bandit is picked. */
export const banditPanel = (b: BanditView, currentGap: number | null, W: number = PLOT_WIDTH): string => {
  const [yMin, yMax] = range([b.curveG]);
  const xMin = b.curveGap[0];
  const xMax = b.curveGap[b.curveGap.length - 1];
  const s = scaleOf(W, xMin, xMax, yMin, yMax);
  const vline = (x: number, color: string, dash: string, label: string, dy: number): string => {
    const px = s.x(x);
    // labels right of the line, or left of it near the right edge
    const right = px < W - 130;
    return `<line x1="${px.toFixed(2)}" y1="${M.top}" x2="${px.toFixed(2)}" y2="${H - M.bottom}" stroke="${color}" stroke-width="2.5" stroke-dasharray="${dash}"/>` +
      `<text x="${(right ? px + 5 : px - 5).toFixed(2)}" y="${M.top + dy}" text-anchor="${right ? 'start' : 'end'}" fill="${color}">${esc(label)}</text>`;
  };
  const current = currentGap !== null && currentGap >= xMin && currentGap <= xMax
    ? `<circle cx="${s.x(currentGap).toFixed(2)}" cy="${s.y(gAtGap(b, currentGap)).toFixed(2)}" r="6" fill="${PALETTE.green}" stroke="#000"/>`
    : '';
  const svg = `<svg class="plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="G of the gap Δ for the bandit, with the MLE at Δ = ${esc(shortNumber(b.myopic.gap))} and PARL's optimum at Δ = ${esc(shortNumber(b.parl.gap))}">` +
    axes(W, xMin, xMax, yMin, yMax, s, 'learned gap Δ = ν₀ − ν₁', 'G(Δ)') +
    `<path d="${path(b.curveGap, b.curveG, s)}" fill="none" stroke="${PALETTE.black}" stroke-width="2"/>` +
    vline(b.parl.gap, PALETTE.vermillion, '', 'PARL Δ*', 16) + vline(b.myopic.gap, PALETTE.blue, '7 4', 'MLE (myopic)', 34) + current + '</svg>';
  const { lambda, beta, trueGap } = b.params;
  return svg +
    `<p>λ = ${num('bandit.lambda', lambda)}, β = ${num('bandit.beta', beta)}, Δu = ${num('bandit.trueGap', trueGap)}. The myopic gradient stops at the MLE Δ = βΔu; PARL's objective G bends the learned gap down to Δ*, a performative optimum (proofs/bandit-performative.md).</p>` +
    `<div class="scroll"><table><caption>Stationary points (closed form)</caption><thead><tr><th scope="col"></th><th scope="col">PARL (max G)</th><th scope="col">myopic (MLE)</th></tr></thead><tbody>` +
    `<tr><th scope="row">gap Δ</th><td>${num('bandit.parl.gap', b.parl.gap, b.parl.converged)}</td><td>${num('bandit.myopic.gap', b.myopic.gap, b.myopic.converged)}</td></tr>` +
    `<tr><th scope="row">π(better action)</th><td>${num('bandit.parl.piBest', b.parl.piBest, b.parl.converged, 'bandit-parl-pibest')}</td><td>${num('bandit.myopic.piBest', b.myopic.piBest, b.myopic.converged, 'bandit-myopic-pibest')}</td></tr>` +
    `<tr><th scope="row">G</th><td>${num('bandit.parl.G', b.parl.G, b.parl.converged, undefined, 6)}</td><td>${num('bandit.myopic.G', b.myopic.G, b.myopic.converged, undefined, 6)}</td></tr>` +
    `</tbody></table></div>` +
    `<p class="note">The library's exact objective at Δ*: G = ${num('bandit.libraryGAtParl', b.libraryGAtParl, true, undefined, 6)}; running both methods with the library's gradients lands within ${num('bandit.runDisagreement', b.runDisagreement, b.runVouched, undefined, 2)} of the closed form.</p>`;
};

/** G on the bandit curve at a gap by linear interpolation of the grid (only places the marker). */
const gAtGap = (b: BanditView, gap: number): number => {
  const xs = b.curveGap;
  const n = xs.length;
  const t = ((gap - xs[0]) / (xs[n - 1] - xs[0])) * (n - 1);
  const i = Math.max(0, Math.min(n - 2, Math.floor(t)));
  const f = t - i;
  return b.curveG[i] * (1 - f) + b.curveG[i + 1] * f;
};

/** A-PARL's records so far: G(ν_t) and the true return against t, and the last record's numbers. */
export const aparlPanel = (
  records: ReadonlyArray<AparlRecord>,
  T: number,
  nu: Readonly<Float64Array> | null,
  paramNames: ReadonlyArray<string>,
  done: boolean,
  W: number = PLOT_WIDTH,
): string => {
  const ts = records.map((r) => r.t);
  const G = records.map((r) => r.G);
  const ret = records.map((r) => r.trueReturn);
  const [gMin, gMax] = range([G]);
  const [rMin, rMax] = range([ret]);
  const s1 = scaleOf(W, 0, Math.max(1, T - 1), gMin, gMax);
  const s2 = scaleOf(W, 0, Math.max(1, T - 1), rMin, rMax);
  const svg = `<svg class="plot" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="A-PARL: G and the true return over ${records.length} of ${T} outer steps">` +
    axes(W, 0, Math.max(1, T - 1), gMin, gMax, s1, 'outer step t', 'G(ν_t) (solid)') +
    `<path d="${path(ts, G, s1)}" fill="none" stroke="${PALETTE.vermillion}" stroke-width="2.5"/>` +
    `<path d="${path(ts, ret, s2)}" fill="none" stroke="${PALETTE.blue}" stroke-width="2.5" stroke-dasharray="7 4"/>` +
    `</svg><p class="legend"><span class="key-vermillion">solid: G(ν_t)</span> (axis) · <span class="key-blue">dashed: true return</span> (its own scale ${esc(shortNumber(rMin, 3))} … ${esc(shortNumber(rMax, 3))})</p>`;
  const last = records[records.length - 1];
  if (last === undefined) return svg + '<p>starting…</p>';
  const ok = last.solves.every((r) => r.reliable);
  const nuCells = nu === null ? '' : `<p>ν after the last step: ${Array.from(nu, (x, i) => `${esc(paramNames[i] ?? `ν${i}`)} = ${num(`aparl.nu[${i}]`, x, ok)}`).join(', ')}</p>`;
  return svg +
    `<p aria-live="polite">step ${num('aparl.t', last.t)} of ${T}${done ? ' (done)' : ' (running…)'}: G = ${num('aparl.G', last.G, ok, undefined, 6)}, true return = ${num('aparl.trueReturn', last.trueReturn, ok, undefined, 6)}, ‖ĝ‖ = ${num('aparl.stepGradNorm', last.stepGradNorm, ok)}, lower-level gap J* − J(θ^K) = ${num('aparl.lowerGap', last.lowerGap, ok)}</p>` +
    nuCells + (ok ? '' : '<p class="note bad" role="alert">A solve behind the last A-PARL step is unreliable (⚠).</p>');
};

/** The gpu.js panel: backend, error against float64 and the tolerance, and θ*'s rows side by side. */
export const gpuPanel = (g: GpuSoftmaxCheck, S: number): string => {
  const A = g.A;
  const rows: string[] = [];
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const i = s * A + a;
      rows.push(`<tr><th scope="row">π*(a${a} | s${s})</th><td>${num(`gpu.float64[${s},${a}]`, g.float64[i], undefined, undefined, 10)}</td><td>${num(`gpu.float32[${s},${a}]`, g.float32[i], undefined, undefined, 10)}</td><td>${num(`gpu.error[${s},${a}]`, Math.abs(g.float32[i] - g.float64[i]), undefined, undefined, 2)}</td></tr>`);
    }
  }
  const allowed = g.tolerance.atol + g.tolerance.rtol;
  return `<p>gpu.js backend: <strong id="gpu-backend">${esc(g.mode)}</strong>${g.skipped.length > 0 ? ` (tried first: ${esc(g.skipped.join('; '))})` : ''}; ${g.rows} rows × ${A} actions (θ*'s ${S} row${S === 1 ? '' : 's'}, then ${g.rows - S} seeded rows of logits in [−8, 8]), ${g.launches} kernel launches.</p>` +
    `<p>Largest |float32 − float64| over the batch: ${num('gpu.maxAbsError', g.maxAbsError, undefined, 'gpu-max-error', 3)}; the kernel tolerance allows ${num('gpu.allowedAtOne', allowed, undefined, undefined, 3)} at π = 1 (${esc(g.tolerance.description)}): <strong>${g.comparison.pass ? 'within tolerance' : 'OUTSIDE TOLERANCE'}</strong>.</p>` +
    `<div class="scroll"><table><caption>softmax(θ*) in float64 (the library) and float32 (gpu.js)</caption><thead><tr><th scope="col"></th><th scope="col">float64</th><th scope="col">float32 (${esc(g.mode)})</th><th scope="col">|difference|</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
};
