#!/usr/bin/env node
/** Entry point of the `parl` binary: wires the CLI to the process (the only place with side effects). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCli } from './run.js';

const tty = process.stderr.isTTY === true;
// a closed pipe (e.g. `parl verify | head`) ends the program quietly instead of crashing it
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  // any other write failure (a full disk, ENOSPC): say so and exit 1, as an unwritable output file does
  process.stderr.write(`parl: cannot write to standard output: ${e.message}\n`);
  process.exit(1);
});
const status = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      return e as Error;
    }
  },
  progress: tty,
  writeText: (path, text) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return undefined;
    } catch (e) {
      return e as Error;
    }
  },
  status: (text) => {
    if (tty) process.stderr.write(`\r\x1b[2K${text}`);
  },
  now: () => performance.now(),
});
process.exitCode = status;
