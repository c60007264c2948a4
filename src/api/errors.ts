/**
 * Printing the library's results (MATH.md §1, §10): one line for a `ParlError` and for a
 * `SolveReport`, total on any value.
 */
import { formatParlError as formatParlErrorInternal, type ParlError } from '../errors/parlError.js';
import { describeValue } from '../mdp/validate.js';
import { formatSolveReport as formatSolveReportInternal, type SolveReport } from '../numerics/solveReport.js';

const tagged = (x: unknown, tags: ReadonlyArray<string>): boolean => {
  try {
    return typeof x === 'object' && x !== null && tags.includes((x as { readonly _tag?: unknown })._tag as string);
  } catch {
    return false;
  }
};

/** `field[i,j]: message` for each problem of an error, `; `-separated (the CLI's form). */
export const formatParlError = (e: ParlError): string => {
  if (!tagged(e, ['InvalidInput', 'NumericalFailure', 'LimitExceeded'])) return `not a ParlError: ${describeValue(e)}`;
  try {
    return formatParlErrorInternal(e);
  } catch {
    return `a malformed ParlError (_tag ${String(e._tag)})`;
  }
};

/** One line for a solve report: quantity, route, converged, relative residual, iterations, bound or condition, reliable, warning. */
export const formatSolveReport = (r: SolveReport): string => {
  try {
    if (typeof r !== 'object' || r === null || typeof r.quantity !== 'string' || typeof r.route !== 'string') return `not a SolveReport: ${describeValue(r)}`;
    return formatSolveReportInternal(r);
  } catch {
    return `a malformed SolveReport: ${describeValue(r)}`;
  }
};
