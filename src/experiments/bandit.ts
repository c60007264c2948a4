/**
 * The two-armed bandit on which PARL's objective is a *performative optimum* (proofs/bandit-performative.md).
 *
 * One state with a self-loop, two actions, tabular r_ν (ν ∈ R², only the gap Δ = ν₀ − ν₁ matters),
 * entropy weight λ, preference pairs of length-1 segments labelled by a Bradley–Terry teacher with
 * rationality β on the true gap Δu = u₀ − u₁. With p = π*(0) = σ(Δ/λ), q = σ(βΔu) (the probability
 * that the teacher prefers action 0 to action 1) and ℓ(Δ) = q log σ(Δ) + (1−q) log σ(−Δ):
 *
 *   G(Δ) = −(p² + (1−p)²) log 2 + 2p(1−p) ℓ(Δ) = −log 2 + 2s·L(Δ),   s = p(1−p), L = log 2 + ℓ,
 *   dG/dΔ = 2s·[(1−2p)L/λ + q − σ(Δ)],
 *
 * so PARL's stationary point solves `(1−2p)L/λ + q − σ(Δ) = 0` (the factor 2s, the probability of
 * an informative pair, is positive), while the myopic method's (the MLE on its own data) solves
 * `q − σ(Δ) = 0`, i.e. Δ = βΔu. For Δu > 0 PARL's maximiser is the unique root in (0, βΔu).
 *
 * Two ways to get there, which must agree: the closed form above solved by a safeguarded Newton on
 * the gap, and "running the methods" with parl-ts's own exact objective (`policyPointOf`,
 * `solveLowerLevel`, `upperLevelExact`) — Newton along the gap direction (1, −1) on the library's
 * PARL (or myopic) gradient, curvature by central differences.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { ParlError, ValidationError } from '../errors/parlError.js';
import { solveLowerLevel, requireReliable } from '../lowerLevel/lowerSolution.js';
import { validateMdp } from '../mdp/validate.js';
import type { Mdp } from '../mdp/types.js';
import type { RewardModel } from '../reward/rewardModel.js';
import { upperLevelExact, type UpperLevelSpec } from '../upperLevel/objective.js';
import { policyPointOf } from '../upperLevel/policyPoint.js';
import { logSigmoid, sigmoid } from '../upperLevel/teacher.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';

// ---------------------------------------------------------------------------------------------
// Parameters

/** The bandit: entropy weight λ > 0, teacher rationality β > 0, true gap Δu = u₀ − u₁ (finite). */
export interface BanditParams {
  readonly lambda: number;
  readonly beta: number;
  readonly trueGap: number;
}

/** The defaults of `parl bandit`: λ = 0.5, β = 1, Δu = 1. */
export const BANDIT_DEFAULTS: BanditParams = { lambda: 0.5, beta: 1, trueGap: 1 };

/** Every problem with (λ, β, Δu), each with its field; λ, β finite and > 0, Δu and βΔu finite. */
export const validateBanditParams = (raw: { readonly lambda: number; readonly beta: number; readonly trueGap: number }): E.Either<NonEmptyArray<ValidationError>, BanditParams> => {
  const errs: ValidationError[] = [];
  const positive = (field: string, x: number): void => {
    if (!(Number.isFinite(x) && x > 0)) errs.push({ field, message: `must be a finite number > 0, got ${String(x)}` });
  };
  positive('lambda', raw.lambda);
  positive('beta', raw.beta);
  if (!Number.isFinite(raw.trueGap)) errs.push({ field: 'gap', message: `must be a finite number, got ${String(raw.trueGap)}` });
  else if (Number.isFinite(raw.beta) && raw.beta > 0 && !Number.isFinite(raw.beta * raw.trueGap)) {
    errs.push({ field: 'gap', message: `β·Δu must be finite, got ${raw.beta}·${raw.trueGap}` });
  }
  return errs.length > 0 ? E.left(errs as NonEmptyArray<ValidationError>) : E.right({ lambda: raw.lambda, beta: raw.beta, trueGap: raw.trueGap });
};

// ---------------------------------------------------------------------------------------------
// Stable elementary functions

/** `log cosh x`, for any finite x, to a few ulps (`log1p(2 sinh²(x/2))` for |x| ≤ 1: no cancellation at 0). */
const logCosh = (x: number): number => {
  const a = Math.abs(x);
  if (a <= 1) {
    const sh = Math.sinh(a / 2);
    return Math.log1p(2 * sh * sh);
  }
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
};

/**
 * `σ(b) − σ(x) = sinh((b − x)/2) / (2 cosh(b/2) cosh(x/2))`, to a few ulps relative for any finite
 * b, x (the plain difference loses everything when both are near 1: at b = 30, σ′(b) ≈ 1e−13).
 * For |b − x| > 2 the exponents are combined exactly: |b − x|/2 − |b|/2 − |x|/2 is −min(|b|, |x|)
 * when b and x have the same sign and 0 otherwise, so nothing cancels even at |b| = 1e300.
 */
export const sigmoidDifference = (b: number, x: number): number => {
  const y = (b - x) / 2;
  if (y === 0) return 0;
  const a = Math.abs(y);
  if (a <= 1) return Math.sign(y) * Math.exp(Math.log(Math.sinh(a)) - Math.LN2 - logCosh(b / 2) - logCosh(x / 2));
  const exponent = b * x > 0 ? -Math.min(Math.abs(b), Math.abs(x)) : 0;
  return Math.sign(y) * Math.exp(exponent + Math.log1p(-Math.exp(-2 * a)) - Math.log1p(Math.exp(-Math.abs(b))) - Math.log1p(Math.exp(-Math.abs(x))));
};

/** `σ(x)σ(−x)`, for any finite x. */
const sigmoidVariance = (x: number): number => {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
};

// ---------------------------------------------------------------------------------------------
// The closed form

/** G, its first two derivatives in the gap, π*(0) and the reduced stationarity functions at one gap. */
export interface BanditAt {
  /** `π*(0) = σ(Δ/λ)`. */
  readonly piFirst: number;
  /** `G(Δ)`. */
  readonly G: number;
  /** `dG/dΔ` (= ∂G/∂ν₀ = −∂G/∂ν₁). */
  readonly dG: number;
  /** `d²G/dΔ²`. */
  readonly d2G: number;
  /** `dG/dΔ / (2π₀π₁) = (1−2p)L/λ + q − σ(Δ)`: PARL's stationarity with the informative-pair rate divided out. */
  readonly parlReduced: number;
  /** Its derivative in Δ: `−2p(1−p)L/λ² + (1−2p)(q − σ(Δ))/λ − σ(Δ)σ(−Δ)`. */
  readonly parlReducedSlope: number;
  /** `q − σ(Δ) = ℓ′(Δ)`: the myopic gradient with 2π₀π₁ divided out. */
  readonly myopicReduced: number;
  /** `−σ(Δ)σ(−Δ) = ℓ″(Δ)`. */
  readonly myopicReducedSlope: number;
}

/** The closed form of the bandit at gap Δ (proofs/bandit-performative.md, (G), (G′), (G″)). */
export const banditAt = (params: BanditParams, gap: number): BanditAt => {
  const { lambda, beta, trueGap } = params;
  const b = beta * trueGap;
  const x = gap / lambda;
  const p = sigmoid(x);
  const s = sigmoidVariance(x); // p(1−p)
  const oneMinus2p = -Math.tanh(x / 2); // 1 − 2p
  // L = log 2 + ℓ(Δ) = (q − ½)Δ − log cosh(Δ/2) (proofs/bandit-performative.md, Step 2), with
  // q − ½ = tanh(βΔu/2)/2: exact when q itself rounds to ½ (|βΔu| < 1e−16), no cancellation near Δ = 0
  const L = (Math.tanh(b / 2) / 2) * gap - logCosh(gap / 2);
  const dl = sigmoidDifference(b, gap); // ℓ′ = q − σ(Δ)
  const d2l = -sigmoidVariance(gap); // ℓ″
  const ds = (s * oneMinus2p) / lambda;
  const d2s = (s * (oneMinus2p * oneMinus2p - 2 * s)) / (lambda * lambda);
  const parlReduced = (oneMinus2p * L) / lambda + dl;
  return {
    piFirst: p,
    G: -Math.LN2 + 2 * s * L,
    dG: 2 * s * parlReduced,
    d2G: 2 * d2s * L + 4 * ds * dl + 2 * s * d2l,
    parlReduced,
    parlReducedSlope: (-2 * s * L) / (lambda * lambda) + (oneMinus2p * dl) / lambda + d2l,
    myopicReduced: dl,
    myopicReducedSlope: d2l,
  };
};

// ---------------------------------------------------------------------------------------------
// Safeguarded Newton

/** An iterative solver's outcome (STYLE.md): the point, the residual there, the work, whether it met its stop rule. */
export interface RootReport {
  readonly x: number;
  readonly residual: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Stop when a step or the bracket is below this, relative to max(1, |x|): a few hundred ulps, far below the 1e−8 promised. */
const ROOT_TOLERANCE = 1e-13;
const MAX_ROOT_ITERATIONS = 400;

/**
 * A root of f in [lo, hi] with f(lo) > 0 > f(hi) (or f(lo) < 0 < f(hi)) by Newton steps kept
 * inside the bracket, bisecting when a step leaves it or shrinks the bracket too slowly (the
 * `rtsafe` safeguard). Converges for any continuous f; quadratically near a simple root.
 */
export const safeguardedNewton = (
  fAndSlope: (x: number) => readonly [number, number],
  lo: number,
  hi: number,
): RootReport => {
  let [fLo] = fAndSlope(lo);
  const [fHi] = fAndSlope(hi);
  if (fLo === 0) return { x: lo, residual: 0, iterations: 0, converged: true };
  if (fHi === 0) return { x: hi, residual: 0, iterations: 0, converged: true };
  if (Math.sign(fLo) === Math.sign(fHi)) return { x: NaN, residual: NaN, iterations: 0, converged: false };
  let x = (lo + hi) / 2;
  let stepOld = Math.abs(hi - lo);
  let step = stepOld;
  let [f, df] = fAndSlope(x);
  for (let k = 1; k <= MAX_ROOT_ITERATIONS; k++) {
    if (f === 0) return { x, residual: 0, iterations: k, converged: true };
    if (Math.sign(f) === Math.sign(fLo)) {
      lo = x;
      fLo = f;
    } else hi = x;
    const newton = x - f / df;
    // a Newton correction below the tolerance (possibly rounding to x itself) ends the solve
    if (Number.isFinite(newton) && Math.abs(newton - x) <= ROOT_TOLERANCE * Math.max(1, Math.abs(x))) {
      return { x: newton, residual: Math.abs(fAndSlope(newton)[0]), iterations: k, converged: true };
    }
    const inside = Number.isFinite(newton) && (newton - lo) * (newton - hi) < 0;
    const fast = Math.abs(2 * f) < Math.abs(stepOld * df);
    stepOld = step;
    if (inside && fast) {
      step = newton - x;
      x = newton;
    } else {
      step = (hi - lo) / 2;
      x = lo + step;
    }
    const tol = ROOT_TOLERANCE * Math.max(1, Math.abs(x));
    [f, df] = fAndSlope(x);
    if (Math.abs(step) <= tol || Math.abs(hi - lo) <= tol) return { x, residual: Math.abs(f), iterations: k, converged: true };
  }
  return { x, residual: Math.abs(f), iterations: MAX_ROOT_ITERATIONS, converged: false };
};

/** A method's stationary point: the gap, π*(better action), G there, and how the solve went. */
export interface BanditPoint {
  /** `Δ = ν₀ − ν₁` (the same sign as Δu: action 0 is better iff Δu > 0). */
  readonly gap: number;
  /** `π*(better action)`: σ(Δ/λ) if Δu ≥ 0, else σ(−Δ/λ). */
  readonly piBest: number;
  readonly G: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const pointAt = (params: BanditParams, gap: number, r: RootReport): BanditPoint => {
  const at = banditAt(params, gap);
  return { gap, piBest: params.trueGap < 0 ? 1 - at.piFirst : at.piFirst, G: at.G, iterations: r.iterations, converged: r.converged };
};

/**
 * The end of a bracket for a decreasing-through-zero f on [0, b] with f(0) > 0 and f(b) ≤ 0: the
 * first of min(b, c·4^k) where f ≤ 0 (c = max(λ, 1), the scale on which the reduced equations
 * vary), so that a huge b (β|Δu| up to 1e308) costs O(log b) evaluations, not O(log b) bisections
 * from the far end; returns [lo, hi].
 */
const bracketFromZero = (f: (x: number) => number, b: number, c: number): readonly [number, number] => {
  let lo = 0;
  let hi = Math.min(b, c);
  while (hi < b && f(hi) > 0) {
    lo = hi;
    hi = Math.min(b, 4 * hi);
  }
  return [lo, hi];
};

/**
 * PARL's and the myopic method's stationary points in closed form (proofs/bandit-performative.md):
 * by the symmetry G(Δ; Δu) = G(−Δ; −Δu) solve for |Δu|. PARL's maximiser is the root of the
 * reduced stationarity in (0, β|Δu|) (it is q − ½ > 0 at 0 and negative at β|Δu|). The myopic
 * point is the root of ℓ′(Δ) = q − σ(Δ), solved in the equivalent form log σ(−Δ) − log σ(−β|Δu|) = 0
 * (same sign, slope −σ(Δ) ∈ (−1, 0): no flat tail when β|Δu| is large) on [0, 3β|Δu|]; its answer
 * is β|Δu|, solved rather than typed in so that the solver is checked on a known root.
 * Δu = 0: both at Δ = 0.
 */
export const banditStationaryPoints = (params: BanditParams): { readonly parl: BanditPoint; readonly myopic: BanditPoint } => {
  const sign = params.trueGap < 0 ? -1 : 1;
  const b = params.beta * Math.abs(params.trueGap);
  const mirrored: BanditParams = { ...params, trueGap: Math.abs(params.trueGap) };
  if (b === 0) {
    const r: RootReport = { x: 0, residual: 0, iterations: 0, converged: true };
    return { parl: pointAt(params, 0, r), myopic: pointAt(params, 0, r) };
  }
  const parlF = (d: number): readonly [number, number] => {
    const a = banditAt(mirrored, d);
    return [a.parlReduced, a.parlReducedSlope];
  };
  const [lo, hi] = bracketFromZero((d) => parlF(d)[0], b, Math.max(params.lambda, 1));
  const parl = safeguardedNewton(parlF, lo, hi);
  const logTail = logSigmoid(-b);
  const myopic = safeguardedNewton((d) => [logSigmoid(-d) - logTail, -sigmoid(d)], 0, Math.min(3 * b, Number.MAX_VALUE));
  return { parl: pointAt(params, sign * parl.x, parl), myopic: pointAt(params, sign * myopic.x, myopic) };
};

// ---------------------------------------------------------------------------------------------
// Running the methods with parl-ts's exact objective

/** The bandit as a parl-ts problem: S = 1 with a self-loop (any γ: π* = softmax(ν/λ)), A = 2, H = 1, rTrue = (Δu, 0). */
export const banditProblem = (params: BanditParams): { readonly mdp: Mdp; readonly model: RewardModel; readonly spec: UpperLevelSpec } => {
  const mdp = validateMdp({ S: 1, A: 2, gamma: 0.5, P: Float64Array.of(1, 1), rho: Float64Array.of(1) });
  if (E.isLeft(mdp)) throw new Error('the bandit MDP is valid by construction');
  return {
    mdp: mdp.right,
    model: { kind: 'tabular', S: 1, A: 2 },
    spec: { kind: 'preference', teacher: bradleyTerryTeacher(params.beta), rTrue: Float64Array.of(params.trueGap, 0), H: 1 },
  };
};

/** What parl-ts computes at ν = (Δ/2, −Δ/2): G, the gap derivatives of G (PARL) and of the myopic ascent direction, π*. */
export interface BanditLibraryAt {
  readonly G: number;
  /** `∇_ν G · (1, −1)/2 = dG/dΔ` (G depends on ν only through Δ). */
  readonly gapGrad: number;
  /** The myopic gradient projected the same way. */
  readonly gapGradMyopic: number;
  /** `π*(0)`, `π*(1)`. */
  readonly pi: readonly [number, number];
}

/** parl-ts's exact preference objective on the bandit at gap Δ (closed-form ψ at θ*(ν)). */
export const banditLibraryAt = (params: BanditParams, gap: number): E.Either<ParlError, BanditLibraryAt> => {
  const { mdp, model, spec } = banditProblem(params);
  const nu = Float64Array.of(gap / 2, -gap / 2);
  return E.chain((sol: Parameters<typeof policyPointOf>[0]) => {
    const point = policyPointOf(sol);
    return E.map((v: { G: number; gradG: Float64Array; gradGMyopic: Float64Array }) => ({
      G: v.G,
      gapGrad: (v.gradG[0] - v.gradG[1]) / 2,
      gapGradMyopic: (v.gradGMyopic[0] - v.gradGMyopic[1]) / 2,
      pi: [point.pi[0], point.pi[1]] as const,
    }))(upperLevelExact(spec, point));
  })(E.chain(requireReliable)(solveLowerLevel(mdp, model, nu, params.lambda)));
};

/** Stop rule of the runs: |gap change| below this (the brief of the experiment). */
export const RUN_GAP_TOLERANCE = 1e-10;
const MAX_RUN_ITERATIONS = 300;

/**
 * Run PARL (`'parl'`: ascent on G with the library's exact PARL gradient) or the myopic method
 * (`'myopic'`: the library's myopic gradient) from ν = 0 to a stationary point, by Newton along the
 * gap direction: ν ← ν + (δ/2)(1, −1) with δ = −h/h′, where h is the library's gap derivative
 * divided by 2π₀π₁ (the probability of an informative pair, > 0, so the zeros are the same; the
 * raw derivative carries it and vanishes like e^{−|Δ|/λ}, so Newton on it would crawl in steps ≈ λ)
 * and h′ is a central difference of h. Steps are safeguarded by a bracket: the run walks from 0 in
 * the direction of h(0), growing the bracket until h changes sign (each step at most 1.5× the distance
 * from 0, so that it cannot jump over the maximiser and past the zero Δ₂ of L: the proof shows
 * Δ₂ > 2Δu·β > 2Δ*); for PARL a probe where G is below G(0) = −log 2 is past Δ₂ (G − G(0) = 2sL), so
 * it closes the bracket too. Stops when |gap change| < 1e−10.
 */
export const runBanditMethod = (params: BanditParams, method: 'parl' | 'myopic'): E.Either<ParlError, BanditPoint> => {
  const { lambda } = params;
  const h = (gap: number): E.Either<ParlError, BanditLibraryAt & { readonly h: number }> =>
    E.map((a: BanditLibraryAt) => ({ ...a, h: (method === 'parl' ? a.gapGrad : a.gapGradMyopic) / (2 * a.pi[0] * a.pi[1]) }))(banditLibraryAt(params, gap));
  // central-difference step: h varies on the scale min(λ, 1) (through σ(Δ/λ) and σ(Δ)); 1e−4 of it
  // keeps the truncation ≈ 1e−8 relative while rounding (≈ ε|h|/δ) stays far smaller; h′ only
  // sets the Newton step, never the answer (which is where h changes sign)
  const delta = 1e-4 * Math.min(lambda, 1);
  const slope = (gap: number): E.Either<ParlError, number> => {
    const up = h(gap + delta);
    if (E.isLeft(up)) return up;
    const down = h(gap - delta);
    if (E.isLeft(down)) return down;
    return E.right((up.right.h - down.right.h) / (2 * delta));
  };
  const finish = (gap: number, at: BanditLibraryAt, iterations: number, converged: boolean): E.Either<ParlError, BanditPoint> => {
    const piBest = params.trueGap < 0 ? at.pi[1] : at.pi[0];
    return E.right({ gap, piBest, G: at.G, iterations, converged });
  };

  const start = h(0);
  if (E.isLeft(start)) return start;
  const dir = Math.sign(start.right.h);
  if (dir === 0) return finish(0, start.right, 0, true);
  // the bracket: lo (dir·h > 0 there, and for PARL G ≥ G(0)), hi once found
  let lo = 0;
  const g0 = start.right.G;
  let hi: number | undefined;
  let x = 0;
  let cur = start.right;
  let stepOld = Infinity;
  for (let k = 1; k <= MAX_RUN_ITERATIONS; k++) {
    const df = slope(x);
    if (E.isLeft(df)) return df;
    const newton = x - cur.h / df.right;
    // a Newton correction below the stop rule (possibly rounding to x itself): converged at x
    if (Number.isFinite(newton) && Math.abs(newton - x) < RUN_GAP_TOLERANCE) return finish(x, cur, k, true);
    let next: number;
    if (hi === undefined) {
      // expansion: a Newton step in the walking direction, at most 1.5× the distance from 0 (the
      // first step at most min(λ, 1): h varies on that scale)
      const reach = Math.max(1.5 * Math.abs(x), Math.min(lambda, 1));
      const ok = Number.isFinite(newton) && dir * (newton - x) > 0;
      next = x + dir * Math.min(ok ? Math.abs(newton - x) : reach, reach);
    } else {
      const inside = Number.isFinite(newton) && (newton - lo) * (newton - hi) < 0;
      const fast = Math.abs(newton - x) < stepOld / 2;
      next = inside && fast ? newton : (lo + hi) / 2;
    }
    const step = next - x;
    stepOld = Math.abs(step);
    const at = h(next);
    if (E.isLeft(at)) return at;
    x = next;
    cur = at.right;
    if (!Number.isFinite(cur.h)) return finish(x, cur, k, false);
    if (cur.h === 0) return finish(x, cur, k, true);
    if (dir * cur.h > 0 && (method === 'myopic' || cur.G >= g0)) lo = x;
    else hi = x;
    if (Math.abs(step) < RUN_GAP_TOLERANCE || (hi !== undefined && Math.abs(hi - lo) < RUN_GAP_TOLERANCE)) return finish(x, cur, k, true);
  }
  return finish(x, cur, MAX_RUN_ITERATIONS, false);
};

/** Both methods run with parl-ts's exact gradients, and both stationary points in closed form. */
export interface BanditResult {
  readonly params: BanditParams;
  readonly parl: BanditPoint;
  readonly myopic: BanditPoint;
  readonly closedForm: { readonly parl: BanditPoint; readonly myopic: BanditPoint };
  /** The largest |library run − closed form| over both methods' gap, π(best) and G. */
  readonly disagreement: number;
}

/** How closely the library runs must reproduce the closed form (`parl bandit` fails above it). */
export const BANDIT_AGREEMENT = 1e-6;

/** Run the bandit experiment at (λ, β, Δu) (validated parameters). */
export const runBandit = (params: BanditParams): E.Either<ParlError, BanditResult> => {
  const parl = runBanditMethod(params, 'parl');
  if (E.isLeft(parl)) return parl;
  const myopic = runBanditMethod(params, 'myopic');
  if (E.isLeft(myopic)) return myopic;
  const closedForm = banditStationaryPoints(params);
  let disagreement = 0;
  for (const m of ['parl', 'myopic'] as const) {
    const run = m === 'parl' ? parl.right : myopic.right;
    for (const k of ['gap', 'piBest', 'G'] as const) disagreement = Math.max(disagreement, Math.abs(run[k] - closedForm[m][k]));
  }
  return E.right({ params, parl: parl.right, myopic: myopic.right, closedForm, disagreement });
};
