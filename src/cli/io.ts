/**
 * The CLI's side effects, injected so that commands are testable in-process.
 */
export interface CliIo {
  /** Write a line to standard output. */
  readonly out: (line: string) => void;
  /** Write a line to standard error. */
  readonly err: (line: string) => void;
  /** Read a text file; a failure is returned as an Error, never thrown. */
  readonly readText: (path: string) => string | Error;
  /** Whether progress output is wanted (stderr is a terminal). */
  readonly progress: boolean;
}
