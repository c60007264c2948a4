/**
 * parl-ts: a float64 reference implementation of PARL (Chakraborty et al., ICLR 2024) for
 * tabular MDPs and softmax policies. Notation and layouts: MATH.md (see spec/); this public API:
 * spec/api.md.
 *
 * Every function here validates its arguments (shapes, finiteness, ranges) and returns an fp-ts
 * `Either<ParlError, T>`: a `Left` names the field, the index and what was expected; nothing is
 * thrown, and a `Right` never holds NaN or ±∞. `isLeft`, `isRight`, `match` and `getOrElse` are
 * re-exported so that a caller needs no fp-ts import. The reference modules behind this layer
 * (src/value, src/optimal, src/nuScore, …) are internal.
 */

// Either and the library's error type
export { getOrElse, isLeft, isRight, match } from './api/either.js';
export type { Either, Left, Right } from './api/either.js';
export type { Result } from './api/validate.js';
export { formatParlError, formatSolveReport } from './api/errors.js';
export type { InvalidInput, LimitExceeded, NumericalFailure, ParlError, ValidationError } from './errors/parlError.js';
export type { SolveReport, SolveRoute } from './numerics/solveReport.js';

// MDPs (MATH.md §1)
export { forest, garnet, suttonBartoGridworld, twoStateChain, validateMdp } from './api/mdp.js';
export type { Mdp, MdpFields, MdpWithReward } from './mdp/types.js';
export type { GarnetOptions } from './mdp/garnet.js';
export type { ForestOptions } from './mdp/forest.js';
export type { TwoStateChainOptions } from './mdp/chain.js';

// A policy: evaluation and derivatives (MATH.md §3–§4, §6)
export { evaluatePolicy, hessianJ, policyGradient } from './api/value.js';
export type { EvaluationDiagnostics, PolicyEvaluation } from './value/policyEvaluation.js';
export type { LuFactorization, LuSolve } from './linalg/lu.js';

// The lower level (MATH.md §5)
export { plainOptimum, softOptimum } from './api/optimal.js';
export type { PlainOptimum } from './api/optimal.js';
export type { SoftOptimum } from './optimal/softOptimum.js';
export type { RewardModel } from './reward/rewardModel.js';
export { nuScoreOf, policyPointAtOptimum, policyPointOf, solveLowerLevel, upperLevelExact } from './api/bilevel.js';
export type { OptimumPoint } from './api/bilevel.js';
export type { LowerPoint, LowerSolution } from './lowerLevel/lowerSolution.js';

// The ν-score and the upper level (MATH.md §6–§7)
export type { NuScoreOf, NuScoreRoute } from './nuScore/routes.js';
export type { NuScoreVjp } from './nuScore/closedForm.js';
export type { NuScoreVjpFn, PolicyPoint, Teacher } from './upperLevel/types.js';
export type { UpperLevelSpec, UpperLevelValue } from './upperLevel/objective.js';
export type { AdditiveUtility } from './upperLevel/additive.js';

// A-PARL (MATH.md §8)
export { runAparl } from './api/aparl.js';
export type { AparlProblem, AparlRecord, AparlRun } from './api/aparl.js';
export type { AparlConfig, AparlGradient, AparlMode } from './algorithm/config.js';
