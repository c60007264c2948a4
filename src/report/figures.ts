/**
 * Figures: vega-lite specifications rendered to standalone SVG in Node (no browser, no canvas,
 * no external URLs). Rendering is asynchronous and lives at the edge (the CLI and the report).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A figure of the report: a title, a caption, and a vega-lite specification. */
export interface Figure {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** Render a vega-lite specification to an SVG string. */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};

/** Width of every figure (px): readable on a laptop screen and in print. */
export const FIGURE_WIDTH = 640;
/** Height of every figure (px). */
export const FIGURE_HEIGHT = 320;

/** Okabe–Ito colours: distinguishable under the common colour-vision deficiencies. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** Text of at least 12 px everywhere (axes, legends, titles). */
const READABLE = {
  axis: { labelFontSize: 12, titleFontSize: 13 },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 320 },
  title: { fontSize: 14 },
  text: { fontSize: 12 },
} as const;

/** Compare series names by the numbers in them ("K = 5" before "K = 20"), then as text. */
export const naturalCompare = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** The colour encoding of a series field: legend in natural order, Okabe–Ito palette. */
const seriesColor = (rows: ReadonlyArray<Record<string, number | string>>, field: string) => {
  const domain = [...new Set(rows.map((r) => String(r[field])))].sort(naturalCompare);
  return { field, type: 'nominal' as const, title: field, sort: domain, scale: { domain, range: OKABE_ITO } };
};

/** A line chart of `rows` (x, y, series[, lo, hi]) with an optional 95% band; log axes on request. */
export const lineChart = (opts: {
  readonly rows: ReadonlyArray<Record<string, number | string>>;
  readonly x: string;
  readonly y: string;
  readonly series: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly band?: { readonly lo: string; readonly hi: string };
  readonly points?: boolean;
  readonly width?: number;
}): TopLevelSpec => {
  const xEnc = { field: opts.x, type: 'quantitative' as const, title: opts.xTitle, scale: opts.logX ? { type: 'log' as const } : { zero: false } };
  const yScale = opts.logY ? { type: 'log' as const } : { zero: false };
  const color = seriesColor(opts.rows, opts.series);
  const layers: object[] = [];
  if (opts.band) {
    layers.push({
      mark: { type: 'area', opacity: 0.2 },
      encoding: { x: xEnc, y: { field: opts.band.lo, type: 'quantitative', scale: yScale, title: opts.yTitle }, y2: { field: opts.band.hi }, color },
    });
  }
  layers.push({
    mark: { type: 'line', point: opts.points ?? false },
    encoding: { x: xEnc, y: { field: opts.y, type: 'quantitative', title: opts.yTitle, scale: yScale }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: opts.width ?? FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    config: READABLE,
    data: { values: opts.rows as Record<string, unknown>[] },
    layer: layers,
  } as unknown as TopLevelSpec;
};

/** A scatter plot with optional log axes and a colour field. */
export const scatterChart = (opts: {
  readonly rows: ReadonlyArray<Record<string, number | string>>;
  readonly x: string;
  readonly y: string;
  readonly series: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
}): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: FIGURE_WIDTH,
  height: FIGURE_HEIGHT,
  config: READABLE,
  data: { values: opts.rows as Record<string, unknown>[] },
  mark: { type: 'point', opacity: 0.5, size: 12 },
  encoding: {
    x: { field: opts.x, type: 'quantitative', title: opts.xTitle, scale: opts.logX ? { type: 'log' } : { zero: false } },
    y: { field: opts.y, type: 'quantitative', title: opts.yTitle, scale: opts.logY ? { type: 'log' } : { zero: false } },
    color: seriesColor(opts.rows, opts.series),
  },
} as unknown as TopLevelSpec);
