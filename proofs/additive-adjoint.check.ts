/**
 * Checks of `additive-adjoint.md`: for an additive utility `U = Σ_h γ^h u_ν[s_h,a_h]`,
 *
 *   G(ν) = ρᵀ V^{π*}[u_ν],
 *   ∇_ν G = Σ_{s,a} d(s) π*(a|s) ( ∇_ν u_ν[s,a] + Adv_u[s,a] ψ[s,a] ) / (1−γ),   Adv_u = Q_u − V_u,
 *
 * equal to the Q_u form because Σ_a π* ψ = 0, with the ψ term computed as ONE vector-Jacobian
 * product `J_rᵀ(w + π*∘y)/λ`, `(I − γP_{π*})ᵀ y = γPᵀw − Σ_a w` (MATH.md §6–§7).
 *
 * Code under test: `additiveObjectiveExact`, `rewardAsUtility` (src/upperLevel/additive.ts),
 * `policyPointAtOptimum` (src/upperLevel/policyPoint.ts), through them `nuScoreVjpClosedForm`,
 * `softOptimum`, `evaluatePolicyTable`. The Q_u form below contracts the materialised ψ of
 * `nuScoreClosedForm`; the adjoint is recomputed here with mathjs `lusolve` as the solver.
 */
import { derivative, lusolve, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { additiveObjectiveExact, rewardAsUtility, type AdditiveUtility } from '../src/upperLevel/additive.js';
import { policyPointAtOptimum } from '../src/upperLevel/policyPoint.js';
import { numericJacobian } from '../src/check/finiteDifference.js';
import type { Mdp } from '../src/mdp/types.js';
import { nuScoreClosedForm } from '../src/nuScore/closedForm.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import { evaluatePolicyTable } from '../src/value/policyEvaluation.js';
import { EPS, garnetCase, maxAbs, mdpOf, randomTable, right } from './support.js';

const kappa = (gamma: number): number => (1 + gamma) / (1 - gamma);

/** The dense Jacobian ∂r_ν/∂ν, (S·A)×d, from the model's definition (independent of src/reward). */
const jacobianOf = (model: RewardModel): Float64Array => {
  const n = model.S * model.A;
  if (model.kind === 'tabular') {
    const J = new Float64Array(n * n);
    for (let i = 0; i < n; i++) J[i * n + i] = 1;
    return J;
  }
  return Float64Array.from(model.features);
};

/**
 * The utilities of the cases, each with its dense Jacobian ∂u_ν/∂ν ((S·A)×d) written here:
 * a fixed table (∂u = 0), the designed reward itself (u = r_ν, ∂u = J_r), and a nonlinear
 * `u_ν = sin(r_ν) + u₀` (∂u = diag(cos r_ν) J_r), whose Jacobian product needs ν.
 */
interface UtilityCase {
  readonly name: string;
  readonly utility: AdditiveUtility;
  readonly dense: (nu: Readonly<Float64Array>) => Float64Array;
}

const utilities = (model: RewardModel, seed: number): UtilityCase[] => {
  const n = model.S * model.A;
  const d = rewardDimension(model);
  const Jr = jacobianOf(model);
  const u0 = randomTable(n, seed, -1, 1);
  const fixed = randomTable(n, seed + 1, -1, 1);
  return [
    { name: 'fixed u', utility: { kind: 'additive', u: fixed }, dense: () => new Float64Array(n * d) },
    { name: 'u = r_ν', utility: rewardAsUtility(model), dense: () => Float64Array.from(Jr) },
    {
      name: 'u = sin(r_ν) + u₀',
      utility: {
        kind: 'additive-nu',
        u: (nu) => rewardOf(model, nu).map((x, k) => Math.sin(x) + u0[k]),
        jacobianTransposeApply: (w, nu) => {
          const r = rewardOf(model, nu);
          const g = new Float64Array(d);
          for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) g[i] += w[k] * Math.cos(r[k]) * Jr[k * d + i];
          return g;
        },
      },
      dense: (nu) => {
        const r = rewardOf(model, nu);
        const J = new Float64Array(n * d);
        for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) J[k * d + i] = Math.cos(r[k]) * Jr[k * d + i];
        return J;
      },
    },
  ];
};

interface AddCase {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly u: UtilityCase;
}

const addCases: AddCase[] = (() => {
  const out: AddCase[] = [];
  let seed = 700;
  for (const gamma of [0.5, 0.9])
    for (const lambda of [1, 0.3])
      for (const kind of ['tabular', 'linear'] as const) {
        const { mdp } = garnetCase(4, 3, 3, 41, gamma);
        const model: RewardModel = kind === 'tabular'
          ? { kind: 'tabular', S: 4, A: 3 }
          : { kind: 'linear', S: 4, A: 3, k: 3, features: randomTable(36, seed++, -1, 1) };
        const nu = randomTable(rewardDimension(model), seed++, -1, 1);
        for (const u of utilities(model, seed)) {
          seed += 2;
          out.push({ name: `garnet(4,3) γ=${gamma} λ=${lambda} ${kind} ${u.name}`, mdp, model, nu, lambda, u });
        }
      }
  return out;
})();

const at = (c: AddCase, nu: Readonly<Float64Array>) => {
  const point = right(policyPointAtOptimum(c.mdp, c.model, nu, c.lambda));
  return { point, o: additiveObjectiveExact(point, c.u.utility) };
};

describe('additive-utility adjoint form (proofs/additive-adjoint.md)', () => {
  it('∇G = Σ dπ*(∇u + Adv_u ψ)/(1−γ) equals Richardson differences of G(ν) with θ*(ν) recomputed', () => {
    const h = EPS ** 0.2;
    let worst = 0;
    let worstRel = 0;
    let minScoreShare = Infinity;
    for (const c of addCases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const { o } = at(c, c.nu);
      // Per-evaluation error δ of G(ν) = ρᵀV^{π̂}[u]: the solver's residual moves θ* by
      // Δθ ≤ 2·res/(λ(1−γ)) + 4ε‖Q*‖/λ, hence ‖π̂_s − π*_s‖₁ ≤ e^{2Δθ} − 1, and by the performance
      // difference lemma |G(π̂) − G(π*)| ≤ max|Q_u|·(e^{2Δθ} − 1)/(1−γ); the LU solve of V_u adds
      // ≤ 4S·κ·ε·max|V_u|. δ is the worst over the stencil.
      let delta = 0;
      const G = (v: Readonly<Float64Array>): number[] => {
        const { point, o: ov } = at(c, v);
        const dTheta = (2 * point.optimum.residual) / (c.lambda * (1 - gamma)) + (4 * EPS * maxAbs(point.optimum.QStar)) / c.lambda;
        const u = c.u.utility.kind === 'additive' ? c.u.utility.u : c.u.utility.u(v);
        const ev = evaluatePolicyTable(c.mdp, u, point.pi, new Float64Array(S * A), 0);
        delta = Math.max(delta, (maxAbs(ev.Q) * Math.expm1(2 * dTheta)) / (1 - gamma) + 4 * S * kappa(gamma) * EPS * Math.max(1, maxAbs(ev.V)));
        return [ov.G];
      };
      const fd = numericJacobian(G, c.nu, 1, { order: 4 });
      const fd2 = numericJacobian(G, c.nu, 1, { order: 4, h: 2 * h * Math.max(1, maxAbs(c.nu)) });
      for (let i = 0; i < d; i++) {
        // Richardson rounding 1.5·δ/h plus twice the a-posteriori truncation estimate |D(h) − D(2h)|/15
        const tol = (1.5 * delta) / h + (2 * Math.abs(fd[i] - fd2[i])) / 15;
        const err = Math.abs(o.gradG[i] - fd[i]);
        expect(err, `${c.name} entry ${i}: analytic ${o.gradG[i]}, FD ${fd[i]}`).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, err / tol);
        worstRel = Math.max(worstRel, err / maxAbs(o.gradG));
      }
      minScoreShare = Math.min(minScoreShare, maxAbs(o.gradGScoreTerm) / maxAbs(o.gradG));
    }
    expect(minScoreShare).toBeGreaterThan(1e-3);
    console.log(`additive ∇G vs FD of G(ν): worst err/tol = ${worst.toFixed(3)}, worst err relative to ‖∇G‖∞ = ${worstRel.toExponential(2)}; smallest ‖ν-score term‖∞/‖∇G‖∞ = ${minScoreShare.toFixed(3)}`);
  });

  it('Adv_u form = Q_u form with ψ materialised (Σ_a π*ψ = 0), and the myopic part = Σ dπ*∇u/(1−γ)', () => {
    let worstQ = 0;
    let worstMy = 0;
    for (const c of addCases) {
      const { S, A, gamma } = c.mdp;
      const n = S * A;
      const d = rewardDimension(c.model);
      const { point, o } = at(c, c.nu);
      const pi = point.pi;
      const psi = right(nuScoreClosedForm(c.mdp, c.model, pi, c.lambda)).psi;
      const u = c.u.utility.kind === 'additive' ? c.u.utility.u : c.u.utility.u(c.nu);
      const ev = evaluatePolicyTable(c.mdp, u, pi, new Float64Array(n), 0);
      const Ju = c.u.dense(c.nu);
      const myopic = new Float64Array(d);
      const qForm = new Float64Array(d);
      let absQ = 0;
      let absMy = 0;
      for (let s = 0; s < S; s++)
        for (let a = 0; a < A; a++) {
          const k = s * A + a;
          const w = (ev.d[s] * pi[k]) / (1 - gamma);
          for (let i = 0; i < d; i++) {
            myopic[i] += w * Ju[k * d + i];
            qForm[i] += w * ev.Q[k] * psi[k * d + i];
            absMy += Math.abs(w * Ju[k * d + i]);
            absQ += Math.abs(w * ev.Q[k] * psi[k * d + i]);
          }
        }
      // Myopic: the same n·d products summed in two orders (the code applies the Jacobian
      // transpose to w = dπ*/(1−γ)): ≤ 2(n + d)ε·Σ|terms|.
      const tolMy = 2 * (n + d + 4) * EPS * absMy;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradGMyopic[i] - myopic[i]);
        expect(err, `${c.name} myopic ${i}`).toBeLessThanOrEqual(tolMy); // exactly 0 for a fixed table
        if (tolMy > 0) worstMy = Math.max(worstMy, err / tolMy);
      }
      // Score term: Q form − Adv form = Σ_s d(s)V_u(s)·Σ_a π*ψ[s,a]/(1−γ), zero in exact arithmetic
      // (Σ_a π*ψ is the closed form's solve residual, ≤ (8S + 2A)ε(1+γ)‖∂V*‖/λ per state, see
      // nu-score-closed-form.check.ts); the Q form's own summation ≤ 2(n + 4)ε·Σ|dπQ_uψ|/(1−γ);
      // VJP vs materialised ψ: 2(8S+A)κε·‖w‖₁·max(‖ψ‖, 1/λ)·‖J_r‖ with w = dπ*Adv_u/(1−γ).
      let wl1 = 0;
      for (let k = 0; k < n; k++) wl1 += Math.abs((ev.d[Math.floor(k / A)] * pi[k] * ev.adv[k]) / (1 - gamma));
      const Jscale = c.model.kind === 'linear' ? maxAbs(c.model.features) * c.model.k : 1;
      const sumPiPsi = ((8 * S + 2 * A) * EPS * (1 + gamma) * Math.max(1, Jscale / (1 - gamma))) / c.lambda;
      const tolQ = (maxAbs(ev.V) * sumPiPsi) / (1 - gamma) + 2 * (n + 4) * EPS * absQ + 2 * (8 * S + A) * kappa(gamma) * EPS * wl1 * Math.max(maxAbs(psi), 1 / c.lambda) * Jscale;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradGScoreTerm[i] - qForm[i]);
        expect(err, `${c.name} score term ${i}`).toBeLessThanOrEqual(tolQ);
        worstQ = Math.max(worstQ, err / tolQ);
      }
    }
    console.log(`Q_u form vs Adv_u form: worst err/tol = ${worstQ.toExponential(2)}; myopic part: ${worstMy.toExponential(2)}`);
  });

  it('the ν-score term is one transposed solve: J_rᵀ(w + π*∘y)/λ with (I − γP_{π*})ᵀ y = γPᵀw − Σ_a w (mathjs lusolve)', () => {
    let worst = 0;
    let worstRowSum = 0;
    for (const c of addCases) {
      const { S, A, gamma, P } = c.mdp;
      const n = S * A;
      const d = rewardDimension(c.model);
      const Jr = jacobianOf(c.model);
      const { point, o } = at(c, c.nu);
      const pi = point.pi;
      const u = c.u.utility.kind === 'additive' ? c.u.utility.u : c.u.utility.u(c.nu);
      const ev = evaluatePolicyTable(c.mdp, u, pi, new Float64Array(n), 0);
      const w = new Float64Array(n);
      for (let k = 0; k < n; k++) w[k] = (ev.d[Math.floor(k / A)] * pi[k] * ev.adv[k]) / (1 - gamma);
      // c(t) = γ Σ_{s,a} w[s,a] P[s,a,t] − Σ_a w[t,a]; here Σ_a w[t,a] = d(t)Σ_a π*Adv_u/(1−γ) = 0
      const cvec = new Array<number>(S).fill(0);
      for (let k = 0; k < n; k++) for (let t = 0; t < S; t++) cvec[t] += gamma * w[k] * P[k * S + t];
      for (let t = 0; t < S; t++) {
        let rowSum = 0;
        let rowAbs = 0;
        for (let a = 0; a < A; a++) {
          rowSum += w[t * A + a];
          rowAbs += Math.abs(w[t * A + a]);
        }
        cvec[t] -= rowSum;
        // Σ_a π*Adv_u = −(residual of the V_u solve)/…: ≤ 8(S + A)ε(1+γ)·max|V_u| per state, times d(t)/(1−γ)
        const tolRow = (8 * (S + A) * EPS * (1 + gamma) * Math.max(1, maxAbs(ev.V)) * ev.d[t]) / (1 - gamma) + 4 * A * EPS * rowAbs;
        expect(Math.abs(rowSum), `${c.name} Σ_a w[${t},a]`).toBeLessThanOrEqual(tolRow);
        worstRowSum = Math.max(worstRowSum, Math.abs(rowSum) / tolRow);
      }
      // M = I − γP_{π*}; solve Mᵀ y = c once with mathjs
      const Mt: number[][] = Array.from({ length: S }, () => new Array<number>(S).fill(0));
      for (let s = 0; s < S; s++)
        for (let t = 0; t < S; t++) {
          let pst = 0;
          for (let a = 0; a < A; a++) pst += pi[s * A + a] * P[(s * A + a) * S + t];
          Mt[t][s] = (s === t ? 1 : 0) - gamma * pst;
        }
      const y = (lusolve(Mt, cvec) as unknown as number[][]).map((row) => row[0]);
      const vjp = new Float64Array(d);
      for (let s = 0; s < S; s++)
        for (let a = 0; a < A; a++) {
          const k = s * A + a;
          const coef = (w[k] + pi[k] * y[s]) / c.lambda;
          for (let i = 0; i < d; i++) vjp[i] += coef * Jr[k * d + i];
        }
      // Two implementations of the same formula with two LU solvers: each solve is within
      // 8S·κ·ε of ‖y‖ (κ∞(M) ≤ (1+γ)/(1−γ)); terms ≤ (|w| + π*|y|)·‖J_r‖/λ summed over n entries.
      let wl1 = 0;
      for (let k = 0; k < n; k++) wl1 += Math.abs(w[k]);
      const Jscale = c.model.kind === 'linear' ? maxAbs(c.model.features) * c.model.k : 1;
      const tol = (2 * (8 * S + n) * kappa(gamma) * EPS * (wl1 + S * maxAbs(y)) * Jscale) / c.lambda;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradGScoreTerm[i] - vjp[i]);
        expect(err, `${c.name} VJP ${i}`).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, err / tol);
      }
    }
    console.log(`ν-score term by one mathjs transposed solve vs additiveObjectiveExact: worst err/tol = ${worst.toExponential(2)}; Σ_a w[t,a] = 0: worst |·|/tol = ${worstRowSum.toExponential(2)}`);
  });
});

describe('why Adv_u and not Q_u: cancellation when λ(1−γ) is small', () => {
  it('u + c (a constant) leaves ∇G unchanged; the Adv_u form keeps it, the Q_u form loses ≈ c/(1−γ)·|rounding of Σ_a π*ψ|', () => {
    // G[u + c] = G[u] + c/(1−γ) for every ν, so ∇G is exactly invariant. In the Adv form the
    // shift cancels inside Adv = Q − V (error ≈ the LU rounding of V, 8S·κ·ε·(c + max|u|)/(1−γ),
    // per entry, times Σ dπ*‖ψ‖∞/(1−γ)); in the Q form it multiplies ψ and cancels only through
    // Σ_a π*ψ = 0, which the closed form meets to ≈ κ·ε/λ: an error ∝ c/(λ(1−γ)²).
    const rows: string[] = [];
    for (const gamma of [0.9, 0.99])
      for (const lambda of [1, 0.01]) {
        const { mdp } = garnetCase(6, 3, 3, 41, gamma);
        const S = 6;
        const A = 3;
        const n = S * A;
        const model: RewardModel = { kind: 'tabular', S, A };
        const nu = randomTable(n, 3, -1, 1);
        const u = randomTable(n, 5, -1, 1);
        const point = right(policyPointAtOptimum(mdp, model, nu, lambda));
        const psi = right(nuScoreClosedForm(mdp, model, point.pi, lambda)).psi;
        const ref = additiveObjectiveExact(point, { kind: 'additive', u }).gradG;
        const ev0 = evaluatePolicyTable(mdp, u, point.pi, new Float64Array(n), 0);
        let dpiPsi = 0;
        for (let k = 0; k < n; k++) dpiPsi += (ev0.d[Math.floor(k / A)] * point.pi[k] * maxAbs(psi.subarray(k * n, (k + 1) * n))) / (1 - gamma);
        for (const c of [1e2, 1e4, 1e6]) {
          const uc = u.map((x) => x + c);
          const adv = additiveObjectiveExact(point, { kind: 'additive', u: uc }).gradG;
          const ev = evaluatePolicyTable(mdp, uc, point.pi, new Float64Array(n), 0);
          const q = new Float64Array(n);
          for (let k = 0; k < n; k++) {
            const w = (ev.d[Math.floor(k / A)] * point.pi[k] * ev.Q[k]) / (1 - gamma);
            for (let i = 0; i < n; i++) q[i] += w * psi[k * n + i];
          }
          const errAdv = maxAbs(adv.map((x, i) => x - ref[i]));
          const errQ = maxAbs(q.map((x, i) => x - ref[i]));
          const tolAdv = ((8 * S * kappa(gamma) * EPS * (c + maxAbs(u))) / (1 - gamma)) * dpiPsi * 2;
          expect(errAdv, `γ=${gamma} λ=${lambda} c=${c}`).toBeLessThanOrEqual(tolAdv);
          // the Q form is much worse where MATH.md §7 says: λ(1−γ) small (measured 50–10⁵× here)
          if (lambda * (1 - gamma) <= 1e-2) expect(errQ, `γ=${gamma} λ=${lambda} c=${c}`).toBeGreaterThan(10 * errAdv);
          rows.push(`γ=${gamma} λ=${lambda} c=${c.toExponential(0)}: ‖∇G‖∞ ${maxAbs(ref).toExponential(2)}, Adv form err ${errAdv.toExponential(2)} (${(errAdv / tolAdv).toExponential(1)} of tol), Q form err ${errQ.toExponential(2)}`);
        }
      }
    console.log(rows.join('\n'));
  });
});

describe('additive-utility adjoint form, symbolically (mathjs)', () => {
  it('two states, action-independent transitions, linear reward (k = 2): G(ν) = ρᵀ(I − γp)⁻¹u_{π*} in closed form', () => {
    // P[s,a,·] = p_s for every a, so π*(·|s) = softmax(r_ν(s,·)/λ) and P_{π*} = p does not depend
    // on ν: G = ρᵀ(I − γp)⁻¹ u_π with the 2×2 inverse written out. Utilities: a fixed table and u = r_ν.
    const gamma = 0.9;
    const p = [[0.3, 0.7], [0.6, 0.4]];
    const rho = [0.4, 0.6];
    const mdp = mdpOf(2, 2, gamma, [...p[0], ...p[0], ...p[1], ...p[1]], rho);
    const features = Float64Array.of(1, 0.5, -0.3, 1, 0.2, -1, 0.8, 0.4);
    const model: RewardModel = { kind: 'linear', S: 2, A: 2, k: 2, features };
    const fixed = Float64Array.of(0.3, -0.8, 1.1, 0.2);
    const r = (s: number, a: number): string => `(${features[(s * 2 + a) * 2]} * n0 + ${features[(s * 2 + a) * 2 + 1]} * n1)`;
    const pi = (s: number, a: number): string => `(exp(${r(s, a)} / lam) / (exp(${r(s, 0)} / lam) + exp(${r(s, 1)} / lam)))`;
    const m = (s: number, t: number): string => `(${s === t ? 1 : 0} - ${gamma} * ${p[s][t]})`;
    const det = `(${m(0, 0)} * ${m(1, 1)} - ${m(0, 1)} * ${m(1, 0)})`;
    const Gtext = (u: (s: number, a: number) => string): string => {
      const uPi = (s: number): string => `(${pi(s, 0)} * ${u(s, 0)} + ${pi(s, 1)} * ${u(s, 1)})`;
      const V0 = `((${m(1, 1)} * ${uPi(0)} - ${m(0, 1)} * ${uPi(1)}) / ${det})`;
      const V1 = `((${m(0, 0)} * ${uPi(1)} - ${m(1, 0)} * ${uPi(0)}) / ${det})`;
      return `${rho[0]} * ${V0} + ${rho[1]} * ${V1}`;
    };
    const cases: Array<[string, AdditiveUtility, string]> = [
      ['fixed u', { kind: 'additive', u: fixed }, Gtext((s, a) => `(${fixed[s * 2 + a]})`)],
      ['u = r_ν', rewardAsUtility(model), Gtext(r)],
    ];
    let worst = 0;
    for (const [name, utility, text] of cases) {
      const expr = parse(text);
      const Gc = expr.compile();
      const dG = [0, 1].map((i) => derivative(expr, `n${i}`, { simplify: false }).compile());
      for (const lambda of [1, 0.3, 0.1])
        for (let seed = 0; seed < 3; seed++) {
          const nu = randomTable(2, 800 + seed, -1, 1);
          const point = right(policyPointAtOptimum(mdp, model, nu, lambda));
          const o = additiveObjectiveExact(point, utility);
          const scope = { n0: nu[0], n1: nu[1], lam: lambda };
          // Both sides solve with (I − γp) (κ ≤ 19) and differ by the optimum's residual res:
          // Δθ ≤ 2res/(λ(1−γ)) moves G by ≤ max|Q_u|·2Δθ/(1−γ) (performance difference) and ∇G by
          // the same relative amount times ‖Φ‖/λ; rounding 32·κ·ε of the gradient scale
          // max|u|·‖Φ‖·(1 + 2/(λ(1−γ)))/(1−γ).
          const umax = name === 'fixed u' ? maxAbs(fixed) : maxAbs(rewardOf(model, nu));
          const dTheta = (2 * point.optimum.residual) / (lambda * (1 - gamma));
          const gscale = (Math.max(1, umax) * 2 * maxAbs(features) * (1 + 2 / (lambda * (1 - gamma)))) / (1 - gamma);
          const tolG = (32 * kappa(gamma) * EPS + (2 * dTheta) / (1 - gamma)) * Math.max(1, umax) / (1 - gamma);
          const tol = (32 * kappa(gamma) * EPS + (4 * dTheta) / (1 - gamma)) * gscale;
          expect(Math.abs((Gc.evaluate(scope) as number) - o.G), `${name} G`).toBeLessThanOrEqual(tolG);
          for (let i = 0; i < 2; i++) {
            const err = Math.abs((dG[i].evaluate(scope) as number) - o.gradG[i]);
            expect(err, `${name} λ=${lambda} ∂G/∂ν${i}`).toBeLessThanOrEqual(tol);
            worst = Math.max(worst, err / tol);
          }
        }
    }
    console.log(`two-state symbolic ∇G (fixed u and u = r_ν) vs additiveObjectiveExact: worst err/tol = ${worst.toExponential(2)}`);
  });
});
