export * from './policyGradient.js';
export * from './lojasiewicz.js';
