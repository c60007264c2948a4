export * from './config.js';
export * from './upperLevel.js';
export * from './aparl.js';
export * from './lowerLevel.js';
