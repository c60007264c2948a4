/** The tabular MDP (MATH.md §1): types, validation, builders, adapters and JSON. */
export * from './types.js';
export {
  MAX_DENSE_ENTRIES,
  MAX_ERRORS_PER_FIELD,
  getOrThrow,
  validateMdp,
  validateMdpWithReward,
  validateTable,
  validateFiniteVector,
  type Validation,
} from './validate.js';
export * from './garnet.js';
export * from './gridworld.js';
export * from './chain.js';
export * from './forest.js';
export * from './adapters.js';
export * from './json.js';
