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
  /** Write a text file, creating its directory; a failure is returned as an Error, never thrown. */
  readonly writeText: (path: string, text: string) => Error | undefined;
  /** Overwrite the current status line on stderr (progress bars); a no-op when not a terminal. */
  readonly status: (text: string) => void;
  /** Milliseconds from a monotonic clock (wall time of runs). */
  readonly now: () => number;
}
