export * from './closedForm.js';
export * from './implicit.js';
export * from './routes.js';
