/** Solve reports: what every numerical solve returns with its result (MATH.md §10). */
export * from './solveReport.js';
