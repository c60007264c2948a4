/**
 * Small statistics for the experiments: means with 95% intervals across seeds, and least-squares
 * slopes on log-log axes (the empirical convergence rate).
 */

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (then the normal 1.96). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean and the half-width of its 95% t-interval (NaN half-width for a single value). */
export const meanCi95 = (xs: ReadonlyArray<number>): { mean: number; half: number } => {
  const n = xs.length;
  if (n === 0) return { mean: NaN, half: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, half: NaN };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const t = n - 1 <= 30 ? T975[n - 2] : 1.96;
  return { mean, half: (t * Math.sqrt(v)) / Math.sqrt(n) };
};

/**
 * Least-squares slope and intercept of log y against log x (points with x, y > 0), with the
 * half-width of the slope's 95% t-interval (`half`: t_{0.975, n−2} × standard error; NaN below 3 points).
 */
export const logLogSlope = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>): { slope: number; intercept: number; half: number; n: number } => {
  const px: number[] = [];
  const py: number[] = [];
  xs.forEach((x, i) => {
    if (x > 0 && ys[i] > 0 && Number.isFinite(ys[i])) {
      px.push(Math.log(x));
      py.push(Math.log(ys[i]));
    }
  });
  const n = px.length;
  if (n < 2) return { slope: NaN, intercept: NaN, half: NaN, n };
  const mx = px.reduce((a, b) => a + b, 0) / n;
  const my = py.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (px[i] - mx) * (py[i] - my);
    sxx += (px[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  if (n < 3) return { slope, intercept, half: NaN, n };
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (py[i] - intercept - slope * px[i]) ** 2;
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const t = n - 2 <= 30 ? T975[n - 3] : 1.96;
  return { slope, intercept, half: t * se, n };
};

/** The first x at which y reaches `target` (linear in the recorded steps), or undefined if never. */
export const firstReaching = (xs: ReadonlyArray<number>, ys: ReadonlyArray<number>, target: number): number | undefined => {
  for (let i = 0; i < ys.length; i++) if (ys[i] >= target) return xs[i];
  return undefined;
};
