/** `parl --version`: the version field of parl-ts's package.json, read at run time through the CLI's I/O. */
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.js';

/** Where package.json is from this module: src/cli (tests, tsx) or dist/src/cli (the build and the installed package). */
const CANDIDATES = ['../../package.json', '../../../package.json'];

/** The version of the parl-ts package this CLI belongs to, or `unknown` when its package.json cannot be read. */
export const packageVersion = (io: Pick<CliIo, 'readText'>): string => {
  for (const rel of CANDIDATES) {
    const text = io.readText(fileURLToPath(new URL(rel, import.meta.url)));
    if (typeof text !== 'string') continue;
    try {
      const json = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (json.name === 'parl-ts' && typeof json.version === 'string') return json.version;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return 'unknown';
};
