/**
 * The `parl` command line: dispatch to commands; every command has --help.
 * Returns the exit status (`exitCodes.ts`: 0 ok, 1 a check failed, 2 bad usage or input, 3 an
 * unreliable solve behind the output).
 */
import type { CliIo } from './io.js';
import { EXIT_CODES_HELP, EXIT_USAGE } from './exitCodes.js';
import { formatBytes, MEMORY_LIMIT_BYTES, WORK_LIMIT_SECONDS } from './limits.js';
import { formatDuration, PROGRESS_AFTER_MS } from './progress.js';
import { packageVersion } from './version.js';
import { verifyCommand } from './commands/verify.js';
import { vectorsCommand } from './commands/vectors.js';
import { aparlCommand } from './commands/aparl.js';
import { kernelsCommand } from './commands/kernels.js';
import { plScanCommand } from './commands/plScan.js';
import { banditCommand } from './commands/bandit.js';

export const MAIN_HELP = `parl — PARL (policy alignment as bilevel RL) for tabular MDPs, float64 reference

Usage: parl <command> [options]

Commands:
  run NAME|all      run an experiment (convergence, rlhf, design, lambda, pl, hypergradients, queries) and write its report
  aparl             run A-PARL on a built-in problem with any configuration
  hypergradients    every hypergradient route at several budgets against the exact ∇G: error, cosine, time, cost
  verify            check the implemented identities on generated MDPs
  vectors check     compare parl-ts with conformance vector files
  vectors make      write conformance vectors from parl-ts's own float64 code
  kernels check     run the gpu.js float32 kernels against the float64 reference (kernels backends: what is available)
  pl-scan           estimate PL and Łojasiewicz constants over many random θ (batched kernels)
  bandit            PARL's performative optimum vs the myopic fixed point (MLE) on a two-armed bandit

Options:
  --version         print the version of parl-ts
  -h, --help        show this help

Run "parl <command> --help" for a command's options. Negative numbers are values:
--lambda -1 and --lambda=-1 are the same.

Work limits: run, aparl, verify, pl-scan and kernels check estimate their time and memory from
their options before starting and refuse (exit 2) a job estimated beyond ${formatDuration(WORK_LIMIT_SECONDS)} or
${formatBytes(MEMORY_LIMIT_BYTES)}, printing the estimate; --allow-large runs it anyway.
Progress: a job running longer than ${PROGRESS_AFTER_MS / 1000} s reports progress on stderr (a bar with the ETA on a
terminal, a plain line every few seconds otherwise); --quiet silences it. --jsonl (run, aparl,
pl-scan) prints one JSON record per line as the run goes.

${EXIT_CODES_HELP}`;


type Command = (args: ReadonlyArray<string>, io: CliIo) => number | Promise<number>;
const COMMANDS: Record<string, Command> = {
  // loaded on use: the experiments and the report's figures (vega) are most of the CLI's start-up
  run: async (args, io) => (await import('./commands/run.js')).runCommand(args, io),
  aparl: aparlCommand,
  hypergradients: async (args, io) => (await import('./commands/hypergradients.js')).hypergradientsCommand(args, io),
  verify: verifyCommand,
  vectors: vectorsCommand,
  kernels: kernelsCommand,
  'pl-scan': plScanCommand,
  bandit: banditCommand,
};

/** Run `parl` with the given arguments (without the program name); some commands are asynchronous. */
export const runCli = (argv: ReadonlyArray<string>, io: CliIo): number | Promise<number> => {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    // no command is a usage error: the help goes with it to stderr, stdout stays empty
    io.err(`parl: a command is needed\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(MAIN_HELP);
    return 0;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    io.out(packageVersion(io));
    return 0;
  }
  const command = COMMANDS[cmd];
  if (command === undefined) {
    io.err(`parl: unknown ${cmd.startsWith('-') ? 'option' : 'command'} "${cmd}"\n\n${MAIN_HELP}`);
    return EXIT_USAGE;
  }
  // parseArgs reports unknown options and missing values by throwing an error with a clear message
  const usageError = (e: unknown): number => {
    const err = e as Error & { code?: string };
    if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`parl ${cmd}: ${err.message}`);
      return EXIT_USAGE;
    }
    throw e;
  };
  try {
    const status = command(rest, io);
    return typeof status === 'number' ? status : status.catch(usageError);
  } catch (e) {
    return usageError(e);
  }
};
