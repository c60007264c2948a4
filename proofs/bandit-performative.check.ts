/**
 * Checks of `bandit-performative.md`: on a two-armed bandit with preference pairs, PARL's objective
 *
 *   G(Δ) = −(p² + (1−p)²) log 2 + 2p(1−p) ℓ(Δ),   p = σ(Δ/λ),  ℓ(Δ) = q log σ(Δ) + (1−q) log σ(−Δ),
 *
 * (Δ = ν₀ − ν₁, q = σ(βΔu)) is maximised at a smaller gap than the MLE Δ = βΔu, the myopic fixed
 * point: a performative optimum, not the performatively stable point.
 *
 * Code under test: `preferenceObjectiveExact`, `upperLevelExact` (src/upperLevel/) at
 * `policyPointOf(solveLowerLevel(...))` (src/lowerLevel/lowerSolution.ts, src/upperLevel/policyPoint.ts);
 * `banditAt`, `banditStationaryPoints` (src/experiments/bandit.ts). The closed form, its derivative
 * and the bisection below are written here from the definitions, independently of both.
 */
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { banditAt, banditStationaryPoints } from '../src/experiments/bandit.js';
import { requireReliable, solveLowerLevel } from '../src/lowerLevel/lowerSolution.js';
import type { RewardModel } from '../src/reward/rewardModel.js';
import { upperLevelExact } from '../src/upperLevel/objective.js';
import { policyPointOf } from '../src/upperLevel/policyPoint.js';
import { preferenceObjectiveExact } from '../src/upperLevel/preference.js';
import { bradleyTerryTeacher } from '../src/upperLevel/types.js';
import { EPS, maxAbs, mdpOf, right } from './support.js';

// ---------------------------------------------------------------------------------------------
// The closed form, from the definitions (bandit-performative.md, Steps 1–3)

const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const logSig = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

interface Case {
  readonly lambda: number;
  readonly beta: number;
  readonly du: number;
}

/** ℓ(Δ) = q log σ(Δ) + (1−q) log σ(−Δ). */
const ell = (c: Case, d: number): number => {
  const q = sig(c.beta * c.du);
  return q * logSig(d) + (1 - q) * logSig(-d);
};

/** G(Δ) = −(p² + (1−p)²) log 2 + 2p(1−p) ℓ(Δ)  (G). */
const Gcf = (c: Case, d: number): number => {
  const p = sig(d / c.lambda);
  return -(p * p + (1 - p) * (1 - p)) * Math.LN2 + 2 * p * (1 - p) * ell(c, d);
};

/** dG/dΔ = 2p(1−p)(1−2p)/λ · (ℓ + log 2) + 2p(1−p)(q − σ(Δ))  (G′). */
const dGcf = (c: Case, d: number): number => {
  const p = sig(d / c.lambda);
  const q = sig(c.beta * c.du);
  return ((2 * p * (1 - p) * (1 - 2 * p)) / c.lambda) * (ell(c, d) + Math.LN2) + 2 * p * (1 - p) * (q - sig(d));
};

/** The reduced stationarity f = (dG/dΔ)/(2p(1−p)) = (1−2p)(ℓ + log 2)/λ + q − σ(Δ)  (f). */
const fcf = (c: Case, d: number): number => {
  const p = sig(d / c.lambda);
  return ((1 - 2 * p) * (ell(c, d) + Math.LN2)) / c.lambda + sig(c.beta * c.du) - sig(d);
};

/** Binary entropy H_b(q) in nats. */
const Hb = (q: number): number => -(q * Math.log(q) + (1 - q) * Math.log(1 - q));

/**
 * PARL's gap by bisection on f over (0, βΔu) for Δu > 0 (Step 5: f(0) = q − ½ > 0, f(βΔu) < 0,
 * f strictly decreasing between), run until the midpoint equals an end (width one ulp).
 */
const parlGapBisection = (c: Case): number => {
  let lo = 0;
  let hi = c.beta * c.du;
  expect(fcf(c, lo)).toBeGreaterThan(0);
  expect(fcf(c, hi)).toBeLessThan(0);
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) return mid;
    if (fcf(c, mid) > 0) lo = mid;
    else hi = mid;
  }
};

// ---------------------------------------------------------------------------------------------
// parl-ts on the bandit

const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };

/** G, ∇G, the myopic gradient and π* of parl-ts at ν = (ν₀, ν₁), with a bound on their rounding. */
const library = (c: Case, nu0: number, nu1: number, gamma: number) => {
  const mdp = mdpOf(1, 2, gamma, [1, 1], [1]);
  const nu = Float64Array.of(nu0, nu1);
  const sol = right(requireReliable(right(solveLowerLevel(mdp, model, nu, c.lambda))));
  const point = policyPointOf(sol);
  const teacher = bradleyTerryTeacher(c.beta);
  const rTrue = Float64Array.of(c.du, 0);
  const o = right(preferenceObjectiveExact(point, teacher, rTrue, 1));
  const u = right(upperLevelExact({ kind: 'preference', teacher, rTrue, H: 1 }, point));
  // Rounding bound. With one state, Q* = ν + γV*·1, so an error in V* shifts both Q*[a] alike and
  // cancels in θ* = (Q* − V̂)/λ; what remains is the rounding of θ*, ≤ 4ε‖Q*‖∞/λ per entry
  // (as in parl-gradient.check.ts). Each of the 4 pair terms p_i p_j U carries 2 policy factors,
  // so G moves by ≤ 4·δθ·Umax, |U| ≤ Umax = log 2 + |Δ| (|log σ(x)| ≤ log 2 + |x|); the 4-term sums
  // and one log1p round by ≤ 64ε·Umax. The gradient carries ψ = (e_a − π*)/λ through one LU solve
  // of the 1×1 system (1 − γ), κ = (1+γ)/(1−γ), and the myopic part (y − σ(Δ)) ≤ 1: 64κε·Umax·(1 + 4/λ)
  // plus the θ* term 4δθ·Umax·(1 + 2/λ).
  const Umax = Math.LN2 + Math.abs(nu0 - nu1);
  const dTheta = (4 * EPS * maxAbs(sol.optimum.QStar)) / c.lambda;
  const kappa = (1 + gamma) / (1 - gamma);
  const tolG = 4 * dTheta * Umax + 64 * EPS * Umax;
  const tolGrad = 64 * kappa * EPS * Umax * (1 + 4 / c.lambda) + 4 * dTheta * Umax * (1 + 2 / c.lambda);
  return { o, u, pi: point.pi, tolG, tolGrad };
};

/**
 * Central difference D(h) = (φ(x+h) − φ(x−h))/2h with the tolerance `1.5δ/h + 2|D(h) − D(2h)|/3`:
 * rounding δ per evaluation (read after the evaluations: `delta()`), and truncation c·h² with
 * D(2h) − D(h) ≈ 3c·h², so |D(h) − φ′| ≈ |D(h) − D(2h)|/3, doubled for safety.
 */
const centralDifference = (phi: (x: number) => number, x: number, h: number, delta: () => number): { d: number; tol: number } => {
  const D = (t: number): number => (phi(x + t) - phi(x - t)) / (2 * t);
  const d1 = D(h);
  const d2 = D(2 * h);
  return { d: d1, tol: (1.5 * delta()) / h + (2 * Math.abs(d1 - d2)) / 3 };
};

const LAMBDAS = [0.1, 0.5, 2] as const;
const BETAS = [0.5, 1, 5] as const;
const TRUE_GAPS = [0.2, 1, 3] as const;
const GAMMAS = [0, 0.5, 0.9] as const;

describe('PARL on a two-armed bandit is a performative optimum (proofs/bandit-performative.md)', () => {
  it('G(Δ), dG/dΔ and the myopic gradient in closed form = parl-ts\'s exact preference objective (both ν-components, any γ)', () => {
    let worstG = 0;
    let worstGrad = 0;
    let n = 0;
    for (const lambda of LAMBDAS)
      for (const beta of BETAS)
        for (const du of [-1, 0, 0.2, 3])
          for (const gamma of GAMMAS)
            for (const [nu0, nu1] of [[0, 0], [0.3, -0.1], [-1.2, 0.3], [2, 0.5], [-0.4, 1.1]] as const) {
              const c = { lambda, beta, du };
              const d = nu0 - nu1;
              const { o, u, pi, tolG, tolGrad } = library(c, nu0, nu1, gamma);
              const name = `λ=${lambda} β=${beta} Δu=${du} γ=${gamma} ν=(${nu0},${nu1})`;
              // π* = softmax(ν/λ): π*(0) = σ(Δ/λ) within the θ* rounding (relative 4ε‖Q*‖/λ, see library())
              expect(Math.abs(pi[0] - sig(d / lambda)), name).toBeLessThanOrEqual(tolG);
              const G = Gcf(c, d);
              const dG = dGcf(c, d);
              const p = sig(d / lambda);
              const myopic = 2 * p * (1 - p) * (sig(beta * du) - sig(d));
              // the closed form's own rounding: the same 4-term structure, ≤ 64ε·Umax (G) and
              // 64ε·Umax·(1 + 4/λ) (derivatives) — already inside tolG and tolGrad (κ ≥ 1)
              expect(Math.abs(o.G - G), `${name} G`).toBeLessThanOrEqual(tolG);
              expect(Math.abs(u.G - G), `${name} G via upperLevelExact`).toBeLessThanOrEqual(tolG);
              // G depends on ν only through Δ = ν₀ − ν₁: ∂G/∂ν₀ = dG/dΔ = −∂G/∂ν₁
              expect(Math.abs(o.gradG[0] - dG), `${name} ∂G/∂ν₀`).toBeLessThanOrEqual(tolGrad);
              expect(Math.abs(o.gradG[1] + dG), `${name} ∂G/∂ν₁`).toBeLessThanOrEqual(tolGrad);
              expect(Math.abs(o.gradGMyopic[0] - myopic), `${name} myopic ν₀`).toBeLessThanOrEqual(tolGrad);
              expect(Math.abs(o.gradGMyopic[1] + myopic), `${name} myopic ν₁`).toBeLessThanOrEqual(tolGrad);
              expect(Math.abs(u.gradG[0] - dG), `${name} via upperLevelExact`).toBeLessThanOrEqual(tolGrad);
              worstG = Math.max(worstG, Math.abs(o.G - G) / tolG);
              worstGrad = Math.max(worstGrad, Math.abs(o.gradG[0] - dG) / tolGrad, Math.abs(o.gradG[1] + dG) / tolGrad, Math.abs(o.gradGMyopic[0] - myopic) / tolGrad);
              // the module's closed form (stable rewriting) is the same function
              const m = banditAt({ lambda, beta, trueGap: du }, d);
              expect(Math.abs(m.G - G), `${name} banditAt G`).toBeLessThanOrEqual(tolG);
              expect(Math.abs(m.dG - dG), `${name} banditAt dG`).toBeLessThanOrEqual(tolGrad);
              n++;
            }
    console.log(`closed form vs preferenceObjectiveExact on ${n} cases: G worst err/tol = ${worstG.toExponential(2)}, gradients ${worstGrad.toExponential(2)}`);
  });

  it('mathjs: d/dΔ and d²/dΔ² of the symbolic G equal (G′) and banditAt\'s dG, d2G; at the MLE dG/dΔ = 2p(1−p)(1−2p)(log 2 − H_b(q))/λ', () => {
    const p = '(1 / (1 + exp(-d / lam)))';
    const Gtext = `-(${p}^2 + (1 - ${p})^2) * log(2) + 2 * ${p} * (1 - ${p}) * (q * log(1 / (1 + exp(-d))) + (1 - q) * log(1 / (1 + exp(d))))`;
    const Gexpr = parse(Gtext);
    const dExpr = derivative(Gexpr, 'd', { simplify: false });
    const d2 = derivative(dExpr, 'd', { simplify: false }).compile();
    const d1 = dExpr.compile();
    let worst1 = 0;
    let worst2 = 0;
    for (const lambda of LAMBDAS)
      for (const beta of BETAS)
        for (const du of [-1, 0.2, 1, 3])
          for (const d of [-2, -0.3, 0, 0.4, 1.5, beta * du]) {
            const c = { lambda, beta, du };
            const q = sig(beta * du);
            const scope = { d, lam: lambda, q };
            const sym1 = d1.evaluate(scope) as number;
            const sym2 = d2.evaluate(scope) as number;
            const m = banditAt({ lambda, beta, trueGap: du }, d);
            // both sides evaluate the same function by different formulas of ≤ 40 operations on
            // terms ≤ Umax/λ (first derivative) and Umax/λ² (second), Umax = log 2 + |Δ|, with
            // |d/dx log(1 + e^x)| ≤ 1: 256ε of Umax(1 + 1/λ)² bounds either side's rounding
            const Umax = Math.LN2 + Math.abs(d);
            const tol1 = 256 * EPS * Umax * (1 + 1 / lambda) ** 2;
            const tol2 = 256 * EPS * Umax * (1 + 1 / lambda) ** 3;
            expect(Math.abs(sym1 - dGcf(c, d)), `λ=${lambda} β=${beta} Δu=${du} Δ=${d}`).toBeLessThanOrEqual(tol1);
            expect(Math.abs(sym1 - m.dG)).toBeLessThanOrEqual(tol1);
            expect(Math.abs(sym2 - m.d2G), `d2G λ=${lambda} β=${beta} Δu=${du} Δ=${d}`).toBeLessThanOrEqual(tol2);
            worst1 = Math.max(worst1, Math.abs(sym1 - m.dG) / tol1, Math.abs(sym1 - dGcf(c, d)) / tol1);
            worst2 = Math.max(worst2, Math.abs(sym2 - m.d2G) / tol2);
            if (d === beta * du) {
              const pm = sig(d / lambda);
              const atMle = ((2 * pm * (1 - pm) * (1 - 2 * pm)) / lambda) * (Math.LN2 - Hb(q));
              expect(Math.abs(sym1 - atMle)).toBeLessThanOrEqual(tol1);
            }
          }
    console.log(`mathjs derivatives: dG/dΔ worst err/tol = ${worst1.toExponential(2)}, d²G/dΔ² ${worst2.toExponential(2)}`);
  });

  it('dG/dΔ and d²G/dΔ² = central differences of parl-ts\'s G and dG/dΔ along ν = (Δ/2, −Δ/2), θ*(ν) re-solved', () => {
    let worst = 0;
    let worst2 = 0;
    for (const lambda of LAMBDAS)
      for (const beta of BETAS)
        for (const du of [-1, 1, 3])
          for (const d0 of [-0.7, 0.25, 1.3]) {
            const c = { lambda, beta, du };
            let delta = 0;
            let deltaGrad = 0;
            const at = (d: number) => {
              const l = library(c, d / 2, -d / 2, 0.5);
              delta = Math.max(delta, l.tolG);
              deltaGrad = Math.max(deltaGrad, l.tolGrad);
              return l.o;
            };
            // h: G varies on the scale min(λ, 1); 1e−3 of it balances truncation (≈ h²G‴/6) against
            // rounding δ/h; the a-posteriori term measures the truncation actually incurred
            const h = 1e-3 * Math.min(lambda, 1);
            const fd = centralDifference((d) => at(d).G, d0, h, () => delta);
            const lib = at(d0);
            const libGap = (lib.gradG[0] - lib.gradG[1]) / 2; // ∇G·(1, −1)/2 = dG/dΔ
            const tol = fd.tol + deltaGrad;
            expect(Math.abs(libGap - fd.d), `λ=${lambda} β=${beta} Δu=${du} Δ=${d0}`).toBeLessThanOrEqual(tol);
            worst = Math.max(worst, Math.abs(libGap - fd.d) / tol);
            const fd2 = centralDifference((d) => {
              const o = at(d);
              return (o.gradG[0] - o.gradG[1]) / 2;
            }, d0, h, () => deltaGrad);
            const m = banditAt({ lambda, beta, trueGap: du }, d0);
            const tol2 = fd2.tol + 256 * EPS * (Math.LN2 + Math.abs(d0)) * (1 + 1 / lambda) ** 3;
            expect(Math.abs(m.d2G - fd2.d), `d2G λ=${lambda} β=${beta} Δu=${du} Δ=${d0}`).toBeLessThanOrEqual(tol2);
            worst2 = Math.max(worst2, Math.abs(m.d2G - fd2.d) / tol2);
          }
    console.log(`central differences of parl-ts's G: dG/dΔ worst err/tol = ${worst.toFixed(3)}; of its dG/dΔ vs d²G/dΔ²: ${worst2.toFixed(3)}`);
  });

  it('the myopic gradient of parl-ts vanishes at Δ = βΔu (and only there); the PARL gradient there has the sign of −Δu', () => {
    let worstZero = 0;
    for (const lambda of LAMBDAS)
      for (const beta of BETAS)
        for (const du of [-3, -0.2, 0, 0.2, 1, 3]) {
          const c = { lambda, beta, du };
          const b = beta * du;
          const l = library(c, b / 2, -b / 2, 0.5);
          // at Δ = b the myopic gradient is 2p(1−p)(σ(b) − σ(b)): zero up to rounding
          expect(Math.abs(l.o.gradGMyopic[0]), `λ=${lambda} β=${beta} Δu=${du}`).toBeLessThanOrEqual(l.tolGrad);
          worstZero = Math.max(worstZero, Math.abs(l.o.gradGMyopic[0]) / l.tolGrad);
          // and not elsewhere: 0.1 either side it is 2p(1−p)(q − σ(Δ)) with the sign of b − Δ
          for (const off of [-0.1, 0.1]) {
            const k = library(c, (b + off) / 2, -(b + off) / 2, 0.5);
            expect(Math.sign(k.o.gradGMyopic[0])).toBe(-Math.sign(off));
          }
          // dG/dΔ at the MLE = 2p(1−p)(1−2p)(log 2 − H_b(q))/λ: H_b(q) ≤ log 2, equality iff q = ½
          const q = sig(b);
          expect(Hb(q)).toBeLessThanOrEqual(Math.LN2);
          const p = sig(b / lambda);
          const atMle = ((2 * p * (1 - p) * (1 - 2 * p)) / lambda) * (Math.LN2 - Hb(q));
          expect(Math.abs(l.o.gradG[0] - atMle)).toBeLessThanOrEqual(l.tolGrad);
          if (du === 0) expect(Math.abs(l.o.gradG[0])).toBeLessThanOrEqual(l.tolGrad);
          else if (Math.abs(atMle) > l.tolGrad) expect(Math.sign(l.o.gradG[0])).toBe(-Math.sign(du));
        }
    console.log(`myopic gradient at Δ = βΔu: worst |∇| / tol = ${worstZero.toExponential(2)}`);
  });

  it('stationary points on the grid λ ∈ {0.1, 0.5, 2}, β ∈ {0.5, 1, 5}, Δu ∈ {0.2, 1, 3}: PARL\'s gap < the MLE\'s in every case; it is G\'s global maximiser', () => {
    const rows: string[] = [];
    for (const lambda of LAMBDAS)
      for (const beta of BETAS)
        for (const du of TRUE_GAPS) {
          const c = { lambda, beta, du };
          const b = beta * du;
          const dParl = parlGapBisection(c);
          const name = `λ=${lambda} β=${beta} Δu=${du}`;
          expect(dParl, name).toBeGreaterThan(0);
          expect(dParl, name).toBeLessThan(b);
          // parl-ts's PARL gradient vanishes there (within its rounding bound plus the slope times
          // the bisection's one-ulp bracket), and changes sign across it
          const l = library(c, dParl / 2, -dParl / 2, 0.5);
          const slope = Math.abs(banditAt({ lambda, beta, trueGap: du }, dParl).d2G);
          expect(Math.abs(l.o.gradG[0]), name).toBeLessThanOrEqual(l.tolGrad + slope * 4 * EPS * dParl);
          const step = 1e-3 * dParl;
          expect(library(c, (dParl - step) / 2, -(dParl - step) / 2, 0.5).o.gradG[0]).toBeGreaterThan(0);
          expect(library(c, (dParl + step) / 2, -(dParl + step) / 2, 0.5).o.gradG[0]).toBeLessThan(0);
          // the module's safeguarded Newton: both gaps to 1e−8 (its promise; here it reaches ~1e−15)
          const sp = banditStationaryPoints({ lambda, beta, trueGap: du });
          expect(Math.abs(sp.parl.gap - dParl), name).toBeLessThanOrEqual(1e-8);
          expect(Math.abs(sp.myopic.gap - b), name).toBeLessThanOrEqual(1e-8);
          // global maximiser: G on a fine grid of [−3b − 3, 3b + 3] never exceeds G(Δ_PARL)
          // (beyond it G → −log 2 from below: Step 6); the closed forms round by ≤ 64ε·Umax
          const Gmax = Gcf(c, dParl);
          let excess = -Infinity;
          for (let k = 0; k <= 4000; k++) {
            const d = -3 * b - 3 + (k / 4000) * (6 * b + 6);
            excess = Math.max(excess, Gcf(c, d) - Gmax - 64 * EPS * (Math.LN2 + Math.abs(d)));
          }
          expect(excess, name).toBeLessThanOrEqual(0);
          // L = log 2 + ℓ is positive at 2βΔu (Step 6: its second zero Δ₂ lies beyond 2βΔu)
          expect(ell(c, 2 * b) + Math.LN2, name).toBeGreaterThan(0);
          rows.push(`${lambda}\t${beta}\t${du}\t${dParl.toFixed(4)}\t${b.toFixed(4)}\t${sig(dParl / lambda).toFixed(3)}\t${sig(b / lambda).toFixed(3)}`);
        }
    console.log(`λ\tβ\tΔu\tΔ_PARL\tΔ_MLE\tπ_PARL\tπ_MLE\n${rows.join('\n')}`);
  });

  it('Δu = 0 (q = ½): both stationary points at Δ = 0, parl-ts\'s gradients vanish there', () => {
    for (const lambda of LAMBDAS)
      for (const beta of BETAS) {
        const l = library({ lambda, beta, du: 0 }, 0, 0, 0.5);
        expect(Math.abs(l.o.gradG[0])).toBeLessThanOrEqual(l.tolGrad);
        expect(Math.abs(l.o.gradGMyopic[0])).toBeLessThanOrEqual(l.tolGrad);
        const sp = banditStationaryPoints({ lambda, beta, trueGap: 0 });
        expect(sp.parl.gap).toBe(0);
        expect(sp.myopic.gap).toBe(0);
      }
  });

  it('limits: λ → 0, Δ_PARL/λ → x* with x* tanh(x*/2) = 1 (π_PARL(best) → σ(x*) ≈ 0.824, not 1); λ → ∞, λ²(Δ_MLE − Δ_PARL) → βΔu(log 2 − H_b(q))/(2q(1−q))', () => {
    // x*: bisection on x tanh(x/2) − 1, increasing on (0, ∞), −1 at 0 and > 0 at 2
    let lo = 0;
    let hi = 2;
    for (;;) {
      const mid = (lo + hi) / 2;
      if (mid === lo || mid === hi) break;
      if (mid * Math.tanh(mid / 2) < 1) lo = mid;
      else hi = mid;
    }
    const xStar = lo;
    const small: string[] = [];
    for (const [beta, du] of [[1, 1], [0.5, 0.2], [5, 3]] as const) {
      // Step 7: Δ_PARL/λ = x* + O(λ); the scaled error (Δ/λ − x*)/λ must settle to a constant
      const scaled = [0.03, 0.01, 0.003, 0.001].map((lambda) => {
        const d = parlGapBisection({ lambda, beta, du });
        return (d / lambda - xStar) / lambda;
      });
      // successive scaled errors agree to within 20% of the first: O(λ), not slower
      for (const s of scaled) expect(Math.abs(s - scaled[scaled.length - 1])).toBeLessThanOrEqual(0.2 * Math.abs(scaled[0]));
      small.push(`β=${beta} Δu=${du}: (Δ/λ − x*)/λ = ${scaled.map((s) => s.toFixed(4)).join(', ')}`);
    }
    const large: string[] = [];
    // moderate βΔu: the expansion needs λ² ≫ C, and C grows like e^{βΔu} (q(1−q) in its denominator)
    for (const [beta, du] of [[1, 1], [0.5, 0.2], [1, 3]] as const) {
      const b = beta * du;
      const q = sig(b);
      const C = (b * (Math.LN2 - Hb(q))) / (2 * q * (1 - q));
      // Step 7: λ²(b − Δ_PARL) = C + O(1/λ²): the scaled error λ²·(λ²(b − Δ) − C) settles
      const scaled = [20, 50, 100].map((lambda) => {
        const d = parlGapBisection({ lambda, beta, du });
        return lambda ** 2 * (lambda ** 2 * (b - d) - C);
      });
      // at λ = 100 the bisection's one-ulp bracket is magnified by λ⁴ = 1e8 (≈ 1e−16·b·1e8 ≤ 1e−7):
      // far below the 20% band of the O(1) constant
      for (const s of scaled) expect(Math.abs(s - scaled[scaled.length - 1])).toBeLessThanOrEqual(0.2 * Math.abs(scaled[0]));
      large.push(`β=${beta} Δu=${du}: C = ${C.toPrecision(6)}, λ²(λ²(b − Δ) − C) = ${scaled.map((s) => s.toPrecision(4)).join(', ')}`);
    }
    console.log(`x* = ${xStar.toFixed(10)}, σ(x*) = ${sig(xStar).toFixed(6)}\nλ → 0:\n  ${small.join('\n  ')}\nλ → ∞:\n  ${large.join('\n  ')}`);
  });
});
