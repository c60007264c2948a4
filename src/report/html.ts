/**
 * The self-contained HTML report: inline CSS and inline SVG figures, no scripts and no external
 * URLs, so it opens offline and can be attached to a paper review as one file.
 */
import type { ExperimentResult } from '../experiments/types.js';

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}.claim{color:#444}.finding{background:#f6f8fa;padding:.5em}.solves{font-size:.9em}.unreliable{color:#a00;font-weight:bold}`;

/** How many numerical solves the experiment made and how many were unreliable, next to its figures. */
const solvesLine = (r: ExperimentResult): string => {
  if (r.solves === undefined) return '<p class="solves">Numerical solves: no solve reports recorded by this experiment.</p>';
  const { total, unreliable, firstUnreliable } = r.solves;
  const cls = unreliable > 0 ? 'solves unreliable' : 'solves';
  return `<p class="${cls}" data-solves="${total}" data-unreliable="${unreliable}"><b>Numerical solves:</b> ${total}, of which ${unreliable} unreliable${firstUnreliable !== undefined ? ` (first: ${escape(firstUnreliable)})` : ''}.</p>`;
};

/** Render the report of the given experiments with their figures (already rendered to SVG by id). */
export const renderReport = (
  results: ReadonlyArray<ExperimentResult>,
  svgs: ReadonlyMap<string, string>,
  meta: { readonly seed: number; readonly seeds: number; readonly quick: boolean; readonly version: string },
): string => {
  const sections = results.map((r) => `
<h2 id="${escape(r.name)}">${escape(r.title)}</h2>
<p class="claim"><b>Claim.</b> ${escape(r.claim)}</p>
<p class="finding"><b>Finding.</b> ${escape(r.finding)}</p>
<table><tr><th>metric</th><th>value</th></tr>
${r.summary.map((s) => `<tr><td>${escape(s.metric)}</td><td>${escape(s.value)}</td></tr>`).join('\n')}
</table>
${r.figures.map((f) => `<figure id="fig-${escape(f.id)}"><h3>${escape(f.title)}</h3>${svgs.get(f.id) ?? '<p>(figure missing)</p>'}<figcaption>${escape(f.caption)}</figcaption></figure>`).join('\n')}
${solvesLine(r)}`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>parl-ts: A-PARL experiments</title><style>${CSS}</style></head>
<body>
<h1>parl-ts: the claims of PARL, checked in tabular form</h1>
<p>parl-ts ${escape(meta.version)}; ${meta.quick ? 'quick versions' : 'full versions'} of the experiments; seed ${meta.seed}, ${meta.seeds} seed(s) where an experiment uses several.
Every number below is computed by the float64 reference path; rerun with <code>parl run &lt;name&gt; --seed ${meta.seed}${meta.quick ? '' : ' --full'}</code>.</p>
<p>To move λ, γ, β, ν and K and watch π*, ψ and ∇G change, open <a href="explore.html">explore.html</a> beside this file (<code>npm start</code> writes it; the same library, bundled for the browser).</p>
<ul>${results.map((r) => `<li><a href="#${escape(r.name)}">${escape(r.title)}</a></li>`).join('')}</ul>
${sections.join('\n')}
</body></html>
`;
};
