/**
 * The few `Either` helpers a caller of parl-ts needs, so that using the library does not require
 * importing fp-ts: every public function returns fp-ts's `Either<ParlError, T>` (a plain object
 * `{_tag: 'Left', left}` or `{_tag: 'Right', right}`), and these behave as fp-ts's do on it. They
 * are total: a value that is not an `Either` is neither a `Left` nor a `Right`.
 */
import type * as FpEither from 'fp-ts/lib/Either.js';
import { invalidInput, type ParlError } from '../errors/parlError.js';
import { describeValue } from '../mdp/validate.js';

/** fp-ts's `Either<E, A>`: a `Left<E>` (failure) or a `Right<A>` (success). */
export type Either<E, A> = FpEither.Either<E, A>;
/** fp-ts's `Left<E>`: `{_tag: 'Left', left: E}`. */
export type Left<E> = FpEither.Left<E>;
/** fp-ts's `Right<A>`: `{_tag: 'Right', right: A}`. */
export type Right<A> = FpEither.Right<A>;

const tagOf = (x: unknown): unknown => {
  try {
    return typeof x === 'object' && x !== null ? (x as { readonly _tag?: unknown })._tag : undefined;
  } catch {
    return undefined;
  }
};

/** `true` for a `Left` (the function failed; its `ParlError` is in `.left`). */
export const isLeft = <E, A>(e: Either<E, A>): e is Left<E> => tagOf(e) === 'Left';

/** `true` for a `Right` (the function succeeded; its value is in `.right`). */
export const isRight = <E, A>(e: Either<E, A>): e is Right<A> => tagOf(e) === 'Right';

/** The `ParlError` standing for a value that is not an `Either` at all. */
const notAnEither = (x: unknown): ParlError => invalidInput('either', `expected an Either ({_tag: 'Left' | 'Right'}), got ${describeValue(x)}`);

/** `onLeft(error)` or `onRight(value)` (fp-ts's `match`); a non-`Either` goes to `onLeft` as an `InvalidInput` on `either`. */
export const match = <A, B>(onLeft: (e: ParlError) => B, onRight: (a: A) => B) => (e: Either<ParlError, A>): B =>
  isRight(e) ? onRight(e.right) : onLeft(isLeft(e) ? e.left : notAnEither(e));

/** The value of a `Right`, or `onLeft(error)` (fp-ts's `getOrElse`); a non-`Either` goes to `onLeft` as an `InvalidInput` on `either`. */
export const getOrElse = <A>(onLeft: (e: ParlError) => A) => (e: Either<ParlError, A>): A =>
  isRight(e) ? e.right : onLeft(isLeft(e) ? e.left : notAnEither(e));
