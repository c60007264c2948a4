/** Hypergradient routes: exact, implicit, unrolled, first-order, zeroth-order, myopic (MATH.md §6–§7). */
export * from './routes.js';
