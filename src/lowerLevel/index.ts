/** The solved lower level as one value (MATH.md §3, §5). */
export * from './lowerSolution.js';
