export * from './schema.js';
export * from './compute.js';
export * from './check.js';
