/** Dense float64 linear algebra for the reference path (MATH.md §10): LU, solves, reports, blocked kernels. */
export {
  CONDITION_WARNING,
  PIVOT_RATIO_WARNING,
  conditionEstimate1,
  conditionEstimateInf,
  LU_RELIABLE_ERROR,
  luSolveReport,
  LU_BLOCK,
  LU_BLOCKED_MIN_N,
  luFactor,
  luFactorBlocked,
  luFactorSimple,
  luSolve,
  luSolveMany,
  luSolveManyBlocked,
  luSolveManySimple,
  luSolveTransposed,
  luSolveTransposedMany,
  luSolveTransposedManyBlocked,
  luSolveTransposedManySimple,
  matNorm1,
  matNormInf,
  matTVec,
  matVec,
  reportSolve,
  solve,
  SOLVE_BLOCK,
  SOLVE_BLOCKED_MIN_N,
  solveTransposed,
  vecNorm1,
  vecNormInf,
} from './lu.js';
export type { LuFactorization, LuSolve } from './lu.js';
export { matMul, matMulAdd } from './blocked.js';
export { symmetricEigen, pseudoInverseSolve } from './symmetricEigen.js';
export type { SymmetricEigen, PseudoInverseSolve } from './symmetricEigen.js';
export { minres } from './minres.js';
export type { IterativeSolve, MinresOptions } from './minres.js';
