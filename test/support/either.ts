/**
 * Unwrapping an `Either` in a test: the `Right`, or a thrown error that shows the whole `Left`
 * (a `ParlError` or a list of validation errors), so a failing test says what went wrong.
 */
import * as E from 'fp-ts/lib/Either.js';

/** The `Right` of `e`; throws with the `Left` (its message when it has one, else its JSON). */
export const right = <L, R>(e: E.Either<L, R>): R => {
  if (E.isLeft(e)) {
    const l: unknown = e.left;
    throw new Error(typeof l === 'object' && l !== null && 'message' in l && typeof l.message === 'string' ? l.message : JSON.stringify(l));
  }
  return e.right;
};
