export * from './closedForm.js';
export * from './implicit.js';
