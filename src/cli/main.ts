#!/usr/bin/env node
/** Entry point of the `parl` binary: wires the CLI to the process (the only place with side effects). */
import { readFileSync } from 'node:fs';
import { runCli } from './run.js';

const status = runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      return e as Error;
    }
  },
  progress: process.stderr.isTTY === true,
});
process.exitCode = status;
