export * from './policyGradient.js';
