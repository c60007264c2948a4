/**
 * Checks of `parl-gradient.md`: the PARL gradient lemma for the preference utility,
 *
 *   ∇_ν G = E_{τ¹,τ² ∼ π_{θ*(ν)}, y}[ ∇_ν U + U · (Σ_h ψ(s¹_h,a¹_h) + Σ_h ψ(s²_h,a²_h)) ],
 *
 * with the score of BOTH segments and the expectation over the teacher's label (MATH.md §7).
 *
 * Code under test: `preferenceObjectiveExact` (src/upperLevel/preference.ts), `policyPointAtOptimum`
 * (src/upperLevel/policyPoint.ts), through them `nuScoreVjpClosedForm` and `softOptimum`.
 * The brute-force sum over all pairs below is written here from the definitions: its own segment
 * enumeration, segment probabilities, teacher label law, utility and Jacobian of r_ν. It uses
 * the materialised ψ of `nuScoreClosedForm` (proved in `nu-score-closed-form.md`).
 */
import { derivative, parse, type EvalFunction } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { policyPointAtOptimum } from '../src/upperLevel/policyPoint.js';
import { preferenceObjectiveExact, type PreferenceObjective } from '../src/upperLevel/preference.js';
import { bradleyTerryTeacher, type Teacher } from '../src/upperLevel/types.js';
import { numericJacobian } from '../src/check/finiteDifference.js';
import { twoStateChain } from '../src/mdp/chain.js';
import type { Mdp } from '../src/mdp/types.js';
import { nuScoreClosedForm } from '../src/nuScore/closedForm.js';
import { rewardDimension, rewardOf, type RewardModel } from '../src/reward/rewardModel.js';
import { EPS, garnetCase, maxAbs, mdpOf, randomTable, right } from './support.js';

// ---------------------------------------------------------------------------------------------
// The brute force, from the definitions (MATH.md §7), independent of src/upperLevel

interface Seg {
  readonly s: number[];
  readonly a: number[];
  readonly p: number;
}

/** Every length-H segment (s_0, a_0, …, s_{H−1}, a_{H−1}) with its probability ρ(s_0) Π π Π P. */
const allSegments = (mdp: Mdp, pi: Readonly<Float64Array>, H: number): Seg[] => {
  const { S, A, P, rho } = mdp;
  const out: Seg[] = [];
  const grow = (s: number[], a: number[], p: number): void => {
    const h = a.length;
    const st = s[h];
    for (let act = 0; act < A; act++) {
      const q = p * pi[st * A + act];
      if (h + 1 === H) {
        out.push({ s: [...s], a: [...a, act], p: q });
        continue;
      }
      for (let t = 0; t < S; t++) grow([...s, t], [...a, act], q * P[(st * A + act) * S + t]);
    }
  };
  for (let s0 = 0; s0 < S; s0++) grow([s0], [], rho[s0]);
  return out;
};

/** The teacher's label law for (τ¹, τ²) as a list of (label value, probability); [] = skipped. */
const labelLaw = (t: Teacher, rTrue: Readonly<Float64Array>, A: number, x: Seg, z: Seg): Array<[number, number]> => {
  const ret = (g: Seg): [number, number] => {
    let total = 0;
    let myopic = 0;
    const H = g.s.length;
    for (let h = 0; h < H; h++) {
      const r = rTrue[g.s[h] * A + g.a[h]];
      total += r;
      myopic += t.myopicGamma ** (H - 1 - h) * r;
    }
    return [total, myopic];
  };
  const [R1, M1] = ret(x);
  const [R2, M2] = ret(z);
  if (Math.max(R1, R2) <= t.skipThreshold) return [];
  if (Math.abs(R1 - R2) < t.equalThreshold) return [[0.5, 1]];
  const diff = M1 - M2;
  if (t.beta === Infinity && diff === 0) return [[0.5, 1]];
  const p = t.beta === Infinity ? (diff > 0 ? 1 : 0) : 1 / (1 + Math.exp(-t.beta * diff));
  const q = (1 - t.mistake) * p + t.mistake * (1 - p);
  return [[1, q], [0, 1 - q]];
};

/** log σ(x), written out independently of src (log1p form, stable for any finite x). */
const logSig = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

/** The dense Jacobian ∂r_ν/∂ν, (S·A)×d, from the model's definition. */
const jacobianOf = (model: RewardModel): Float64Array => {
  const n = model.S * model.A;
  if (model.kind === 'tabular') {
    const J = new Float64Array(n * n);
    for (let i = 0; i < n; i++) J[i * n + i] = 1;
    return J;
  }
  return Float64Array.from(model.features);
};

interface Brute {
  readonly G: number;
  readonly myopic: Float64Array;
  /** E[U Σ_h ψ(τ¹_h)] and E[U Σ_h ψ(τ²_h)] separately. */
  readonly score1: Float64Array;
  readonly score2: Float64Array;
  /** Σ over pairs of |terms| (for the summation error bounds). */
  readonly absG: number;
  readonly absMyopic: number;
  readonly absScore: number;
  /** ‖w‖₁ of the weights w[s,a] = E[U (c¹ + c²)[s,a]] that the VJP contracts with ψ. */
  readonly wl1: number;
  readonly pairs: number;
}

/**
 * G, the myopic gradient and the two halves of the ν-score term by the plain double sum over
 * ordered pairs and an explicit sum over label values.
 */
const bruteForce = (
  mdp: Mdp,
  model: RewardModel,
  nu: Readonly<Float64Array>,
  pi: Readonly<Float64Array>,
  psi: Readonly<Float64Array>,
  teacher: Teacher,
  rTrue: Readonly<Float64Array>,
  H: number,
): Brute => {
  const { S, A } = mdp;
  const d = rewardDimension(model);
  const Jr = jacobianOf(model);
  const r = new Float64Array(S * A);
  for (let k = 0; k < S * A; k++) for (let i = 0; i < d; i++) r[k] += Jr[k * d + i] * nu[i];
  const segs = allSegments(mdp, pi, H);
  const Rnu = segs.map((g) => g.s.reduce((acc, s, h) => acc + r[s * A + g.a[h]], 0));
  const psiSum = segs.map((g) => {
    const v = new Float64Array(d);
    for (let h = 0; h < H; h++) for (let i = 0; i < d; i++) v[i] += psi[(g.s[h] * A + g.a[h]) * d + i];
    return v;
  });
  const visits = segs.map((g) => {
    const c = new Float64Array(S * A);
    for (let h = 0; h < H; h++) c[g.s[h] * A + g.a[h]] += 1;
    return c;
  });
  let G = 0;
  let absG = 0;
  let absMyopic = 0;
  let absScore = 0;
  const myopic = new Float64Array(d);
  const score1 = new Float64Array(d);
  const score2 = new Float64Array(d);
  const w = new Float64Array(S * A);
  for (let i = 0; i < segs.length; i++)
    for (let j = 0; j < segs.length; j++) {
      const p = segs[i].p * segs[j].p;
      if (p === 0) continue;
      const delta = Rnu[i] - Rnu[j];
      const sig = 1 / (1 + Math.exp(-delta));
      for (const [y, py] of labelLaw(teacher, rTrue, A, segs[i], segs[j])) {
        const U = (y === 0 ? 0 : y * logSig(delta)) + (y === 1 ? 0 : (1 - y) * logSig(-delta));
        const q = p * py;
        G += q * U;
        absG += Math.abs(q * U);
        // ∇_ν U = (y − σ(Δ)) J_rᵀ (c¹ − c²)
        for (let k = 0; k < S * A; k++) {
          const c = visits[i][k] - visits[j][k];
          if (c === 0) continue;
          for (let m = 0; m < d; m++) {
            const t = q * (y - sig) * c * Jr[k * d + m];
            myopic[m] += t;
            absMyopic += Math.abs(t);
          }
        }
        for (let m = 0; m < d; m++) {
          score1[m] += q * U * psiSum[i][m];
          score2[m] += q * U * psiSum[j][m];
          absScore += Math.abs(q * U) * (Math.abs(psiSum[i][m]) + Math.abs(psiSum[j][m]));
        }
        for (let k = 0; k < S * A; k++) w[k] += q * U * (visits[i][k] + visits[j][k]);
      }
    }
  let wl1 = 0;
  for (let k = 0; k < S * A; k++) wl1 += Math.abs(w[k]);
  return { G, myopic, score1, score2, absG, absMyopic, absScore, wl1, pairs: segs.length ** 2 };
};

// ---------------------------------------------------------------------------------------------
// Cases

interface PrefCase {
  readonly name: string;
  readonly mdp: Mdp;
  readonly model: RewardModel;
  readonly nu: Float64Array;
  readonly lambda: number;
  readonly teacher: Teacher;
  readonly rTrue: Float64Array;
  readonly H: number;
}

const noisyTeacher: Teacher = { beta: 2, mistake: 0.1, myopicGamma: 0.8, skipThreshold: 0.6, equalThreshold: 0.05 };

const prefCases: PrefCase[] = (() => {
  const out: PrefCase[] = [];
  const chain = twoStateChain({ gamma: 0.9, rho: [0.5, 0.5] }).mdp;
  const garnet = garnetCase(3, 2, 2, 31, 0.8).mdp;
  const problems: Array<[string, Mdp, number]> = [['chain', chain, 3], ['garnet(3,2)', garnet, 2]];
  const teachers: Array<[string, Teacher]> = [['BT β=1', bradleyTerryTeacher(1)], ['BT β=∞', bradleyTerryTeacher(Infinity)], ['noisy', noisyTeacher]];
  let seed = 500;
  for (const [pname, mdp, H] of problems)
    for (const kind of ['tabular', 'linear'] as const)
      for (const lambda of [1, 0.3])
        for (const [tname, teacher] of teachers) {
          const n = mdp.S * mdp.A;
          const model: RewardModel = kind === 'tabular'
            ? { kind: 'tabular', S: mdp.S, A: mdp.A }
            : { kind: 'linear', S: mdp.S, A: mdp.A, k: 2, features: randomTable(n * 2, seed++, -1, 1) };
          const nu = randomTable(rewardDimension(model), seed++, -1, 1);
          const rTrue = randomTable(n, seed++, 0, 1);
          out.push({ name: `${pname} H=${H} ${kind} λ=${lambda} ${tname}`, mdp, model, nu, lambda, teacher, rTrue, H });
        }
  return out;
})();

const exactAt = (c: PrefCase, nu: Readonly<Float64Array>): { o: PreferenceObjective; residual: number; QStarMax: number; pi: Float64Array } => {
  const p = right(policyPointAtOptimum(c.mdp, c.model, nu, c.lambda));
  const o = right(preferenceObjectiveExact(p, c.teacher, c.rTrue, c.H));
  return { o, residual: p.optimum.residual, QStarMax: maxAbs(p.optimum.QStar), pi: p.pi };
};

const kappa = (gamma: number): number => (1 + gamma) / (1 - gamma);

/** ‖J_r‖ scale used in the VJP bound (max entry times the number of summed entries). */
const jacobianScale = (model: RewardModel): number => (model.kind === 'linear' ? maxAbs(model.features) * model.k : 1);

/**
 * Richardson differences of G(ν) (θ*(ν) recomputed at every node) with a per-entry tolerance.
 *
 * Per-evaluation error δ of G(ν): the solver's residual moves θ* by
 * Δθ ≤ 2·res/(λ(1−γ)) + 4ε‖Q*‖/λ (nu-score-closed-form.check.ts), so each log π* moves by
 * ≤ 2Δθ, log p(τ) by ≤ 2H·Δθ, and G = Σ p¹p²E[U] by ≤ 2·2H·Δθ·max|U| to first order; the
 * double sum rounds by ≤ n·ε·Σ|terms| ≤ n·ε·max|U| (n ≈ 2·pairs + 16), with
 * max|U| ≤ log 2 + max|Δ_ν| ≤ log 2 + 2H·max|r_ν|. δ is the worst over the stencil.
 * Tolerance per entry: Richardson rounding 1.5·δ/h plus twice the a-posteriori truncation
 * estimate |D(h) − D(2h)|/15 (the h⁴ term is 16× larger at 2h).
 */
const fdOfG = (c: PrefCase): { readonly fd: Float64Array; readonly tol: Float64Array } => {
  const h = EPS ** 0.2;
  let delta = 0;
  const G = (v: Readonly<Float64Array>): number[] => {
    const e = exactAt(c, v);
    const dTheta = (2 * e.residual) / (c.lambda * (1 - c.mdp.gamma)) + (4 * EPS * e.QStarMax) / c.lambda;
    const Umax = Math.LN2 + 2 * c.H * maxAbs(rewardOf(c.model, v));
    delta = Math.max(delta, 4 * c.H * dTheta * Umax + 2 * (2 * e.o.pairs + 16) * EPS * Umax);
    return [e.o.G];
  };
  const fd = numericJacobian(G, c.nu, 1, { order: 4 });
  const fd2 = numericJacobian(G, c.nu, 1, { order: 4, h: 2 * h * Math.max(1, maxAbs(c.nu)) });
  const tol = fd.map((x, i) => (1.5 * delta) / h + (2 * Math.abs(x - fd2[i])) / 15);
  return { fd, tol };
};

describe('PARL gradient lemma for preference pairs (proofs/parl-gradient.md)', () => {
  it('preferenceObjectiveExact = brute-force double sum over all pairs and labels (G, myopic and ν-score terms)', () => {
    let worstG = 0;
    let worstMy = 0;
    let worstFull = 0;
    for (const c of prefCases) {
      const { S, A, gamma } = c.mdp;
      const d = rewardDimension(c.model);
      const { o, pi } = exactAt(c, c.nu);
      const psi = right(nuScoreClosedForm(c.mdp, c.model, pi, c.lambda)).psi;
      const b = bruteForce(c.mdp, c.model, c.nu, pi, psi, c.teacher, c.rTrue, c.H);
      // Recursive summation of n terms errs by ≤ (n−1)·ε·Σ|terms| (Higham §4.2), plus a few
      // ulps per term (products of ≤ 2H+4 factors, one log1p): n = pairs·2 (two labels) + 4H + 16.
      const n = 2 * b.pairs + 4 * c.H + 16;
      const tolG = 2 * n * EPS * b.absG;
      expect(Math.abs(o.G - b.G), `${c.name} G`).toBeLessThanOrEqual(tolG);
      worstG = Math.max(worstG, Math.abs(o.G - b.G) / tolG);
      const tolMy = 2 * (n + S * A) * EPS * b.absMyopic + 16 * EPS * maxAbs(b.myopic);
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradGMyopic[i] - b.myopic[i]);
        expect(err, `${c.name} myopic ${i}`).toBeLessThanOrEqual(tolMy);
        worstMy = Math.max(worstMy, err / tolMy);
      }
      // Full gradient: the code contracts w = E[U(c¹ + c²)] with ψ by one transposed solve
      // (nuScoreVjpClosedForm), the brute force sums U·ψ pair by pair. VJP vs Σwψ: 2(8S+A)κε·‖w‖₁·
      // max(‖ψ‖, 1/λ)·‖J_r‖ (nu-score-closed-form.check.ts); plus the two summation errors.
      const vjp = 2 * (8 * S + A) * kappa(gamma) * EPS * b.wl1 * Math.max(maxAbs(psi), 1 / c.lambda) * jacobianScale(c.model);
      const tolFull = tolMy + 2 * n * EPS * b.absScore + vjp;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradG[i] - (b.myopic[i] + b.score1[i] + b.score2[i]));
        expect(err, `${c.name} ∇G ${i}`).toBeLessThanOrEqual(tolFull);
        worstFull = Math.max(worstFull, err / tolFull);
      }
    }
    console.log(`brute force vs preferenceObjectiveExact: G worst err/tol = ${worstG.toExponential(2)}, myopic ${worstMy.toExponential(2)}, ∇G ${worstFull.toExponential(2)}`);
  });

  it('∇G of the lemma = Richardson differences of G(ν) with θ*(ν) recomputed', () => {
    let worst = 0;
    let worstRel = 0;
    let minScoreShare = Infinity;
    for (const c of prefCases) {
      const d = rewardDimension(c.model);
      const { o } = exactAt(c, c.nu);
      const { fd, tol } = fdOfG(c);
      let scoreNorm = 0;
      let gradNorm = 0;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(o.gradG[i] - fd[i]);
        expect(err, `${c.name} entry ${i}: analytic ${o.gradG[i]}, FD ${fd[i]}`).toBeLessThanOrEqual(tol[i]);
        worst = Math.max(worst, err / tol[i]);
        worstRel = Math.max(worstRel, err / maxAbs(o.gradG));
        scoreNorm = Math.max(scoreNorm, Math.abs(o.gradG[i] - o.gradGMyopic[i]));
        gradNorm = Math.max(gradNorm, Math.abs(o.gradG[i]));
      }
      minScoreShare = Math.min(minScoreShare, scoreNorm / gradNorm);
    }
    // the ν-score term is a visible part of ∇G in every case (the next test shows that dropping
    // it misses the differences by far more than their tolerance), so the check is not vacuous
    expect(minScoreShare).toBeGreaterThan(1e-3);
    console.log(`∇G vs FD of G(ν): worst err/tol = ${worst.toFixed(3)}, worst err relative to ‖∇G‖∞ = ${worstRel.toExponential(2)}; smallest ‖score term‖∞/‖∇G‖∞ = ${minScoreShare.toFixed(3)}`);
  });

  it('both segments carry the score: each half is exactly ½ of the ν-score term, and the one-segment or myopic gradient fails the FD check', () => {
    let worstSym = 0;
    let minMissOne = Infinity;
    let minMissMyopic = Infinity;
    for (const c of prefCases) {
      const d = rewardDimension(c.model);
      const { o, pi } = exactAt(c, c.nu);
      const psi = right(nuScoreClosedForm(c.mdp, c.model, pi, c.lambda)).psi;
      const b = bruteForce(c.mdp, c.model, c.nu, pi, psi, c.teacher, c.rTrue, c.H);
      // Symmetry: (τ¹, τ², y) ↦ (τ², τ¹, 1 − y) preserves the pair's probability and U, so
      // E[U Σψ(τ¹)] = E[U Σψ(τ²)]. Both sides are sums of the same terms in another order.
      const tolSym = 4 * (2 * b.pairs + 4 * c.H + 16) * EPS * b.absScore;
      for (let i = 0; i < d; i++) {
        const err = Math.abs(b.score1[i] - b.score2[i]);
        expect(err, c.name).toBeLessThanOrEqual(tolSym);
        worstSym = Math.max(worstSym, err / tolSym);
      }
      // The one-segment gradient (myopic + E[U Σψ(τ¹)]) and the myopic gradient miss the
      // finite differences by ½ and all of the score term: we require a miss above 100× the
      // FD tolerance of the previous test.
      const { fd, tol } = fdOfG(c);
      let missOne = 0;
      let missMyopic = 0;
      for (let i = 0; i < d; i++) {
        missOne = Math.max(missOne, Math.abs(o.gradGMyopic[i] + b.score1[i] - fd[i]) / tol[i]);
        missMyopic = Math.max(missMyopic, Math.abs(o.gradGMyopic[i] - fd[i]) / tol[i]);
      }
      expect(missOne, c.name).toBeGreaterThan(100);
      expect(missMyopic, c.name).toBeGreaterThan(100);
      minMissOne = Math.min(minMissOne, missOne);
      minMissMyopic = Math.min(minMissMyopic, missMyopic);
    }
    console.log(`E[UΣψ(τ¹)] = E[UΣψ(τ²)]: worst err/tol = ${worstSym.toExponential(2)}; FD misses (in units of its tolerance, worst entry, smallest over cases): one-segment ${minMissOne.toExponential(2)}, myopic ${minMissMyopic.toExponential(2)}`);
  });
});

describe('PARL gradient lemma, symbolically (mathjs)', () => {
  /** mathjs text of U(y, Δ) = y log σ(Δ) + (1−y) log σ(−Δ) with the label law's mean y (U is affine in y). */
  const Utext = (y: number, delta: string): string => `(${y} * log(1 / (1 + exp(-(${delta})))) + ${1 - y} * log(1 / (1 + exp(${delta}))))`;

  it('bandit (S = 1, A = 2, H = 2, tabular ν): G(ν) in closed form, math.derivative = ∇G of preferenceObjectiveExact', () => {
    // S = 1: Q* = ν + γV*, so π* = softmax(ν/λ) whatever γ; a segment is (a_0, a_1) with
    // p = π*(a_0)π*(a_1); G = Σ_{τ¹,τ²} p(τ¹)p(τ²) U(ȳ, R_ν(τ¹) − R_ν(τ²)), ȳ = E[y] from β = 1.
    const mdp = mdpOf(1, 2, 0.5, [1, 1], [1]);
    const model: RewardModel = { kind: 'tabular', S: 1, A: 2 };
    const rTrue = Float64Array.of(0.2, 0.9);
    const teacher = bradleyTerryTeacher(1);
    const segs = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const pi = (a: number): string => `(exp(n${a} / lam) / (exp(n0 / lam) + exp(n1 / lam)))`;
    const terms: string[] = [];
    for (const x of segs)
      for (const z of segs) {
        const dTrue = rTrue[x[0]] + rTrue[x[1]] - rTrue[z[0]] - rTrue[z[1]];
        const y = 1 / (1 + Math.exp(-dTrue));
        const delta = `(n${x[0]} + n${x[1]} - n${z[0]} - n${z[1]})`;
        terms.push(`${pi(x[0])} * ${pi(x[1])} * ${pi(z[0])} * ${pi(z[1])} * ${Utext(y, delta)}`);
      }
    const Gexpr = parse(terms.join(' + '));
    const dG: EvalFunction[] = [0, 1].map((i) => derivative(Gexpr, `n${i}`, { simplify: false }).compile());
    const Gc = Gexpr.compile();
    let worst = 0;
    for (const lambda of [1, 0.3])
      for (let seed = 0; seed < 3; seed++) {
        const nu = randomTable(2, 600 + seed, -1, 1);
        const c: PrefCase = { name: 'bandit', mdp, model, nu, lambda, teacher, rTrue, H: 2 };
        const { o } = exactAt(c, nu);
        const scope = { n0: nu[0], n1: nu[1], lam: lambda };
        // both sides: 16 terms of ≤ 10 factors and a log; |U| ≤ log 2 + 4 max|ν|, ∇ carries 1/λ:
        // 64·16·ε of (|U|max·(1 + 4/λ)) covers either side's rounding.
        const Umax = Math.LN2 + 4 * maxAbs(nu);
        const tol = 64 * 16 * EPS * Umax * (1 + 4 / lambda);
        expect(Math.abs((Gc.evaluate(scope) as number) - o.G)).toBeLessThanOrEqual(tol);
        for (let i = 0; i < 2; i++) {
          const err = Math.abs((dG[i].evaluate(scope) as number) - o.gradG[i]);
          expect(err).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
        }
      }
    console.log(`bandit H = 2: symbolic ∇G vs preferenceObjectiveExact: worst err/tol = ${worst.toExponential(2)}`);
  });

  it('two states, action-independent transitions, linear reward (k = 2), H = 1: symbolic ∇G', () => {
    // P[s,a,·] = p_s for every a ⇒ π*(·|s) = softmax(r_ν(s,·)/λ) (Q* − V* does not involve V*'s
    // successor term); H = 1 segments are (s_0, a_0) with p = ρ(s_0) π*(a_0|s_0).
    const gamma = 0.9;
    const p = [[0.3, 0.7], [0.6, 0.4]];
    const rho = [0.4, 0.6];
    const mdp = mdpOf(2, 2, gamma, [...p[0], ...p[0], ...p[1], ...p[1]], rho);
    const features = Float64Array.of(1, 0.5, -0.3, 1, 0.2, -1, 0.8, 0.4);
    const model: RewardModel = { kind: 'linear', S: 2, A: 2, k: 2, features };
    const rTrue = Float64Array.of(0.1, 0.7, 0.5, 0.2);
    const teacher = bradleyTerryTeacher(2);
    const r = (s: number, a: number): string => `(${features[(s * 2 + a) * 2]} * n0 + ${features[(s * 2 + a) * 2 + 1]} * n1)`;
    const pi = (s: number, a: number): string => `(exp(${r(s, a)} / lam) / (exp(${r(s, 0)} / lam) + exp(${r(s, 1)} / lam)))`;
    const segs = [[0, 0], [0, 1], [1, 0], [1, 1]]; // (s_0, a_0)
    const terms: string[] = [];
    for (const x of segs)
      for (const z of segs) {
        const y = 1 / (1 + Math.exp(-2 * (rTrue[x[0] * 2 + x[1]] - rTrue[z[0] * 2 + z[1]])));
        terms.push(`${rho[x[0]]} * ${pi(x[0], x[1])} * ${rho[z[0]]} * ${pi(z[0], z[1])} * ${Utext(y, `${r(x[0], x[1])} - ${r(z[0], z[1])}`)}`);
      }
    const Gexpr = parse(terms.join(' + '));
    const dG = [0, 1].map((i) => derivative(Gexpr, `n${i}`, { simplify: false }).compile());
    let worst = 0;
    for (const lambda of [1, 0.3])
      for (let seed = 0; seed < 3; seed++) {
        const nu = randomTable(2, 650 + seed, -1, 1);
        const c: PrefCase = { name: '2-state', mdp, model, nu, lambda, teacher, rTrue, H: 1 };
        const { o } = exactAt(c, nu);
        const scope = { n0: nu[0], n1: nu[1], lam: lambda };
        // the code's π* comes from softOptimum (residual ≲ 1e-13·scale); ψ through (I − γP)⁻¹ (κ ≤ 19):
        // 64·16·κ·ε of |U|max·‖Φ‖·(1 + 2/λ) bounds both sides' rounding.
        const Umax = Math.LN2 + 2 * maxAbs(rewardOf(model, nu));
        const tol = 64 * 16 * kappa(gamma) * EPS * Umax * maxAbs(features) * 2 * (1 + 2 / lambda);
        for (let i = 0; i < 2; i++) {
          const err = Math.abs((dG[i].evaluate(scope) as number) - o.gradG[i]);
          expect(err).toBeLessThanOrEqual(tol);
          worst = Math.max(worst, err / tol);
        }
      }
    console.log(`two-state H = 1: symbolic ∇G vs preferenceObjectiveExact: worst err/tol = ${worst.toExponential(2)}`);
  });
});
