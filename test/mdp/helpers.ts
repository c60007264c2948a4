/** Small helpers shared by the MDP tests. */
import { expect } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { NonEmptyArray } from 'fp-ts/lib/NonEmptyArray.js';
import { formatValidationError, type ValidationError } from '../../src/errors/parlError.js';

/** The errors of a Left (fails the test on a Right). */
export const leftOf = <T>(v: E.Either<NonEmptyArray<ValidationError>, T>): NonEmptyArray<ValidationError> => {
  if (E.isRight(v)) throw new Error('expected a Left, got a Right');
  expect(v.left.length).toBeGreaterThan(0);
  return v.left;
};

/** The value of a Right (fails the test, listing the errors, on a Left). */
export const rightOf = <T>(v: E.Either<NonEmptyArray<ValidationError>, T>): T => {
  if (E.isLeft(v)) throw new Error(`expected a Right, got:\n  ${v.left.map(formatValidationError).join('\n  ')}`);
  return v.right;
};

/** Errors on `field` (and at exactly `index`, if given). */
export const errorsAt = (
  errs: ReadonlyArray<ValidationError>,
  field: string,
  index?: ReadonlyArray<number>,
): ValidationError[] =>
  errs.filter(
    (e) => e.field === field && (index === undefined || (e.index !== undefined && e.index.length === index.length && e.index.every((x, k) => x === index[k]))),
  );

/** Assert there is an error on `field` at `index` whose message matches `message`. */
export const expectError = (
  errs: ReadonlyArray<ValidationError>,
  field: string,
  index: ReadonlyArray<number> | undefined,
  message?: RegExp,
): void => {
  const hits = errorsAt(errs, field, index).filter((e) => message === undefined || message.test(e.message));
  expect(hits, `no error ${field}${index ? `[${index.join(',')}]` : ''} ~ ${String(message)} in:\n${errs.map(formatValidationError).join('\n')}`).not.toHaveLength(0);
};

/** The bytes of a float64 array, for bit-exact comparisons (distinguishes −0 from +0). */
export const bits = (x: ArrayLike<number>): number[] => Array.from(new Uint8Array(Float64Array.from(x).buffer));
