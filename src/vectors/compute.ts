/**
 * Compute the quantities of a conformance vector with parl-ts's own float64 code.
 * A field this version cannot compute is a `Left` with the reason: `parl vectors check`
 * counts it as a failure, never as a pass or a skip (VECTORS.md).
 */
import * as E from 'fp-ts/lib/Either.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import { hessianFromContext, hessianContextFromEvaluation } from '../hessian/index.js';
import { nuScoreClosedForm } from '../nuScore/closedForm.js';
import { plainOptimum, softOptimum, type PlainOptimum, type SoftOptimum } from '../optimal/index.js';
import { rewardOf } from '../reward/rewardModel.js';
import { upperLevelExact, type UpperLevelValue } from '../upperLevel/objective.js';
import { policyPointAtOptimum } from '../upperLevel/policyPoint.js';
import { bradleyTerryTeacher } from '../upperLevel/types.js';
import { evaluatePolicy, type PolicyEvaluation } from '../value/policyEvaluation.js';
import type { ConformanceVector, VectorField } from './schema.js';

/** A field calculator: the value as a flat array, or why it cannot be computed. */
export type FieldResult = E.Either<string, Float64Array>;

/** Lazily shared intermediate results of one case. */
interface CaseContext {
  readonly v: ConformanceVector;
  readonly r: () => Float64Array;
  readonly evaluation: () => PolicyEvaluation;
  /** The soft optimum (λ > 0), or why there is none. */
  readonly soft: () => E.Either<string, SoftOptimum>;
  /** The plain optimum (λ = 0), or why there is none. */
  readonly plain: () => E.Either<string, PlainOptimum>;
  /** G, ∇G and the myopic gradient at θ*(ν) (a utility given and λ > 0), or why not. */
  readonly upper: () => E.Either<string, UpperLevelValue>;
}

const memo = <T>(f: () => T): (() => T) => {
  let cached: { value: T } | undefined;
  return () => (cached ??= { value: f() }).value;
};

const makeContext = (v: ConformanceVector): CaseContext => {
  const r = memo(() => rewardOf(v.reward, v.nu));
  const evaluation = memo(() => evaluatePolicy(v.mdp, r(), v.theta, v.lambda));
  const soft = memo((): E.Either<string, SoftOptimum> => {
    const o = softOptimum(v.mdp, r(), v.lambda);
    if (E.isLeft(o)) return E.left(o.left.message);
    return o.right.converged ? E.right(o.right) : E.left(`soft optimum did not converge (relative residual ${o.right.relativeResidual.toExponential(2)})`);
  });
  const plain = memo((): E.Either<string, PlainOptimum> => {
    const o = plainOptimum(v.mdp, r());
    if (E.isLeft(o)) return E.left(o.left.message);
    return o.right.converged ? E.right(o.right) : E.left(`plain optimum did not converge (relative residual ${o.right.relativeResidual.toExponential(2)})`);
  });
  const upper = memo((): E.Either<string, UpperLevelValue> => {
    const u = v.utility;
    if (u === null) return E.left('the case has no utility, so G is not defined');
    const point = policyPointAtOptimum(v.mdp, v.reward, v.nu, v.lambda);
    if (E.isLeft(point)) return E.left(point.left.message);
    const spec = u.kind === 'additive'
      ? { kind: 'additive' as const, utility: { kind: 'additive' as const, u: u.u } }
      : { kind: 'preference' as const, teacher: bradleyTerryTeacher(u.beta), rTrue: u.rTrue, H: u.H };
    return upperLevelExact(spec, v.mdp, v.reward, v.nu, point.right);
  });
  return { v, r, evaluation, soft, plain, upper };
};

const calculators: Record<VectorField, (c: CaseContext) => FieldResult> = {
  pi: (c) => E.right(c.evaluation().pi),
  V: (c) => E.right(c.evaluation().V),
  Q: (c) => E.right(c.evaluation().Q),
  adv: (c) => E.right(c.evaluation().adv),
  d: (c) => E.right(c.evaluation().d),
  J: (c) => E.right(Float64Array.of(c.evaluation().J)),
  gradJ: (c) => E.right(policyGradientFromEvaluation(c.v.mdp, c.evaluation())),
  hessJ: (c) => E.right(hessianFromContext(hessianContextFromEvaluation(c.v.mdp, c.evaluation(), c.v.lambda))),
  thetaStar: (c) => E.map((o: SoftOptimum) => o.thetaStar)(c.soft()),
  piStar: (c) => {
    if (c.v.lambda > 0) return E.map((o: SoftOptimum) => o.piStar)(c.soft());
    const p = c.plain();
    if (E.isLeft(p)) return p;
    // VECTORS.md: at λ = 0, π* is one-hot and exists only when the optimal action is unique
    return p.right.uniqueOptimalAction ? E.right(p.right.piStar) : E.left('π* is not unique at λ = 0 (tied optimal actions)');
  },
  VStar: (c) => (c.v.lambda > 0 ? E.map((o: SoftOptimum) => o.VStar)(c.soft()) : E.map((o: PlainOptimum) => o.VStar)(c.plain())),
  psi: (c) => {
    const o = c.soft();
    if (E.isLeft(o)) return o;
    return E.bimap((e: { message: string }) => e.message, (n: { psi: Float64Array }) => n.psi)(nuScoreClosedForm(c.v.mdp, c.v.reward, o.right.piStar, c.v.lambda));
  },
  G: (c) => E.map((u: UpperLevelValue) => Float64Array.of(u.G))(c.upper()),
  gradG: (c) => E.map((u: UpperLevelValue) => u.gradG)(c.upper()),
  gradGMyopic: (c) => E.map((u: UpperLevelValue) => u.gradGMyopic)(c.upper()),
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
