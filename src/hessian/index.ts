/** Exact second derivatives of J_λ for softmax policies (MATH.md §4–§6): ∇²_θθ J, ∇²_θν J, the optimum's closed form. */
export {
  hessianContext,
  hessianContextFromEvaluation,
  hessianVectorProduct,
  hessianVectorProductWith,
  makeHessianVectorProduct,
} from './hessianVectorProduct.js';
export type { HessianContext } from './hessianVectorProduct.js';
export { hessianFromContext, hessianJ } from './hessian.js';
export {
  mixedHessianFromContext,
  mixedHessianJ,
  mixedHessianTransposeVectorProduct,
  mixedHessianTransposeVectorProductWith,
  mixedHessianVectorProduct,
  mixedHessianVectorProductWith,
  rewardDirectionalGradientTransposeWith,
  rewardDirectionalGradientWith,
} from './mixedHessian.js';
export { optimumHessianClosedForm } from './optimumHessian.js';
