export * from './policyMatrices.js';
export * from './policyEvaluation.js';
