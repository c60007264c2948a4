/** What every experiment takes and returns (the CLI and the report consume these). */
import type { SolveTally } from '../numerics/solveReport.js';
import type { Figure } from '../report/figures.js';

export interface ExperimentOptions {
  /** First seed; seed k of a multi-seed experiment is `seed + k`. */
  readonly seed: number;
  /** Number of seeds (experiments with randomness use them; ≥ 10 for the rlhf claim). */
  readonly seeds: number;
  /** Quick version (the main job's defaults) or the full one. */
  readonly quick: boolean;
  /** Progress callback (the CLI turns it into a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One line of an experiment's summary table. */
export interface SummaryRow {
  readonly metric: string;
  readonly value: string;
}

export interface ExperimentResult {
  readonly name: string;
  readonly title: string;
  /** The paper's claim or the question the experiment answers. */
  readonly claim: string;
  /** What we found, in one or two sentences (computed from the data, not written in advance). */
  readonly finding: string;
  readonly summary: ReadonlyArray<SummaryRow>;
  /** The raw records, written as JSON. */
  readonly data: unknown;
  readonly figures: ReadonlyArray<Figure>;
  /** How many numerical solves the experiment made and how many were unreliable (shown next to its figures). */
  readonly solves?: SolveTally;
}
