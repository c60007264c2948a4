/**
 * The one error type of the library (a tagged union, fp-ts style `_tag`), so that a caller can
 * `switch` on what went wrong: the input is invalid (field and index), a numerical solve failed
 * (its report), or a limit would be exceeded (the estimate). Every module's `Either` uses it.
 */
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import type { SolveReport } from '../numerics/solveReport.js';

/**
 * One problem found while validating input. `field` names the offending field (e.g. `"P"`,
 * `"rho"`, `"gamma"`, `"lambda"`, `"nu"`), `index` its position as a multi-index (e.g. `[s, a, s']`
 * for `P`, `[s, a]` for a table entry), and `message` says what is wrong and what was expected.
 */
export interface ValidationError {
  readonly field: string;
  readonly index?: ReadonlyArray<number>;
  readonly message: string;
}

/** The input is invalid: the first problem in `field`/`index`/`message`, every problem in `errors`. */
export interface InvalidInput extends ValidationError {
  readonly _tag: 'InvalidInput';
  readonly errors: NonEmptyArray<ValidationError>;
}

/** A numerical solve did not produce a number that can be vouched for; `report` says how it ended. */
export interface NumericalFailure {
  readonly _tag: 'NumericalFailure';
  /** The quantity that failed (e.g. `"thetaStar"`, `"psi"`). */
  readonly field: string;
  readonly message: string;
  readonly report: SolveReport;
}

/** The work asked for exceeds a limit (`estimate` of what it would take, against `limit`). */
export interface LimitExceeded {
  readonly _tag: 'LimitExceeded';
  readonly field: string;
  readonly message: string;
  readonly estimate: number;
  readonly limit: number;
}

/** Every error the library returns. */
export type ParlError = InvalidInput | NumericalFailure | LimitExceeded;

/** An `InvalidInput` for one problem. */
export const invalidInput = (field: string, message: string, index?: ReadonlyArray<number>): InvalidInput => {
  const e: ValidationError = index === undefined ? { field, message } : { field, index, message };
  return { _tag: 'InvalidInput', ...e, errors: [e] };
};

/** An `InvalidInput` listing every problem (the first one is also the headline). */
export const invalidInputs = (errors: NonEmptyArray<ValidationError>): InvalidInput => ({
  _tag: 'InvalidInput',
  ...errors[0],
  errors,
});

/** A `NumericalFailure` for a report that is not reliable. */
export const numericalFailure = (field: string, report: SolveReport, message?: string): NumericalFailure => ({
  _tag: 'NumericalFailure',
  field,
  report,
  message: message ?? `${report.quantity} by the ${report.route} route cannot be vouched for${report.warning !== undefined ? `: ${report.warning}` : ''} (relative residual ${report.relativeResidual.toExponential(2)}, ${report.iterations} iterations)`,
});

/** A `LimitExceeded`. */
export const limitExceeded = (field: string, estimate: number, limit: number, message: string): LimitExceeded => ({
  _tag: 'LimitExceeded',
  field,
  estimate,
  limit,
  message,
});

/** `field[i,j,k]: message`, the one-line form the CLI prints. */
export const formatValidationError = (e: ValidationError): string =>
  `${e.field}${e.index !== undefined && e.index.length > 0 ? `[${e.index.join(',')}]` : ''}: ${e.message}`;

/** One line per problem of an error (every problem of an `InvalidInput`). */
export const formatParlError = (e: ParlError): string =>
  e._tag === 'InvalidInput' ? e.errors.map(formatValidationError).join('; ') : `${e.field}: ${e.message}`;
