/** The exit statuses of `parl` (documented in `parl --help` and the README) and the error → status map. */
import type { ParlError } from '../errors/parlError.js';

/** Done; an experiment whose verdict goes against the paper is still a success. */
export const EXIT_OK = 0;
/** A check found a mismatch (`verify`, `vectors check`, `kernels check`, `bandit`'s runs against its closed form), or an output file could not be written. */
export const EXIT_CHECK_FAILED = 1;
/** Bad usage or invalid input, including a job beyond the work limits; nothing was computed. */
export const EXIT_USAGE = 2;
/** A numerical solve that the printed output depends on was unreliable (named on stderr). */
export const EXIT_UNRELIABLE = 3;

/** The exit-status section of `parl --help`. */
export const EXIT_CODES_HELP = `Exit status:
  0  ok (also an experiment whose verdict goes against the paper, and a pl-scan that finds
     Mei et al.'s bound violated: that is a finding, printed with the verdict)
  1  a check found a mismatch: verify, vectors check, kernels check, bandit (runs vs closed
     form); also an output file that could not be written (run, vectors make)
  2  bad usage or invalid input, or a job beyond the work limits without --allow-large;
     reported before any work starts
  3  a numerical solve that the output depends on was unreliable (aparl, hypergradients,
     pl-scan); the output is printed and stderr names the solve`;

/** The status for a library error: invalid input or a limit → 2, a numerical failure → 3. */
export const exitCodeOf = (e: ParlError): number => (e._tag === 'NumericalFailure' ? EXIT_UNRELIABLE : EXIT_USAGE);
