export * from './types.js';
export * from './policyPoint.js';
export * from './teacher.js';
export * from './preference.js';
export * from './labelAdapters.js';
export * from './additive.js';
export * from './sampler.js';
export * from './estimators.js';
