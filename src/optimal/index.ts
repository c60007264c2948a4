/** The lower-level optimum (MATH.md §5): θ*, π*, V*, Q* for λ > 0 and the plain optimum for λ = 0. */
export {
  LAMBDA_ZERO_MESSAGE,
  OPTIMUM_DEFAULTS,
  SOFT_OPTIMUM_RELIABLE_ERROR,
  softOptimum,
  thetaStar,
  type OptimumError,
  type OptimumOptions,
  type SoftOptimum,
} from './softOptimum.js';
export { TIE_TOLERANCE, optimalValues, plainOptimum, type PlainOptimum, type PlainOptimumOptions } from './plainOptimum.js';
