/**
 * Checks of `nu-score-closed-form.md`: `ψ = (∂_ν Q* − ∂_ν V*)/λ` with
 * `∂_ν V* = (I − γP_{π*})⁻¹ Σ_a π* J_r` (MATH.md §6), and its vector-Jacobian form
 * `Σ w ψ = J_rᵀ(w + π*∘y)/λ`, `(I − γP_{π*})ᵀ y = γPᵀw − Σ_a w`.
 *
 * Code under test: `nuScoreClosedForm`, `nuScoreVjpClosedForm` (src/nuScore/closedForm.ts),
 * `softOptimum` (src/optimal/softOptimum.ts), `rewardOf` (src/reward/rewardModel.ts).
 */
import { derivative, parse, type EvalFunction } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { twoStateChain } from '../src/mdp/chain.js';
import type { Mdp } from '../src/mdp/types.js';
import { nuScoreClosedForm, nuScoreVjpClosedForm } from '../src/nuScore/closedForm.js';
import { softOptimum } from '../src/optimal/softOptimum.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import { EPS, garnetCase, maxAbs, maxAbsDiff, mdpOf, randomLogits, randomTable, right, softOpt } from './support.js';

const kappa = (gamma: number): number => (1 + gamma) / (1 - gamma);

interface NuCase {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
}

const nuCases: NuCase[] = (() => {
  const out: NuCase[] = [];
  for (const gamma of [0.5, 0.9])
    for (const lambda of [1, 0.3, 0.1])
      for (const kind of ['tabular', 'linear'] as const) {
        const { mdp, reward } = garnetCase(4, 3, 3, 21, gamma);
        const model: RewardModel = kind === 'tabular'
          ? { kind: 'tabular', S: 4, A: 3 }
          : { kind: 'linear', S: 4, A: 3, k: 3, features: randomTable(36, 5, -1, 1) };
        const nu = kind === 'tabular' ? Float64Array.from(reward) : randomTable(3, 6, -1, 1);
        out.push({ name: `garnet(4,3) γ=${gamma} λ=${lambda} ${kind}`, mdp, model, nu, lambda });
      }
  return out;
})();

describe('closed-form ν-score (proofs/nu-score-closed-form.md)', () => {
  it('ψ = ∂θ*/∂ν (canonical θ*) and ∂_νV* match Richardson differences of softOptimum', () => {
    const h = EPS ** 0.2;
    let worstPsi = 0;
    let worstV = 0;
    let worstAbs = 0;
    for (const c of nuCases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const opt = softOpt(c.mdp, rewardOf(c.model, c.nu), c.lambda);
      const cf = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      // Per-evaluation error of θ*(ν) and V*(ν): a soft Bellman residual `res` leaves
      // ‖V − V*‖∞ ≤ res/(1−γ), hence ‖θ − θ*‖∞ ≤ 2 res/(λ(1−γ)) (θ* = (Q* − V*)/λ), plus the
      // rounding of (Q − m)/λ − ℓ, ≤ 4ε‖Q‖∞/λ. We record the worst over the stencil.
      let dTheta = 0;
      let dV = 0;
      const at = (v: Readonly<Float64Array>) => {
        const o = softOpt(c.mdp, rewardOf(c.model, v), c.lambda);
        dTheta = Math.max(dTheta, (2 * o.residual) / (c.lambda * (1 - gamma)) + (4 * EPS * maxAbs(o.QStar)) / c.lambda);
        dV = Math.max(dV, o.residual / (1 - gamma) + 4 * S * kappa(gamma) * EPS * maxAbs(o.VStar));
        return o;
      };
      const fd = numericJacobian((v) => at(v).thetaStar, c.nu, S * A, { order: 4 });
      const fd2 = numericJacobian((v) => at(v).thetaStar, c.nu, S * A, { order: 4, h: 2 * h * Math.max(1, maxAbs(c.nu)) });
      const fdV = numericJacobian((v) => at(v).VStar, c.nu, S, { order: 4 });
      const fdV2 = numericJacobian((v) => at(v).VStar, c.nu, S, { order: 4, h: 2 * h * Math.max(1, maxAbs(c.nu)) });
      // numericJacobian is (output j, input i) row-major, the layout of ψ[(s*A+a)*d + i].
      // Tolerance: Richardson rounding 1.5·δ/h plus twice the a-posteriori truncation
      // estimate |D(h) − D(2h)|/15 (see policy-gradient-entropy.check.ts).
      for (let k = 0; k < S * A * d; k++) {
        const tol = (1.5 * dTheta) / h + (2 * Math.abs(fd[k] - fd2[k])) / 15;
        const err = Math.abs(cf.psi[k] - fd[k]);
        expect(err, `${c.name} ψ entry ${k}`).toBeLessThanOrEqual(tol);
        worstPsi = Math.max(worstPsi, err / tol);
        worstAbs = Math.max(worstAbs, err / Math.max(1, Math.abs(cf.psi[k])));
      }
      for (let k = 0; k < S * d; k++) {
        const tol = (1.5 * dV) / h + (2 * Math.abs(fdV[k] - fdV2[k])) / 15;
        const err = Math.abs(cf.dVdNu[k] - fdV[k]);
        expect(err, `${c.name} ∂V* entry ${k}`).toBeLessThanOrEqual(tol);
        worstV = Math.max(worstV, err / tol);
      }
    }
    console.log(`ψ vs FD of θ*: worst err/tol = ${worstPsi.toFixed(3)} (worst error relative to max(1,|ψ|) = ${worstAbs.toExponential(2)}); ∂V* vs FD: worst err/tol = ${worstV.toFixed(3)}`);
  });

  it('Σ_a π*(a|s) ψ[s,a] = 0 (ψ is an advantage) on every state', () => {
    let worst = 0;
    for (const c of nuCases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const opt = softOpt(c.mdp, rewardOf(c.model, c.nu), c.lambda);
      const { psi, dVdNu } = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      // Σ_a π*ψ = (B + γP_π*∂V − ∂V)/λ = −(solve residual)/λ plus the rounding of Σπ* = 1 ± Aε;
      // a backward-stable solve leaves a residual ≤ 8S·ε(1+γ)‖∂V‖∞.
      const tol = ((8 * S + 2 * A) * EPS * (1 + gamma) * Math.max(1, maxAbs(dVdNu))) / c.lambda;
      for (let s = 0; s < S; s++)
        for (let i = 0; i < d; i++) {
          let acc = 0;
          for (let a = 0; a < A; a++) acc += opt.piStar[s * A + a] * psi[(s * A + a) * d + i];
          expect(Math.abs(acc), c.name).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, Math.abs(acc) / tol);
        }
    }
    console.log(`Σ_a π* ψ: worst |·|/tol = ${worst.toExponential(2)}`);
  });

  it('vector-Jacobian form: nuScoreVjpClosedForm(w) = Σ w ψ with one transposed solve', () => {
    let worst = 0;
    for (const c of nuCases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const opt = softOpt(c.mdp, rewardOf(c.model, c.nu), c.lambda);
      const { psi } = right(nuScoreClosedForm(c.mdp, c.model, opt.piStar, c.lambda));
      for (let seed = 0; seed < 3; seed++) {
        const w = randomLogits(S * A, 900 + seed);
        const vjp = right(nuScoreVjpClosedForm(c.mdp, c.model, opt.piStar, c.lambda, w));
        const direct = new Float64Array(d);
        let wl1 = 0;
        for (let k = 0; k < S * A; k++) {
          wl1 += Math.abs(w[k]);
          for (let i = 0; i < d; i++) direct[i] += w[k] * psi[k * d + i];
        }
        // the routes use M⁻¹ and M⁻ᵀ of the same LU; each is within 8S·κ·ε of ‖ψ‖∞ per entry
        // (relative to the size of the terms, ‖J_r‖ scaled by 1/λ), summed with weights |w|.
        const scale = Math.max(maxAbs(psi), 1 / c.lambda) * wl1 * (c.model.kind === 'linear' ? maxAbs(c.model.features) * c.model.k : 1);
        const tol = 2 * (8 * S + A) * kappa(gamma) * EPS * scale;
        const err = maxAbsDiff(vjp.value, direct);
        expect(err, c.name).toBeLessThanOrEqual(tol);
        worst = Math.max(worst, err / tol);
      }
    }
    console.log(`VJP vs Σ w ψ: worst err/tol = ${worst.toExponential(2)}`);
  });
});

describe('closed-form ν-score, symbolically (mathjs)', () => {
  it('bandit (S = 1, γ = 0): θ* = ν/λ − log Σ exp(ν/λ); math.derivative equals ψ', () => {
    const lse = '(exp(n0 / lam) + exp(n1 / lam) + exp(n2 / lam))';
    const thetaStar = [0, 1, 2].map((a) => parse(`n${a} / lam - log(${lse})`));
    // ψ[a, i] = ∂θ*_a/∂ν_i symbolically
    const dTheta: EvalFunction[][] = thetaStar.map((e) => [0, 1, 2].map((i) => derivative(e, `n${i}`, { simplify: false }).compile()));
    const mdp = mdpOf(1, 3, 0, [1, 1, 1], [1]);
    const model: RewardModel = { kind: 'tabular', S: 1, A: 3 };
    let worst = 0;
    for (const lambda of [2, 0.5, 0.1, 0.05])
      for (let seed = 0; seed < 3; seed++) {
        const nu = randomTable(3, 40 + seed, -1, 1);
        const opt = right(softOptimum(mdp, nu, lambda));
        const { psi } = right(nuScoreClosedForm(mdp, model, opt.piStar, lambda));
        const scope = { n0: nu[0], n1: nu[1], n2: nu[2], lam: lambda };
        // both are a handful of exp/divisions of the same numbers: ψ ≤ 2/λ in size,
        // so 16 ulps of 1/λ bound either side's rounding
        const tol = (16 * EPS) / lambda;
        for (let a = 0; a < 3; a++)
          for (let i = 0; i < 3; i++) {
            const err = Math.abs((dTheta[a][i].evaluate(scope) as number) - psi[a * 3 + i]);
            expect(err).toBeLessThanOrEqual(tol);
            worst = Math.max(worst, err / tol);
          }
      }
    console.log(`bandit: symbolic ∂θ*/∂ν vs ψ: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('two states, action-independent transitions, γ = 0.9, linear reward: V* and θ* in closed form', () => {
    // P[s,a,·] = p_s for every a, so Q*(s,a) = r(s,a) + γ p_sᵀV* and θ*(s,·) = r(s,·)/λ − lse,
    // V* = (I − γp)⁻¹ L with L_s = λ log Σ_a exp(r(s,a)/λ): both are closed-form expressions.
    const gamma = 0.9;
    const p = [[0.3, 0.7], [0.6, 0.4]];
    const mdp = mdpOf(2, 2, gamma, [...p[0], ...p[0], ...p[1], ...p[1]], [0.5, 0.5]);
    const features = Float64Array.of(1, 0.5, -0.3, 1, 0.2, -1, 0.8, 0.4); // (s*A + a)*2 + i
    const model: RewardModel = { kind: 'linear', S: 2, A: 2, k: 2, features };
    const r = (s: number, a: number): string => `(${features[(s * 2 + a) * 2]} * n0 + ${features[(s * 2 + a) * 2 + 1]} * n1)`;
    const L = (s: number): string => `(lam * log(exp(${r(s, 0)} / lam) + exp(${r(s, 1)} / lam)))`;
    const m = (s: number, t: number): string => `(${s === t ? 1 : 0} - ${gamma} * ${p[s][t]})`;
    const det = `(${m(0, 0)} * ${m(1, 1)} - ${m(0, 1)} * ${m(1, 0)})`;
    const V = [parse(`(${m(1, 1)} * ${L(0)} - ${m(0, 1)} * ${L(1)}) / ${det}`), parse(`(${m(0, 0)} * ${L(1)} - ${m(1, 0)} * ${L(0)}) / ${det}`)];
    const theta = [0, 1].flatMap((s) => [0, 1].map((a) => parse(`${r(s, a)} / lam - log(exp(${r(s, 0)} / lam) + exp(${r(s, 1)} / lam))`)));
    const dV = V.map((e) => [0, 1].map((i) => derivative(e, `n${i}`, { simplify: false }).compile()));
    const dTheta = theta.map((e) => [0, 1].map((i) => derivative(e, `n${i}`, { simplify: false }).compile()));
    let worst = 0;
    for (const lambda of [1, 0.3, 0.1])
      for (let seed = 0; seed < 3; seed++) {
        const nu = randomTable(2, 60 + seed, -1, 1);
        const opt = softOpt(mdp, rewardOf(model, nu), lambda);
        const cf = right(nuScoreClosedForm(mdp, model, opt.piStar, lambda));
        const scope = { n0: nu[0], n1: nu[1], lam: lambda };
        // V* via (I − γp)⁻¹ (κ = 19) on both sides; ψ carries 1/λ: tolerances 16·2·κ·ε of
        // the respective scales (‖∂V*‖ ≤ ‖Φ‖/(1−γ), ‖ψ‖ ≤ 2‖Φ‖/λ).
        const tolV = 32 * kappa(gamma) * EPS * (maxAbs(features) / (1 - gamma));
        const tolPsi = 32 * kappa(gamma) * EPS * ((2 * maxAbs(features)) / lambda);
        for (let s = 0; s < 2; s++)
          for (let i = 0; i < 2; i++) {
            const err = Math.abs((dV[s][i].evaluate(scope) as number) - cf.dVdNu[s * 2 + i]);
            expect(err).toBeLessThanOrEqual(tolV);
            worst = Math.max(worst, err / tolV);
          }
        for (let k = 0; k < 4; k++)
          for (let i = 0; i < 2; i++) {
            const err = Math.abs((dTheta[k][i].evaluate(scope) as number) - cf.psi[k * 2 + i]);
            expect(err).toBeLessThanOrEqual(tolPsi);
            worst = Math.max(worst, err / tolPsi);
          }
      }
    console.log(`action-independent 2-state: symbolic ∂V*, ∂θ* vs closed form: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('two-state chain, γ = 0.9, tabular ν: implicit differentiation of the soft Bellman equation with symbolic partials', () => {
    // F_s(V, ν) = V_s − λ log Σ_a exp((ν[s,a] + γ Σ_t P[s,a,t] V_t)/λ) = 0 at V*(ν).
    // dV*/dν = −(∂F/∂V)⁻¹ ∂F/∂ν with the partials from math.derivative, evaluated at the V* of
    // softOptimum; then ∂Q*/∂ν = I + γP ∂V*/∂ν and ψ = (∂Q* − ∂V*)/λ.
    const { mdp } = twoStateChain({ gamma: 0.9, rho: [0.5, 0.5] });
    const { P, gamma } = mdp;
    const nuName = (s: number, a: number): string => `n${s}${a}`;
    const q = (s: number, a: number): string => `(${nuName(s, a)} + gam * (${P[(s * 2 + a) * 2]} * v0 + ${P[(s * 2 + a) * 2 + 1]} * v1))`;
    const F = [0, 1].map((s) => parse(`v${s} - lam * log(exp(${q(s, 0)} / lam) + exp(${q(s, 1)} / lam))`));
    const FV = F.map((e) => [0, 1].map((t) => derivative(e, `v${t}`, { simplify: false }).compile()));
    const Fnu = F.map((e) => [0, 1].flatMap((s) => [0, 1].map((a) => derivative(e, nuName(s, a), { simplify: false }).compile())));
    const Fc = F.map((e) => e.compile());
    const model: RewardModel = { kind: 'tabular', S: 2, A: 2 };
    let worst = 0;
    for (const lambda of [1, 0.3, 0.1])
      for (let seed = 0; seed < 3; seed++) {
        const nu = randomTable(4, 70 + seed, -1, 1);
        const opt = softOpt(mdp, nu, lambda);
        const cf = right(nuScoreClosedForm(mdp, model, opt.piStar, lambda));
        const scope = { v0: opt.VStar[0], v1: opt.VStar[1], n00: nu[0], n01: nu[1], n10: nu[2], n11: nu[3], lam: lambda, gam: gamma };
        // the symbolic residual at the computed V* is the solver's residual
        for (const f of Fc) expect(Math.abs(f.evaluate(scope) as number)).toBeLessThanOrEqual(opt.residual + 8 * EPS * maxAbs(opt.VStar));
        const a = FV.map((row) => row.map((f) => f.evaluate(scope) as number)); // 2×2
        const b = Fnu.map((row) => row.map((f) => f.evaluate(scope) as number)); // 2×4
        const det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
        const dV = [0, 1].map((s) => [0, 1, 2, 3].map((j) => -((s === 0 ? a[1][1] * b[0][j] - a[0][1] * b[1][j] : a[0][0] * b[1][j] - a[1][0] * b[0][j]) / det)));
        // Error budget: V* is off by ≤ res/(1−γ), which moves the partials (second derivatives
        // O(1/λ)) by ≤ res/(λ(1−γ)); the 2×2 solve amplifies by κ ≤ 19; rounding 16·κ·ε.
        const dVerr = kappa(gamma) * (opt.residual / (lambda * (1 - gamma)) + 16 * EPS) / (1 - gamma);
        for (let s = 0; s < 2; s++)
          for (let j = 0; j < 4; j++) {
            const err = Math.abs(dV[s][j] - cf.dVdNu[s * 4 + j]);
            expect(err).toBeLessThanOrEqual(dVerr);
            worst = Math.max(worst, err / dVerr);
          }
        for (let s = 0; s < 2; s++)
          for (let act = 0; act < 2; act++)
            for (let j = 0; j < 4; j++) {
              const sa = s * 2 + act;
              const dQ = (sa === j ? 1 : 0) + gamma * (P[sa * 2] * dV[0][j] + P[sa * 2 + 1] * dV[1][j]);
              const psi = (dQ - dV[s][j]) / lambda;
              const tol = (2 * dVerr + 8 * EPS) / lambda;
              const err = Math.abs(psi - cf.psi[sa * 4 + j]);
              expect(err).toBeLessThanOrEqual(tol);
              worst = Math.max(worst, err / tol);
            }
      }
    console.log(`two-state chain: symbolic implicit differentiation vs closed form: worst err/tol = ${worst.toExponential(2)}`);
  });
});
