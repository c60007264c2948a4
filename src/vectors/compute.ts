/**
 * Compute the quantities of a conformance vector with parl-ts's own float64 code.
 * A field this version cannot compute is a `Left` with the reason: `parl vectors check`
 * counts it as a failure, never as a pass or a skip (VECTORS.md).
 */
import * as E from 'fp-ts/lib/Either.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { rewardOf } from '../reward/rewardModel.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';
import type { ConformanceVector, VectorField } from './schema.js';

/** A field calculator: the value as a flat array, or why it cannot be computed. */
export type FieldResult = E.Either<string, Float64Array>;

/** Lazily shared intermediate results of one case. */
interface CaseContext {
  readonly v: ConformanceVector;
  readonly r: () => Float64Array;
  readonly evaluation: () => PolicyEvaluation;
}

const memo = <T>(f: () => T): (() => T) => {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: f() }).value;
};

const makeContext = (v: ConformanceVector): CaseContext => {
  const r = memo(() => rewardOf(v.reward, v.nu));
  const evaluation = memo(() => evaluatePolicy(v.mdp, r(), v.theta, v.lambda));
  return { v, r, evaluation };
};

const notYet = (what: string): FieldResult => E.left(`not computable by this version of parl-ts (${what})`);

const calculators: Record<VectorField, (c: CaseContext) => FieldResult> = {
  pi: (c) => E.right(c.evaluation().pi),
  V: (c) => E.right(c.evaluation().V),
  Q: (c) => E.right(c.evaluation().Q),
  adv: (c) => E.right(c.evaluation().adv),
  d: (c) => E.right(c.evaluation().d),
  J: (c) => E.right(Float64Array.of(c.evaluation().J)),
  gradJ: (c) => E.right(policyGradientFromEvaluation(c.v.mdp, c.evaluation())),
  hessJ: () => notYet('exact Hessian of J'),
  thetaStar: () => notYet('optimal policy solver'),
  piStar: () => notYet('optimal policy solver'),
  VStar: () => notYet('optimal policy solver'),
  psi: () => notYet('ν-score'),
  G: () => notYet('upper-level objective'),
  gradG: () => notYet('PARL gradient'),
  gradGMyopic: () => notYet('myopic gradient'),
};

/** Compute the requested fields of one case; each result is independent of the others. */
export const computeFields = (
  v: ConformanceVector,
  fields: ReadonlyArray<VectorField>,
): ReadonlyMap<VectorField, FieldResult> => {
  const ctx = makeContext(v);
  const out = new Map<VectorField, FieldResult>();
  for (const f of fields) {
    try {
      out.set(f, calculators[f](ctx));
    } catch (e) {
      out.set(f, E.left(`error while computing: ${(e as Error).message}`));
    }
  }
  return out;
};
