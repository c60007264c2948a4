/**
 * parl-ts: a float64 reference implementation of PARL (Chakraborty et al., ICLR 2024) for
 * tabular MDPs and softmax policies. Notation and layouts: MATH.md (see spec/).
 */
export * from './errors/index.js';
export * from './numerics/index.js';
export * from './mdp/index.js';
export * from './random/rng.js';
export * from './policy/index.js';
export * from './value/index.js';
export * from './gradient/index.js';
export * from './reward/index.js';
export * from './linalg/index.js';
export * from './check/index.js';
export * from './vectors/index.js';
export * from './verify/index.js';
export * from './optimal/index.js';
export * from './lowerLevel/index.js';
export * from './hessian/index.js';
export * from './nuScore/index.js';
export * from './upperLevel/index.js';
export * from './hypergradient/index.js';
export * from './algorithm/index.js';
