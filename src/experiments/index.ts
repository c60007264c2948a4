/** The experiments `parl run` knows, by name (MATH.md §8–§9; issue-level claims of the paper). */
import { runConvergence } from './convergence.js';
import { runDesign } from './design.js';
import { runHypergradients } from './hypergradients.js';
import { runLambda } from './lambda.js';
import { runPl } from './pl.js';
import { runQueries } from './queries.js';
import { runRlhf } from './rlhf.js';
import type { ExperimentOptions, ExperimentResult } from './types.js';

export * from './types.js';
export * from './stats.js';
export * from './problems.js';

export const EXPERIMENTS: Readonly<Record<string, { readonly run: (o: ExperimentOptions) => ExperimentResult; readonly about: string }>> = {
  convergence: { run: runConvergence, about: 'min_t ‖∇G(ν_t)‖² against T with a fitted slope and its interval on three problems and a λ = 0 control' },
  rlhf: { run: runRlhf, about: 'six methods (exact, sampled and oracle PARL, myopic, repeated MLE, the true reward) on three seeded problem families, α chosen on disjoint seeds' },
  design: { run: runDesign, about: 'reward design: PARL, unrolled and first-order gradients against ν = u and the true optimum' },
  lambda: { run: runLambda, about: 'size of the ν-score term as λ → 0 and as K grows' },
  pl: { run: runPl, about: 'PL and Łojasiewicz ratios over random θ and along policy-gradient runs' },
  hypergradients: { run: runHypergradients, about: 'hypergradient routes (implicit, unrolled, first-order, zeroth-order, myopic): error against cost' },
  queries: { run: runQueries, about: 'query efficiency: true return against teacher queries for PARL, myopic and a PEBBLE-like refit, across K and N' },
};

export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS);
