/** Run the `parl` CLI in-process and capture its output (no compiled build needed). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An in-memory `CliIo` collecting output lines, with real file reads and writes. */
export const makeIo = (out: string[], err: string[]): CliIo => ({
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
  writeText: (path, text) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return undefined;
    } catch (e) {
      return e as Error;
    }
  },
  status: () => undefined,
  now: () => 0,
});

/** Run a command that may be asynchronous (e.g. `parl run`). */
export const runParlAsync = async (...argv: string[]): Promise<CliRun> => {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(argv, makeIo(out, err));
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
};

/** Run a synchronous command (verify, vectors). */
export const runParl = (...argv: string[]): CliRun => {
  const out: string[] = [];
  const err: string[] = [];
  const status = runCli(argv, makeIo(out, err));
  if (typeof status !== 'number') throw new Error('asynchronous command: use runParlAsync');
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
};
