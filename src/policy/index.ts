export * from './softmax.js';
