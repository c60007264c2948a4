/** Run the `parl` CLI in-process and capture its output (no compiled build needed). */
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const runParl = (...argv: string[]): CliRun => {
  const out: string[] = [];
  const err: string[] = [];
  const status = runCli(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        return e as Error;
      }
    },
    progress: false,
  });
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
};
