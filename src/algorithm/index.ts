export * from './config.js';
export * from './aparl.js';
export * from './lowerLevel.js';
