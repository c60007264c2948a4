/** Dense float64 linear algebra for the reference path (MATH.md §10): LU, solves, reports. */
export {
  CONDITION_WARNING,
  PIVOT_RATIO_WARNING,
  conditionEstimate1,
  conditionEstimateInf,
  LU_RELIABLE_ERROR,
  luSolveReport,
  luFactor,
  luSolve,
  luSolveMany,
  luSolveTransposed,
  luSolveTransposedMany,
  matNorm1,
  matNormInf,
  matTVec,
  matVec,
  reportSolve,
  solve,
  solveTransposed,
  vecNorm1,
  vecNormInf,
} from './lu.js';
export type { LuFactorization, LuSolve } from './lu.js';
export { symmetricEigen, pseudoInverseSolve } from './symmetricEigen.js';
export type { SymmetricEigen, PseudoInverseSolve } from './symmetricEigen.js';
export { minres } from './minres.js';
export type { IterativeSolve, MinresOptions } from './minres.js';
