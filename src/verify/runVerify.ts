/**
 * `parl verify`: check the implemented identities on generated cases and published values.
 */
import { evaluatePolicy } from '../value/policyEvaluation.js';
import { generateCases } from './cases.js';
import { CORE_IDENTITIES, type Identity } from './identities.js';
import { LOWER_LEVEL_IDENTITIES } from './lowerLevelIdentities.js';
import { UPPER_LEVEL_IDENTITIES } from './upperLevelIdentities.js';
import { PUBLISHED_CHECKS } from './published.js';

/** Every identity `parl verify` checks on generated cases, in table order. */
export const IDENTITIES: ReadonlyArray<Identity> = [...CORE_IDENTITIES, ...LOWER_LEVEL_IDENTITIES, ...UPPER_LEVEL_IDENTITIES];

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
      if (m === undefined) return; // not applicable to this case
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
  for (const check of PUBLISHED_CHECKS) {
    const m = check.measure();
    rows.push({
      identity: check.name,
      source: check.source,
      cases: 1,
      worstError: m.error,
      tolerance: m.tolerance,
      worstCase: check.case,
      pass: m.error <= m.tolerance,
    });
  }
  return { seed: opts.seed, cases: opts.cases, rows, ok: rows.every((r) => r.pass) };
};
