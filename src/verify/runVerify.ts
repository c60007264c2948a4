/**
 * `parl verify`: check the implemented identities on generated cases and published values.
 */
import { evaluatePolicy } from '../value/policyEvaluation.js';
import { generateCases } from './cases.js';
import { IDENTITIES } from './identities.js';
import { gridworldRandomPolicyValues, roundingViolation, SUTTON_BARTO_FIG_3_2 } from './published.js';

/** One row of the verification table. */
export interface VerifyRow {
  readonly identity: string;
  readonly source: string;
  readonly cases: number;
  /** Error of the case closest to (or furthest beyond) its tolerance. */
  readonly worstError: number;
  /** Tolerance at that case. */
  readonly tolerance: number;
  /** Label of that case (to reproduce it). */
  readonly worstCase: string;
  readonly pass: boolean;
}

export interface VerifyReport {
  readonly seed: number;
  readonly cases: number;
  readonly rows: ReadonlyArray<VerifyRow>;
  readonly ok: boolean;
}

export interface VerifyOptions {
  readonly seed: number;
  readonly cases: number;
  /** Called after each generated case (progress output at the edges). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Run every identity on `cases` generated cases from `seed`, plus the published-value checks. */
export const runVerify = (opts: VerifyOptions): VerifyReport => {
  const cases = generateCases(opts.seed, opts.cases);
  const worst = IDENTITIES.map(() => ({ ratio: -1, error: 0, tolerance: 0, label: '', n: 0, pass: true }));
  cases.forEach((c, k) => {
    const ev = evaluatePolicy(c.mdp, c.r, c.theta, c.lambda);
    IDENTITIES.forEach((id, j) => {
      let m;
      try {
        m = id.measure(c, ev);
      } catch (e) {
        m = { error: NaN, tolerance: 0 };
      }
      const w = worst[j];
      w.n++;
      const ok = m.error <= m.tolerance; // NaN fails
      const ratio = ok ? m.error / m.tolerance : Infinity;
      if (!ok) w.pass = false;
      if (ratio > w.ratio || w.label === '') Object.assign(w, { ratio, error: m.error, tolerance: m.tolerance, label: c.label });
    });
    opts.onProgress?.(k + 1, cases.length);
  });
  const rows: VerifyRow[] = IDENTITIES.map((id, j) => ({
    identity: id.name,
    source: id.source,
    cases: worst[j].n,
    worstError: worst[j].error,
    tolerance: worst[j].tolerance,
    worstCase: worst[j].label,
    pass: worst[j].pass && worst[j].n > 0,
  }));
  const gw = roundingViolation(gridworldRandomPolicyValues(), SUTTON_BARTO_FIG_3_2);
  rows.push({
    identity: 'Sutton & Barto Fig. 3.2 (random policy, γ=0.9) rounds to the published table',
    source: 'Sutton & Barto (2018), Example 3.5',
    cases: 1,
    worstError: gw,
    tolerance: 0,
    worstCase: 'gridworld 5×5',
    pass: gw === 0,
  });
  return { seed: opts.seed, cases: opts.cases, rows, ok: rows.every((r) => r.pass) };
};
