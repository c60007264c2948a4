export * from './cases.js';
export * from './identities.js';
export * from './published.js';
export * from './runVerify.js';
export * from './lowerLevelIdentities.js';
export * from './upperLevelIdentities.js';
