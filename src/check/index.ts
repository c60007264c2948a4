/** Numerical checks (MATH.md §10): finite differences, gradient checks, shared tolerances. */
export * from './tolerance.js';
export * from './finiteDifference.js';
export * from './gradcheck.js';
