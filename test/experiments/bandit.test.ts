/**
 * The two-armed bandit of proofs/bandit-performative.md (src/experiments/bandit.ts, `parl bandit`):
 * the library runs (parl-ts's exact PARL and myopic gradients, Newton along the gap) reproduce the
 * closed form, PARL's gap is below the MLE's, and the CLI reports it.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDIT_AGREEMENT, banditStationaryPoints, runBandit, validateBanditParams, type BanditParams } from '../../src/experiments/bandit.js';
import { runParl } from '../support/cli.js';
import { fcParams } from '../support/fcParams.js';

// ---------------------------------------------------------------------------------------------
// An independent closed form: PARL's stationarity with the informative-pair rate 2p(1−p) divided
// out, f(Δ) = (1−2p)(log 2 + ℓ(Δ))/λ + q − σ(Δ), p = σ(Δ/λ), q = σ(βΔu), ℓ = q log σ(Δ) + (1−q) log σ(−Δ)
// (proofs/bandit-performative.md, (f)), and bisection on (0, βΔu) for Δu > 0.

const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const logSig = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

const reducedParl = (lambda: number, q: number, d: number): number => {
  const p = sig(d / lambda);
  return ((1 - 2 * p) * (q * logSig(d) + (1 - q) * logSig(-d) + Math.LN2)) / lambda + q - sig(d);
};

/** PARL's gap by bisection to one ulp (f > 0 at 0⁺, f < 0 at βΔu), mirrored for Δu < 0. */
const parlGapByBisection = ({ lambda, beta, trueGap }: BanditParams): number => {
  const b = beta * Math.abs(trueGap);
  if (b === 0) return 0;
  const q = sig(b);
  let lo = 0;
  let hi = b;
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (reducedParl(lambda, q, mid) > 0) lo = mid;
    else hi = mid;
  }
  return Math.sign(trueGap) * lo;
};

const paramsArb = fc.record({
  lambda: fc.double({ min: 0.05, max: 5, noNaN: true }),
  beta: fc.double({ min: 0.1, max: 10, noNaN: true }),
  // Δu < 0 swaps the better action; 0 and tiny values (q ≈ ½) are drawn often
  trueGap: fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(0, -0, 1e-12, -1e-7)),
});

describe('bandit: library runs = closed form (src/experiments/bandit.ts)', () => {
  it('on λ ∈ [0.05, 5], β ∈ [0.1, 10], Δu ∈ [−3, 3]: both runs converge and agree with the closed form to 1e−6; PARL\'s |gap| < the MLE\'s', () => {
    let worst = 0;
    fc.assert(
      fc.property(paramsArb, (params) => {
        const r = runBandit(params);
        if (E.isLeft(r)) throw new Error(r.left.message);
        const { parl, myopic, closedForm, disagreement } = r.right;
        for (const p of [parl, myopic, closedForm.parl, closedForm.myopic]) expect(p.converged).toBe(true);
        // the promise of the module (the brief): gap, π(best), G of both methods within 1e−6; the
        // runs stop at |gap change| < 1e−10 and reach ~1e−10 (the library's myopic gradient is
        // y − σ(Δ) by subtraction, so near Δ = 30 its zero is only known to ε/σ′(30) ≈ 2e−3 — in
        // practice it lands within 1e−9, the bound still being 1e−6)
        expect(disagreement).toBeLessThanOrEqual(BANDIT_AGREEMENT);
        worst = Math.max(worst, disagreement);
        const b = params.beta * params.trueGap;
        // the myopic fixed point is the MLE β·Δu: the safeguarded Newton promises 1e−8
        expect(Math.abs(closedForm.myopic.gap - b)).toBeLessThanOrEqual(1e-8);
        // PARL's maximiser against an independent bisection to one ulp: 1e−8 promised
        expect(Math.abs(closedForm.parl.gap - parlGapByBisection(params))).toBeLessThanOrEqual(1e-8);
        if (b === 0) {
          expect(parl.gap).toBe(0);
          expect(myopic.gap).toBe(0);
          expect(closedForm.parl.gap).toBe(0);
        } else {
          // inside [0, βΔu] (on the side of βΔu); when σ(βΔu) rounds to ½ (|βΔu| < 1e−16) the
          // computed problem is the tie and the gap 0, so the sign is compared with ≥ 0
          expect(Math.sign(closedForm.parl.gap) * Math.sign(b)).toBeGreaterThanOrEqual(0);
          // PARL's gap is below the MLE's; when |βΔu| is tiny the two coincide to within the
          // solver's stop rule (1e−13 absolute below |Δ| = 1), which moves π = σ(Δ/λ) by ≤ 1e−13/(4λ);
          // G is maximal at PARL's gap, up to the rounding of the two G values (8ε, |G| ≤ log 2)
          expect(Math.abs(closedForm.parl.gap)).toBeLessThanOrEqual(Math.abs(b) + 1e-13);
          expect(closedForm.parl.piBest).toBeLessThanOrEqual(closedForm.myopic.piBest + 1e-13 / params.lambda);
          expect(closedForm.parl.G).toBeGreaterThanOrEqual(closedForm.myopic.G - 8 * Number.EPSILON);
        }
      }),
      fcParams(150),
    );
    console.log(`bandit: worst |library run − closed form| = ${worst.toExponential(2)}`);
  });

  it('the closed-form Newton converges to 1e−8 in the gap far outside the grid (λ from 1e−4 to 1e4, β up to 1e3)', () => {
    for (const lambda of [1e-4, 1e-2, 1, 1e2, 1e4])
      for (const beta of [1e-3, 1, 1e3])
        for (const trueGap of [-5, 1e-6, 2]) {
          const params = { lambda, beta, trueGap };
          const sp = banditStationaryPoints(params);
          const name = `λ=${lambda} β=${beta} Δu=${trueGap}`;
          expect(sp.parl.converged, name).toBe(true);
          expect(sp.myopic.converged, name).toBe(true);
          expect(Math.abs(sp.myopic.gap - beta * trueGap), name).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(beta * trueGap)));
          expect(Math.abs(sp.parl.gap - parlGapByBisection(params)), name).toBeLessThanOrEqual(1e-8);
        }
  });

  it('validates every parameter with its field', () => {
    const bad = validateBanditParams({ lambda: 0, beta: -1, trueGap: NaN });
    expect(E.isLeft(bad) && bad.left.map((e) => e.field)).toEqual(['lambda', 'beta', 'gap']);
    const overflow = validateBanditParams({ lambda: 1, beta: 1e308, trueGap: 10 });
    expect(E.isLeft(overflow) && overflow.left.map((e) => e.field)).toEqual(['gap']);
    expect(E.isRight(validateBanditParams({ lambda: 1, beta: 1, trueGap: -2 }))).toBe(true);
  });
});

describe('parl bandit', () => {
  it('--json: the result\'s shape, and the example λ = 0.5, β = 1, Δu = 1 (the defaults): π(best) 0.756 for PARL against 0.881 at the MLE', () => {
    const run = runParl('bandit', '--json');
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.params).toEqual({ lambda: 0.5, beta: 1, trueGap: 1 });
    for (const m of [r.parl, r.myopic, r.closedForm.parl, r.closedForm.myopic]) {
      for (const k of ['gap', 'piBest', 'G']) expect(typeof m[k]).toBe('number');
      expect(m.converged).toBe(true);
    }
    // reference values derived here: PARL's gap by the bisection above, the MLE's gap βΔu = 1
    const params = { lambda: 0.5, beta: 1, trueGap: 1 };
    const piParl = sig(parlGapByBisection(params) / 0.5);
    const piMle = sig(1 / 0.5);
    expect(piParl.toFixed(3)).toBe('0.756');
    expect(piMle.toFixed(3)).toBe('0.881');
    // the CLI's library runs and closed form reproduce them (1e−6: the module's agreement promise)
    for (const m of [r.parl, r.closedForm.parl]) expect(Math.abs(m.piBest - piParl)).toBeLessThanOrEqual(1e-6);
    for (const m of [r.myopic, r.closedForm.myopic]) expect(Math.abs(m.piBest - piMle)).toBeLessThanOrEqual(1e-6);
    expect(r.disagreement).toBeLessThanOrEqual(1e-6);
  });

  it('prints a table by default; a negative gap swaps the better action', () => {
    const run = runParl('bandit', '--lambda', '2', '--beta', '5', '--gap=-1');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/method\s+computed by\s+gap ν₀ − ν₁\s+π\(best\)\s+G/);
    expect(run.stdout).toContain('PARL');
    expect(run.stdout).toContain('myopic (MLE)');
    const r = JSON.parse(runParl('bandit', '--lambda', '2', '--beta', '5', '--gap=-1', '--json').stdout);
    expect(r.closedForm.myopic.gap).toBeCloseTo(-5, 12);
    expect(r.parl.gap).toBeLessThan(0);
    expect(r.parl.gap).toBeGreaterThan(-5);
    expect(r.parl.piBest).toBeGreaterThan(0.5);
  });

  it('--help; bad options: every error with its field, exit 2', () => {
    const help = runParl('bandit', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: parl bandit/);
    const bad = runParl('bandit', '--lambda', '0', '--beta', 'x', '--gap', 'inf');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--lambda');
    expect(bad.stderr).toContain('--beta');
    expect(bad.stderr).toContain('--gap');
    expect(runParl('bandit', '--lambda', '').status).toBe(2);
    const unknown = runParl('bandit', '--lamda', '1');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--lamda/);
  });

  it('exits 1 when a library run cannot reach the MLE (π*(1) underflows once βΔu/λ > 745)', () => {
    const run = runParl('bandit', '--lambda', '0.01', '--beta', '10', '--gap', '3');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/not converged: myopic/);
  });
});
