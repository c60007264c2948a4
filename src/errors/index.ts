/** The library's one error type (a tagged union) and its constructors. */
export * from './parlError.js';
