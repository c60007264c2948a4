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
  const color = { field: opts.series, type: 'nominal' as const, title: opts.series };
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
    width: opts.width ?? 420,
    height: 260,
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
  width: 420,
  height: 260,
  data: { values: opts.rows as Record<string, unknown>[] },
  mark: { type: 'point', opacity: 0.5, size: 12 },
  encoding: {
    x: { field: opts.x, type: 'quantitative', title: opts.xTitle, scale: opts.logX ? { type: 'log' } : { zero: false } },
    y: { field: opts.y, type: 'quantitative', title: opts.yTitle, scale: opts.logY ? { type: 'log' } : { zero: false } },
    color: { field: opts.series, type: 'nominal', title: opts.series },
  },
} as unknown as TopLevelSpec);
