/**
 * The explorable page's HTML and CSS around the bundled script: the labelled controls (with the
 * first view's values), the empty panels that browser.ts fills, and the styles (text ≥ 12 px,
 * Okabe–Ito colours, one column below 900 px).
 */
import { EXPLORE_DEFAULTS, EXPLORE_PROBLEMS, PROBLEM_TITLES, type ExploreParams } from './problems.js';
import { esc } from './render.js';

/** A range control with its label and live value (`<output>`). */
interface RangeControl {
  readonly id: keyof ExploreParams;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly help: string;
}

/** The range controls, in page order. */
export const RANGE_CONTROLS: ReadonlyArray<RangeControl> = [
  { id: 'lambda', label: 'λ (entropy weight)', min: 0.05, max: 2, step: 0.05, help: 'lower level: π* = softmax(θ*) of the λ-regularised MDP' },
  { id: 'gamma', label: 'γ (discount)', min: 0, max: 0.99, step: 0.01, help: 'the bandit’s π* does not depend on γ, its V* does' },
  { id: 'beta', label: 'β (teacher rationality)', min: 0.1, max: 5, step: 0.1, help: 'Bradley–Terry teacher: P(first preferred) = σ(β(R¹ − R²))' },
  { id: 'nuScale', label: 'ν = c · ν_ref, c', min: -1, max: 3, step: 0.05, help: 'c = 1: r_ν is the true reward' },
  { id: 'K', label: 'K (A-PARL inner steps)', min: 1, max: 50, step: 1, help: 'warm-started policy-gradient steps per outer step' },
];

/** CSS of the page. */
export const PAGE_CSS = `
:root { --fg: #111; --muted: #444; --bg: #fff; --panel: #f7f7f7; --line: #bbb; --ok: #006b4f; --bad: #a33a00; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); line-height: 1.45; }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0.75rem 1rem; }
h1 { font-size: 1.5rem; margin: 0.25rem 0; }
h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
p { margin: 0.4rem 0; }
a { color: #0b5394; }
form#controls { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 0.6rem 1rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; }
.control { display: flex; flex-direction: column; gap: 0.2rem; }
.control label { font-weight: 600; }
.control .help { font-size: 0.8125rem; color: var(--muted); }
.control input[type=range] { width: 100%; min-height: 28px; }
.control select, .control input[type=number] { font-size: 1rem; padding: 0.25rem; min-height: 32px; max-width: 100%; width: 100%; }
output { font-variant-numeric: tabular-nums; }
:focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }
.panels { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; margin-top: 1rem; }
section.panel { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; min-width: 0; }
section.wide { grid-column: 1 / -1; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll.tall { max-height: 420px; overflow-y: auto; }
table { border-collapse: collapse; font-size: 0.875rem; }
caption { text-align: left; font-size: 0.8125rem; color: var(--muted); padding-bottom: 0.25rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.4rem; text-align: right; white-space: nowrap; }
th[scope=row] { text-align: left; font-weight: 600; }
table.heat td { min-width: 4.2rem; }
.num { font-variant-numeric: tabular-nums; }
.num.unreliable { color: var(--bad); font-weight: 700; text-decoration: underline dotted; }
.note { font-size: 0.8125rem; color: var(--muted); }
.note.ok { color: var(--ok); }
.note.bad { color: var(--bad); font-weight: 700; }
.big { font-size: 1.1rem; }
.legend { font-size: 0.8125rem; }
.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; border: 1px solid #888; }
.key-orange { color: #8a5a00; font-weight: 700; }
.key-blue { color: #0072B2; font-weight: 700; }
.key-vermillion { color: #B34700; font-weight: 700; }
svg.plot { display: block; max-width: 100%; height: auto; font-size: 13px; }
svg.plot text { font-size: 13px; fill: #222; }
svg.bar { width: 64px; height: 12px; vertical-align: middle; margin-left: 0.3rem; }
#status { font-size: 0.875rem; color: var(--muted); }
#error { color: var(--bad); font-weight: 700; }
@media (max-width: 900px) {
  .panels { grid-template-columns: minmax(0, 1fr); }
  header, main, footer { padding: 0.5rem; }
}
`;

const rangeHtml = (c: RangeControl, value: number): string =>
  `<div class="control"><label for="${c.id}">${esc(c.label)}: <output id="${c.id}-out" for="${c.id}">${esc(String(value))}</output></label>` +
  `<input type="range" id="${c.id}" name="${c.id}" min="${c.min}" max="${c.max}" step="${c.step}" value="${value}" aria-describedby="${c.id}-help">` +
  `<span class="help" id="${c.id}-help">${esc(c.help)}</span></div>`;

/** The controls form at `params`. */
export const controlsHtml = (params: ExploreParams = EXPLORE_DEFAULTS): string => {
  const options = EXPLORE_PROBLEMS.map((p) => `<option value="${p}"${p === params.problem ? ' selected' : ''}>${esc(PROBLEM_TITLES[p])}</option>`).join('');
  return `<form id="controls" aria-label="Problem and parameters">` +
    `<div class="control"><label for="problem">Problem</label><select id="problem" name="problem">${options}</select></div>` +
    RANGE_CONTROLS.map((c) => rangeHtml(c, params[c.id] as number)).join('') +
    `<div class="control"><label for="seed">Garnet seed</label><input type="number" id="seed" name="seed" min="0" max="100000" step="1" value="${params.seed}" aria-describedby="seed-help"><span class="help" id="seed-help">draws the Garnet’s transitions and reward</span></div>` +
    `</form>`;
};

/** The whole page around the bundled script (`script` must already be safe inside a script element). */
export const pageHtml = (script: string, params: ExploreParams = EXPLORE_DEFAULTS): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>parl-ts: explore PARL in the browser</title>
<style>${PAGE_CSS}</style>
</head>
<body data-ready="false" data-computation="0">
<header>
<h1>Explore PARL: the lower level, the ν-score and A-PARL, live</h1>
<p>Every number below is computed in your browser, in float64, by parl-ts itself (bundled into this file): move a control and it is recomputed. The softmax also runs on gpu.js (float32) beside the float64 result. Paper: Chakraborty et al., <a href="https://arxiv.org/abs/2308.02585">PARL, ICLR 2024 (arXiv 2308.02585)</a>.</p>
<noscript><p id="error">This page computes with JavaScript; please enable it.</p></noscript>
</header>
<main>
${controlsHtml(params)}
<p id="status" role="status" aria-live="polite">computing…</p>
<p id="error" role="alert"></p>
<div class="panels">
<section class="panel" id="panel-policy" aria-labelledby="h-policy"><h2 id="h-policy">Lower level: π* and V*</h2><div id="policy"></div></section>
<section class="panel" id="panel-gradient" aria-labelledby="h-gradient"><h2 id="h-gradient">Upper level: G and ∇G split</h2><div id="gradient"></div></section>
<section class="panel" id="panel-psi" aria-labelledby="h-psi"><h2 id="h-psi">ν-score ψ heat map (state × action × reward parameter)</h2><div id="psi"></div></section>
<section class="panel" id="panel-bandit" aria-labelledby="h-bandit"><h2 id="h-bandit">The bandit: G(Δ), the MLE and PARL’s optimum</h2><div id="bandit"></div></section>
<section class="panel" id="panel-aparl" aria-labelledby="h-aparl"><h2 id="h-aparl">A-PARL run (exact mode, PARL gradient at θ^K)</h2><div id="aparl"></div></section>
<section class="panel" id="panel-gpu" aria-labelledby="h-gpu"><h2 id="h-gpu">gpu.js: the batched softmax in float32</h2><div id="gpu"></div></section>
</div>
</main>
<footer><p class="note">parl-ts explorable page; built by <code>npm start</code> (src/explore). Nothing is loaded from the network.</p></footer>
<script>${script}</script>
</body>
</html>
`;
