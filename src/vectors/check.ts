/**
 * `parl vectors check`: compare parl-ts's values with a conformance vector (VECTORS.md).
 * `x` matches the expected `e` when `|x − e| ≤ abs + rel·|e|`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatValidationError, type ValidationError } from '../errors/parlError.js';
import { computeCase } from './compute.js';
import { formatSolveReport, type SolveReport } from '../numerics/solveReport.js';
import type { NuScoreRoute } from '../nuScore/routes.js';
import { parseVector, VECTOR_FIELDS, type ConformanceVector, type VectorField } from './schema.js';

/** The first disagreement in one field (or why it could not be computed). */
export interface FieldFailure {
  readonly field: VectorField;
  /** Flat index of the first entry out of tolerance (absent when not computable). */
  readonly index?: number;
  readonly expected?: number;
  readonly got?: number;
  /** `|got − expected|`. */
  readonly error?: number;
  /** Allowed error at that entry: `abs + rel·|expected|`. */
  readonly allowed?: number;
  readonly reason: string;
}

/** The outcome of checking one file. */
export interface CaseResult {
  readonly path: string;
  readonly id: string;
  readonly ok: boolean;
  readonly fieldsChecked: ReadonlyArray<VectorField>;
  readonly failures: ReadonlyArray<FieldFailure>;
  /** Set when the file itself is malformed (then `ok` is false and nothing was computed). */
  readonly malformed?: ReadonlyArray<ValidationError>;
  /** How ψ and the ψ-dependent fields were computed. */
  readonly route?: NuScoreRoute;
  /** The report of every solve behind the computed fields. */
  readonly solves?: ReadonlyArray<SolveReport>;
}

/** Compare `got` to `expected` entrywise with `|x − e| ≤ abs + rel·|e|`; first failing entry or undefined. */
export const firstMismatch = (
  expected: Readonly<Float64Array>,
  got: Readonly<Float64Array>,
  tol: { readonly rel: number; readonly abs: number },
): { index: number; expected: number; got: number; error: number; allowed: number } | undefined => {
  if (got.length !== expected.length) {
    return { index: Math.min(got.length, expected.length), expected: NaN, got: NaN, error: Infinity, allowed: 0 };
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const x = got[i];
    const error = Math.abs(x - e);
    const allowed = tol.abs + tol.rel * Math.abs(e);
    // written so that a NaN `x` fails (NaN ≤ allowed is false)
    if (!(error <= allowed)) return { index: i, expected: e, got: x, error, allowed };
  }
  return undefined;
};

/** Check the given (or all present) expected fields of a validated case, ψ by `route` (default `closed`). */
export const checkVector = (
  path: string,
  v: ConformanceVector,
  only?: ReadonlyArray<VectorField>,
  route: NuScoreRoute = 'closed',
): CaseResult => {
  const present = VECTOR_FIELDS.filter((f) => v.expected[f] !== undefined);
  const fields = only === undefined ? present : present.filter((f) => only.includes(f));
  const computed = computeCase(v, fields, route);
  const failures: FieldFailure[] = [];
  for (const f of fields) {
    const res = computed.fields.get(f)!;
    if (E.isLeft(res)) {
      failures.push({ field: f, reason: res.left });
      continue;
    }
    const m = firstMismatch(v.expected[f]!, res.right, v.tolerance);
    if (m !== undefined) failures.push({ field: f, ...m, reason: 'out of tolerance' });
  }
  return { path, id: v.id, ok: failures.length === 0, fieldsChecked: fields, failures, route, solves: computed.solves };
};

/** Parse and check one file's text; a malformed file is a failed case, never a throw. */
export const checkVectorText = (path: string, text: string, only?: ReadonlyArray<VectorField>, route: NuScoreRoute = 'closed'): CaseResult => {
  const parsed = parseVector(text);
  if (E.isLeft(parsed)) {
    return { path, id: path, ok: false, fieldsChecked: [], failures: [], malformed: parsed.left };
  }
  return checkVector(path, parsed.right, only, route);
};

/** One line per case: id, pass/fail and the first failing field with index, expected, got, error. */
export const formatCaseResult = (c: CaseResult): string => {
  if (c.malformed !== undefined) {
    const shown = c.malformed.slice(0, 5).map(formatValidationError).join('; ');
    const more = c.malformed.length > 5 ? ` (and ${c.malformed.length - 5} more)` : '';
    return `${c.path}: FAIL malformed file: ${shown}${more}`;
  }
  const unreliable = (c.solves ?? []).filter((r) => !r.reliable);
  const flagged = unreliable.length > 0 ? `; unreliable solve: ${formatSolveReport(unreliable[0])}${unreliable.length > 1 ? ` (+${unreliable.length - 1} more)` : ''}` : '';
  if (c.ok) return `${c.id}: pass (${c.fieldsChecked.join(',')})${flagged}`;
  const f = c.failures[0];
  const detail = f.index === undefined
    ? `${f.field}: ${f.reason}`
    : `${f.field}[${f.index}]: expected ${f.expected}, got ${f.got}, error ${f.error?.toExponential(3)} > allowed ${f.allowed?.toExponential(3)}`;
  const others = c.failures.length > 1 ? ` (+${c.failures.length - 1} more fields: ${c.failures.slice(1).map((x) => x.field).join(',')})` : '';
  return `${c.id}: FAIL ${detail}${others}${flagged}`;
};
