/**
 * `node:module` for the page bundle: the kernels load gpu.js with `createRequire(import.meta.url)('gpu.js')`
 * on first use; in the browser the bundle already holds gpu.js's browser build, so this `require`
 * returns it (and refuses anything else). build.ts aliases `node:module` to this file.
 */
import * as gpuJs from 'gpu.js';

/** A `require` that knows only gpu.js (the module's CommonJS exports, as Node's `require` returns them). */
export const createRequire = (_from: string): ((id: string) => unknown) => (id: string): unknown => {
  if (id === 'gpu.js') return (gpuJs as unknown as { readonly default?: unknown }).default ?? gpuJs;
  throw new Error(`${id} cannot be loaded in the browser page`);
};
