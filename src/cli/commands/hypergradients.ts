/** `parl hypergradients`: every hypergradient route at several budgets against the exact ∇G, timed. */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError } from '../../errors/parlError.js';
import {
  budgetLabel,
  compareHypergradients,
  DEFAULT_HYPERGRADIENT_BUDGETS,
  DEFAULT_HYPERGRADIENT_LAMBDA,
  HYPERGRADIENT_ENVIRONMENTS,
  HYPERGRADIENT_PROBLEMS,
  hypergradientProblem,
  type HypergradientComparison,
  type HypergradientEnvironment,
  type HypergradientProblemKind,
} from '../../experiments/hypergradients.js';
import { solveReportJson, tallySolves } from '../../numerics/solveReport.js';
import { rewardDimension } from '../../reward/rewardModel.js';
import { EXIT_UNRELIABLE, EXIT_USAGE, exitCodeOf } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { makeProgress } from '../progress.js';
import { renderTable } from '../table.js';
import { parseCommandArgs, parseDecimal, parseIntegerOption } from './options.js';

const B = DEFAULT_HYPERGRADIENT_BUDGETS;

export const HYPERGRADIENTS_HELP = `Usage: parl hypergradients [--problem rlhf|design] [--env garnet|gridworld|chain] [--seed N] [--lambda X] [--json]

Solve the lower level once, compute the exact ∇_ν G (closed-form ν-score), then every other
route at several budgets and print, for each point, ‖g − ∇G‖/‖∇G‖, the cosine to ∇G (0 for a
zero vector), the wall time of the call and its cost (lower-level solves, exact policy
evaluations, Hessian-vector products). Times exclude the one lower-level solve that the routes at
θ* share (printed once). Every invalid option is reported before any work starts.

Routes and budgets:
  implicit      MINRES iterations: caps ${B.implicitCaps.map((c) => c ?? 'none').join(', ')} (points with equal iterations kept once)
  unrolled      K ∈ {${B.unrolledSteps.join(', ')}} policy-gradient steps from θ₀ = 0, β = 1/L̂ (L̂ the largest
                curvature of ∇²J_λ at θ₀ and θ*: a step that ascends; the error falls like (1 − βμ_min)^K)
  first-order   σ ∈ {${B.sigmas.join(', ')}} (value-gap penalty, bias O(1/σ))
  zeroth-order  N ∈ {${B.directions.join(', ')}} Gaussian directions, seeded by --seed (error ≈ √((d+1)/N))
  myopic        the ν-score term dropped (budget 0)

Problems: rlhf (Bradley–Terry teacher, β = 2, length-2 segments), design (additive utility u = r_true)
Environments: garnet (S = 4, A = 2, branching 2, γ = 0.8, seeded), gridworld (Sutton & Barto 5×5;
  rlhf: 3 linear features), chain (two states); ν = 0.5·ν_true + 0.1·sin(i)
The default run takes well under a second; rlhf on the gridworld takes ~20 s (zeroth-order's 2N
lower-level solves each enumerate the segment pairs), with progress on stderr.

Options (defaults in brackets):
  --problem rlhf|design   [rlhf]
  --env garnet|gridworld|chain [garnet]
  --seed N      seed of the Garnet MDP and of the zeroth-order directions (integer ≥ 0) [1]
  --lambda X    entropy weight (> 0) [${DEFAULT_HYPERGRADIENT_LAMBDA}]
  --json        print the comparison as JSON
  --quiet       no progress on stderr
  -h, --help    show this help

Work: fixed problem sizes, so no work limit applies (at most ~20 s, rlhf on the gridworld).
Exit status: 0 ok, 2 bad usage, 3 if a solve behind the exact reference ∇G was unreliable
(every route's error is measured against it; stderr names the solve).`;

const num = (s: number): string => (Number.isFinite(s) ? s.toExponential(1) : String(s));

/** The JSON form of a comparison (the shape `--json` prints). */
export const hypergradientsJson = (c: HypergradientComparison): Record<string, unknown> => {
  const p = c.problem;
  const spec = p.spec;
  return {
    problem: {
      name: p.name,
      problem: p.problem,
      env: p.env,
      seed: p.seed,
      about: p.about,
      S: p.mdp.S,
      A: p.mdp.A,
      d: rewardDimension(p.model),
      lambda: p.lambda,
      gamma: p.mdp.gamma,
      upper: spec.kind,
      ...(spec.kind === 'preference' ? { H: spec.H, teacherBeta: spec.teacher.beta } : {}),
      nu: Array.from(p.nu),
    },
    exact: {
      gradient: Array.from(c.exact.gradient),
      norm: c.exact.norm,
      ms: c.exact.ms,
      lowerSolveMs: c.exact.lowerSolveMs,
      solves: c.exact.reports.map(solveReportJson),
    },
    routes: c.routes.map((r) => ({
      route: r.route,
      ...(r.route === 'implicit' ? { requestedCaps: B.implicitCaps.map((cap) => cap ?? null) } : {}),
      ...(r.route === 'unrolled' ? { beta: c.unrolled.beta, theta0: 0, curvatureMax: c.unrolled.curvatureMax, curvatureMin: c.unrolled.curvatureMin, predictedRate: c.unrolled.predictedRate } : {}),
      points: r.points,
    })),
    solves: tallySolves(c.reports),
  };
};

export const hypergradientsCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      problem: { type: 'string', default: 'rlhf' },
      env: { type: 'string', default: 'garnet' },
      seed: { type: 'string' },
      lambda: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(HYPERGRADIENTS_HELP);
    return 0;
  }
  const errors: string[] = [];
  if (!(HYPERGRADIENT_PROBLEMS as ReadonlyArray<string>).includes(values.problem)) errors.push(`--problem: unknown problem "${values.problem}" (known: ${HYPERGRADIENT_PROBLEMS.join(', ')})`);
  if (!(HYPERGRADIENT_ENVIRONMENTS as ReadonlyArray<string>).includes(values.env)) errors.push(`--env: unknown environment "${values.env}" (known: ${HYPERGRADIENT_ENVIRONMENTS.join(', ')})`);
  const seed = parseIntegerOption('--seed', values.seed, 1, 0, errors);
  let lambda = DEFAULT_HYPERGRADIENT_LAMBDA;
  if (values.lambda !== undefined) {
    const x = parseDecimal(values.lambda);
    if (!(Number.isFinite(x) && x > 0)) errors.push(`--lambda: must be a finite number > 0 (the lower level needs λ > 0), got "${values.lambda}"`);
    else lambda = x;
  }
  if (errors.length > 0) {
    errors.forEach((e) => io.err(`parl hypergradients: ${e}`));
    return EXIT_USAGE;
  }
  const problem = hypergradientProblem(values.problem as HypergradientProblemKind, values.env as HypergradientEnvironment, seed, lambda);
  const t0 = io.now();
  const progress = makeProgress(io, `parl hypergradients ${problem.name}`, values.quiet);
  const cmp = compareHypergradients(problem, { seed, now: io.now, onProgress: (done, total, what) => progress.tick(done, total, what) });
  progress.end();
  if (E.isLeft(cmp)) {
    io.err(`parl hypergradients: ${formatParlError(cmp.left)}`);
    return exitCodeOf(cmp.left);
  }
  const c = cmp.right;
  const reference = tallySolves(c.exact.reports);
  const status = (): number => {
    if (reference.unreliable === 0) return 0;
    io.err(`parl hypergradients: ${reference.unreliable} of the ${reference.total} solves behind the exact ∇G were unreliable (first: ${reference.firstUnreliable ?? 'unnamed'}); every error above is relative to it`);
    return EXIT_UNRELIABLE;
  };
  if (values.json) {
    io.out(JSON.stringify(hypergradientsJson(c), null, 1));
    return status();
  }
  const d = rewardDimension(problem.model);
  io.out(`∇G on ${problem.name} (S = ${problem.mdp.S}, A = ${problem.mdp.A}, d = ${d}, γ = ${problem.mdp.gamma}, λ = ${problem.lambda}, seed ${seed})`);
  io.out(problem.about);
  io.out(`‖∇G‖ = ${c.exact.norm.toExponential(4)}; lower solve ${c.exact.lowerSolveMs.toFixed(2)} ms, exact route ${c.exact.ms.toFixed(2)} ms; unrolled β = 1/L̂ = ${c.unrolled.beta.toPrecision(3)} (predicted factor per step 1 − βμ_min = ${c.unrolled.predictedRate.toFixed(4)})`);
  io.out(renderTable(
    ['route', 'budget', 'relError', 'cosine', 'ms', 'lower solves', 'evaluations', 'HVPs'],
    c.routes.flatMap((r) => r.points.map((q, i) => [
      i === 0 ? r.route : '',
      budgetLabel(r.route, q.budget) + (q.innerSteps !== undefined ? ` (${q.innerSteps} inner)` : ''),
      num(q.relError) + (q.reliable ? '' : ' (unreliable)'),
      q.cosine.toFixed(6),
      q.ms.toFixed(2),
      String(q.lowerSolves),
      String(q.evaluations),
      String(q.hessianVectorProducts),
    ])),
  ));
  const tally = tallySolves(c.reports);
  io.out(`${tally.total} numerical solves, ${tally.unreliable} unreliable${tally.firstUnreliable !== undefined ? ` (first: ${tally.firstUnreliable})` : ''}; total ${((io.now() - t0) / 1000).toFixed(2)} s`);
  return status();
};
