/**
 * Gradient checks as a public API, in the spirit of `torch.autograd.gradcheck` and
 * `jax.test_util.check_grads` (MATH.md §10): compare an analytic gradient / Jacobian with
 * central (order 2) or Richardson (order 4) differences and report the worst entry.
 *
 * Pass rule, per entry:  |analytic − numeric| ≤ atol + rtol·|numeric|.
 * Defaults are derived in `tolerance.ts`: rtol = `gradcheckRtol(order)` (≈ 6e-7 for order 2,
 * ≈ 5e-9 for order 4) and atol = `gradcheckAtol(order, h, S)` = 1024·W·ε·S/h, where S is the
 * scale max(1, |F_j|) of that output over the stencil (≈ 3.7e-8·S for order 2).
 * `worst` is the entry with the largest ratio |analytic − numeric| / allowed.
 *
 * Kinks: for every checked coordinate (or projection) the forward and backward one-sided
 * differences (step √ε·max(1,|xᵢ|)) are compared; when they differ by more than the kink
 * tolerance (default `kinkTolerance` in `tolerance.ts`: the disagreement a smooth function
 * can produce from curvature and rounding) the entry is listed in `kinks`. A kink is not a
 * bug: there the entry passes when the analytic value lies in [min(left,right),
 * max(left,right)] (a one-sided derivative or a subgradient), widened by atol + rtol·|·| and
 * half the derived kink tolerance; `matches` says which side (or 'between', or 'neither').
 */
import type { Rng } from '../random/rng.js';
import {
  type Line,
  type LinePoint,
  type ScalarFn,
  type Stencil,
  type VectorFn,
  coordinateLine,
  directionLine,
  representableStep,
  stencilAlongLine,
} from './finiteDifference.js';
import {
  type DifferenceOrder,
  type Precision,
  differenceStep,
  gradcheckAtol,
  gradcheckRtol,
  kinkTolerance as derivedKinkTolerance,
  oneSidedStep,
  scaleOf,
} from './tolerance.js';

/** Options of `gradcheck`, `jacobianCheck` and `projectionCheck`. */
export interface GradcheckOptions {
  /** 2: central difference (default); 4: Richardson. */
  readonly order?: DifferenceOrder;
  /** Relative tolerance (default `gradcheckRtol(order)`). */
  readonly rtol?: number;
  /** Absolute tolerance (default per entry: `gradcheckAtol(order, h, S)`). */
  readonly atol?: number;
  /** Central step (made representable per coordinate); default `differenceStep(order, xᵢ)`. */
  readonly h?: number;
  /** Forward/backward disagreement above which an entry is a kink (default: derived per entry). */
  readonly kinkTolerance?: number;
  /** Precision whose ε sets the default steps and tolerances (default float64). */
  readonly precision?: Precision;
}

/** The entry with the largest error-to-allowed ratio. */
export interface WorstEntry {
  /** Flat index: coordinate (gradient), j·n + i (Jacobian), projection number (projection). */
  readonly index: number;
  readonly row?: number;
  readonly col?: number;
  readonly analytic: number;
  /** The numeric value compared with (at a kink: the nearest point of [left, right]). */
  readonly numeric: number;
  readonly absError: number;
  /** absError / max(|analytic|, |numeric|) (0 when both are 0). */
  readonly relError: number;
  /** The allowed error atol + rtol·|numeric| (+ kink slack). */
  readonly allowed: number;
  /** Whether this entry is a kink. */
  readonly atKink: boolean;
}

/** A coordinate (or projection) where the left and right differences disagree. */
export interface KinkEntry {
  readonly index: number;
  readonly row?: number;
  readonly col?: number;
  /** Backward difference (f(x) − f(x − h))/h. */
  readonly left: number;
  /** Forward difference (f(x + h) − f(x))/h. */
  readonly right: number;
  readonly analytic: number;
  /** Which one-sided derivative the analytic value matches ('between': a subgradient). */
  readonly matches: 'left' | 'right' | 'between' | 'neither';
}

/** Outcome of a gradient check. */
export interface GradcheckReport {
  /** Every entry passed. */
  readonly ok: boolean;
  readonly worst: WorstEntry;
  /** Number of entries compared (n, m·n, or the number of projections). */
  readonly checked: number;
  /** Number of entries that failed. */
  readonly failures: number;
  readonly kinks: ReadonlyArray<KinkEntry>;
  readonly mode: 'full' | 'projection';
  readonly order: DifferenceOrder;
  /** Number of evaluations of the function under test. */
  readonly evaluations: number;
}

/** Options of `projectionCheck`: a seeded generator and the number of random projections. */
export interface ProjectionCheckOptions extends GradcheckOptions {
  readonly rng: Rng;
  /** Number of random (u, v) pairs (default 3). */
  readonly projections?: number;
}

/** An analytic Jacobian (row-major m×n) or a Jacobian-vector product v ↦ J·v (length m). */
export type JacobianOrJvp = Readonly<Float64Array> | ((v: Readonly<Float64Array>) => ArrayLike<number>);

interface Entry {
  readonly worst: WorstEntry;
  readonly ratio: number;
  readonly pass: boolean;
  readonly kink?: KinkEntry;
}

interface Position {
  readonly index: number;
  readonly row?: number;
  readonly col?: number;
}

interface LineCheck {
  readonly line: Line;
  readonly m: number;
  readonly f0: ArrayLike<number>;
  /** Magnitude of the terms of f0, when larger than |f0| (projection mode). */
  readonly f0Magnitude?: number;
  readonly hCentral: number;
  readonly hKink: number;
  readonly analytic: (stencil: Stencil) => ArrayLike<number>;
  readonly position: (j: number) => Position;
}

interface Resolved {
  readonly order: DifferenceOrder;
  readonly precision: Precision;
  readonly rtol?: number;
  readonly atol?: number;
  readonly kinkTolerance?: number;
}

const resolve = (opts: GradcheckOptions): Resolved => {
  const order = opts.order ?? 2;
  if (order !== 2 && order !== 4) throw new RangeError(`order must be 2 or 4, got ${String(order)}`);
  for (const key of ['rtol', 'atol', 'kinkTolerance', 'h'] as const) {
    const v = opts[key];
    if (v !== undefined && !(v >= 0)) throw new RangeError(`${key} must be ≥ 0, got ${v}`);
  }
  return {
    order,
    precision: opts.precision ?? 'float64',
    rtol: opts.rtol,
    atol: opts.atol,
    kinkTolerance: opts.kinkTolerance,
  };
};

const ratioOf = (err: number, allowed: number): number =>
  Number.isNaN(err) || Number.isNaN(allowed) ? Infinity : err === 0 ? 0 : allowed === 0 ? Infinity : err / allowed;

const relErrorOf = (err: number, a: number, b: number): number => {
  const d = Math.max(Math.abs(a), Math.abs(b));
  return err === 0 ? 0 : d === 0 ? Infinity : err / d;
};

const pointMagnitude = (p: LinePoint, j: number): number => Math.max(Math.abs(p.value[j]), p.magnitude ?? 0);

/** Check the m outputs of one line (a coordinate or a projection): 2 or 4 + 2 evaluations. */
const checkLine = (c: LineCheck, r: Resolved): Entry[] => {
  const stencil = stencilAlongLine(c.line, c.m, r.order, c.hCentral);
  const right = c.line(c.hKink);
  const left = c.line(-c.hKink);
  if (right.value.length !== c.m || left.value.length !== c.m)
    throw new RangeError(`function returned the wrong length (expected m = ${c.m})`);
  const tr = right.offset;
  const tl = -left.offset;
  if (!(tr > 0 && tl > 0)) throw new RangeError(`one-sided step ${c.hKink} vanishes on this line`);
  const analytic = c.analytic(stencil);
  const [p, q] = stencil.inner;
  const entries: Entry[] = [];
  for (let j = 0; j < c.m; j++) {
    const f0 = c.f0[j];
    const scale = scaleOf(
      f0,
      c.f0Magnitude ?? 0,
      ...stencil.points.map((pt) => pointMagnitude(pt, j)),
      pointMagnitude(right, j),
      pointMagnitude(left, j),
    );
    const numeric = stencil.derivative[j];
    const a = analytic[j];
    const atol = r.atol ?? gradcheckAtol(r.order, stencil.h, scale, r.precision);
    const rtol = r.rtol ?? gradcheckRtol(r.order, r.precision);
    // one-sided differences and the wide-stencil curvature (see kinkTolerance in tolerance.ts)
    const rightD = (right.value[j] - f0) / tr;
    const leftD = (f0 - left.value[j]) / tl;
    const curvature = ((p.value[j] - f0) / p.offset - (f0 - q.value[j]) / -q.offset) / ((p.offset - q.offset) / 2);
    const derivedTol = derivedKinkTolerance(Math.min(tr, tl), scale, curvature, r.precision);
    const kinkTol = r.kinkTolerance ?? derivedTol;
    const isKink = Math.abs(rightD - leftD) > kinkTol;
    const pos = c.position(j);
    if (!isKink) {
      const absError = Math.abs(a - numeric);
      const allowed = atol + rtol * Math.abs(numeric);
      const ratio = ratioOf(absError, allowed);
      entries.push({
        ratio,
        pass: absError <= allowed,
        worst: { ...pos, analytic: a, numeric, absError, relError: relErrorOf(absError, a, numeric), allowed, atKink: false },
      });
      continue;
    }
    const lo = Math.min(leftD, rightD);
    const hi = Math.max(leftD, rightD);
    const nearest = Number.isNaN(a) ? numeric : Math.min(hi, Math.max(lo, a));
    const slack = derivedTol / 2;
    const allowedAt = (v: number): number => atol + rtol * Math.abs(v) + slack;
    const absError = Math.abs(a - nearest);
    const allowed = allowedAt(nearest);
    const pass = absError <= allowed;
    const matches: KinkEntry['matches'] = !pass
      ? 'neither'
      : a < lo || a > hi
        ? nearest === leftD
          ? 'left'
          : 'right'
        : Math.abs(a - leftD) <= allowedAt(leftD)
          ? 'left'
          : Math.abs(a - rightD) <= allowedAt(rightD)
            ? 'right'
            : 'between';
    entries.push({
      ratio: ratioOf(absError, allowed),
      pass,
      worst: {
        ...pos,
        analytic: a,
        numeric: nearest,
        absError,
        relError: relErrorOf(absError, a, nearest),
        allowed,
        atKink: true,
      },
      kink: { ...pos, left: leftD, right: rightD, analytic: a, matches },
    });
  }
  return entries;
};

const summarize = (
  entries: ReadonlyArray<Entry>,
  mode: 'full' | 'projection',
  order: DifferenceOrder,
  evaluations: number,
): GradcheckReport => {
  let worst: Entry | undefined;
  let failures = 0;
  const kinks: KinkEntry[] = [];
  for (const e of entries) {
    if (!e.pass) failures++;
    if (e.kink !== undefined) kinks.push(e.kink);
    if (worst === undefined || e.ratio > worst.ratio) worst = e;
  }
  const empty: WorstEntry = {
    index: -1,
    analytic: 0,
    numeric: 0,
    absError: 0,
    relError: 0,
    allowed: 0,
    atKink: false,
  };
  return {
    ok: failures === 0,
    worst: worst?.worst ?? empty,
    checked: entries.length,
    failures,
    kinks,
    mode,
    order,
    evaluations,
  };
};

/** Evaluate F at a copy of x and check the output length. */
const evalAt = (F: VectorFn, x: Readonly<Float64Array>, m: number): ArrayLike<number> => {
  const value = F(x.slice());
  if (value.length !== m) throw new RangeError(`function returned length ${value.length}, expected m = ${m}`);
  return Array.from(value);
};

/** Count evaluations of F. */
const counted = (F: VectorFn): { F: VectorFn; count: () => number } => {
  let calls = 0;
  return {
    F: (y) => {
      calls++;
      return F(y);
    },
    count: () => calls,
  };
};

const checkX = (x: Readonly<Float64Array>): void => {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i])) throw new RangeError(`x[${i}] = ${x[i]} is not finite`);
};

/** Check an analytic Jacobian (row-major m×n) of F: ℝⁿ → ℝᵐ at x entry by entry. */
export const jacobianCheck = (
  F: VectorFn,
  analyticJac: Readonly<Float64Array>,
  x: Readonly<Float64Array>,
  m: number,
  opts: GradcheckOptions = {},
): GradcheckReport => {
  const r = resolve(opts);
  const n = x.length;
  if (!Number.isInteger(m) || m < 0) throw new RangeError(`m must be a non-negative integer, got ${m}`);
  if (analyticJac.length !== m * n)
    throw new RangeError(`analytic Jacobian has length ${analyticJac.length}, expected m·n = ${m * n}`);
  checkX(x);
  const jac = Float64Array.from(analyticJac); // snapshot: F cannot alter what we compare with
  const { F: Fc, count } = counted(F);
  const f0 = evalAt(Fc, x, m);
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const hCentral = representableStep(x[i], opts.h ?? differenceStep(r.order, x[i], r.precision));
    entries.push(
      ...checkLine(
        {
          line: coordinateLine(Fc, x, i),
          m,
          f0,
          hCentral,
          hKink: oneSidedStep(x[i], r.precision),
          analytic: () => Array.from({ length: m }, (_, j) => jac[j * n + i]),
          position: (j) => ({ index: j * n + i, row: j, col: i }),
        },
        r,
      ),
    );
  }
  return summarize(entries, 'full', r.order, count());
};

/** Check an analytic gradient of a scalar f: ℝⁿ → ℝ at x coordinate by coordinate. */
export const gradcheck = (
  f: ScalarFn,
  analyticGrad: Readonly<Float64Array>,
  x: Readonly<Float64Array>,
  opts: GradcheckOptions = {},
): GradcheckReport => {
  if (analyticGrad.length !== x.length)
    throw new RangeError(`analytic gradient has length ${analyticGrad.length}, expected n = ${x.length}`);
  const report = jacobianCheck((y) => [f(y)], analyticGrad, x, 1, opts);
  const strip = <T extends { row?: number; col?: number }>(e: T): Omit<T, 'row' | 'col'> => {
    const { row: _row, col: _col, ...rest } = e;
    return rest;
  };
  return { ...report, worst: strip(report.worst), kinks: report.kinks.map(strip) };
};

const randomUnit = (rng: Rng, k: number): Float64Array => {
  const v = new Float64Array(k);
  for (;;) {
    let norm2 = 0;
    for (let i = 0; i < k; i++) {
      v[i] = rng.normal();
      norm2 += v[i] * v[i];
    }
    if (norm2 > 0) {
      const norm = Math.sqrt(norm2);
      for (let i = 0; i < k; i++) v[i] /= norm;
      return v;
    }
  }
};

/**
 * Cheap check of F: ℝⁿ → ℝᵐ by random projections: for unit u ∈ ℝᵐ, v ∈ ℝⁿ drawn from `rng`,
 * compare uᵀJv with the directional difference of t ↦ uᵀF(x + t·v) — O(projections)
 * evaluations instead of O(n). The rounding of the nodes x + t·v is corrected exactly: the
 * analytic side uses v_eff = Σ_k w_k·(fl(x + t_k·v) − x), the direction the stencil really
 * differentiated along. Steps use the scale max(1, ‖x‖∞); `index` numbers the projection.
 * Kinks along a projection are detected as in the full check (a heuristic here: the rounded
 * one-sided nodes add an error ≈ √ε·‖Jᵀu‖₁ to each one-sided difference).
 */
export const projectionCheck = (
  F: VectorFn,
  jvpOrJac: JacobianOrJvp,
  x: Readonly<Float64Array>,
  m: number,
  opts: ProjectionCheckOptions,
): GradcheckReport => {
  const r = resolve(opts);
  const n = x.length;
  const projections = opts.projections ?? 3;
  if (!Number.isInteger(projections) || projections < 1)
    throw new RangeError(`projections must be a positive integer, got ${projections}`);
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`m must be a positive integer, got ${m}`);
  if (n < 1) throw new RangeError('projectionCheck needs n ≥ 1');
  checkX(x);
  let jvp: (v: Readonly<Float64Array>) => ArrayLike<number>;
  if (typeof jvpOrJac === 'function') {
    jvp = jvpOrJac;
  } else {
    if (jvpOrJac.length !== m * n)
      throw new RangeError(`analytic Jacobian has length ${jvpOrJac.length}, expected m·n = ${m * n}`);
    const jac = Float64Array.from(jvpOrJac);
    jvp = (v) => {
      const out = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += jac[j * n + i] * v[i];
        out[j] = s;
      }
      return out;
    };
  }
  let xmax = 0;
  for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(x[i]));
  const hCentral = opts.h ?? differenceStep(r.order, xmax, r.precision);
  const hKink = oneSidedStep(xmax, r.precision);
  const { F: Fc, count } = counted(F);
  const f0 = evalAt(Fc, x, m);
  const entries: Entry[] = [];
  for (let k = 0; k < projections; k++) {
    const u = randomUnit(opts.rng, m);
    const v = randomUnit(opts.rng, n);
    const dotU = (value: ArrayLike<number>): { dot: number; magnitude: number } => {
      if (value.length !== m) throw new RangeError(`function returned length ${value.length}, expected m = ${m}`);
      let dot = 0;
      let magnitude = 0;
      for (let j = 0; j < m; j++) {
        dot += u[j] * value[j];
        magnitude += Math.abs(u[j] * value[j]);
      }
      return { dot, magnitude };
    };
    const along = directionLine(Fc, x, v);
    const line: Line = (t) => {
      const pt = along(t);
      const { dot, magnitude } = dotU(pt.value);
      return { value: [dot], offset: pt.offset, displacement: pt.displacement, magnitude };
    };
    const g0 = dotU(f0);
    const analytic = (stencil: Stencil): ArrayLike<number> => {
      const vEff = new Float64Array(n);
      stencil.points.forEach((pt, idx) => {
        const d = pt.displacement as Float64Array;
        for (let i = 0; i < n; i++) vEff[i] += stencil.weights[idx] * d[i];
      });
      const jv = jvp(vEff);
      if (jv.length !== m) throw new RangeError(`Jacobian-vector product has length ${jv.length}, expected m = ${m}`);
      return [dotU(jv).dot];
    };
    entries.push(
      ...checkLine(
        {
          line,
          m: 1,
          f0: [g0.dot],
          f0Magnitude: g0.magnitude,
          hCentral,
          hKink,
          analytic,
          position: () => ({ index: k }),
        },
        r,
      ),
    );
  }
  return summarize(entries, 'projection', r.order, count());
};

const num = (v: number): string => (Number.isFinite(v) ? v.toExponential(3) : String(v));

/** One-line summary of a report for the CLI. */
export const formatGradcheckReport = (report: GradcheckReport): string => {
  const w = report.worst;
  const where = w.row !== undefined ? `(${w.row},${w.col})` : report.mode === 'projection' ? `projection ${w.index}` : `#${w.index}`;
  const ratio = ratioOf(w.absError, w.allowed);
  const worst =
    report.checked === 0
      ? 'nothing checked'
      : `worst ${where}${w.atKink ? ' [kink]' : ''}: analytic ${num(w.analytic)} numeric ${num(w.numeric)} ` +
        `abs ${num(w.absError)} rel ${num(w.relError)} (${ratio === 0 ? '0' : num(ratio)}× allowed ${num(w.allowed)})`;
  const kinks =
    report.kinks.length === 0
      ? 'no kinks'
      : `${report.kinks.length} kink(s): ` +
        report.kinks
          .slice(0, 4)
          .map((k) => `${k.row !== undefined ? `(${k.row},${k.col})` : k.index} [${num(k.left)}, ${num(k.right)}] ${k.matches}`)
          .join('; ') +
        (report.kinks.length > 4 ? '; …' : '');
  return (
    `gradcheck ${report.ok ? 'ok' : 'FAILED'} (${report.mode}, order ${report.order}, ` +
    `${report.failures}/${report.checked} failing, ${report.evaluations} evals): ${worst}; ${kinks}`
  );
};
