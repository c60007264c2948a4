/**
 * The report every numerical solve of parl-ts returns with its result (MATH.md §10): which route
 * produced the number, whether it converged, its relative residual, how many iterations it took,
 * a relative error bound or a condition estimate, and whether the number can be vouched for.
 *
 * A report is never dropped silently: library results carry it, the CLI's JSON prints it, and the
 * HTML report counts the unreliable ones. `reliable: false` means "do not trust this number",
 * whatever `converged` says (a converged solve of an ill-posed system is still unreliable).
 */

/** How a quantity was computed. */
export type SolveRoute =
  /** A direct LU solve with partial pivoting (values, visitation, closed-form ψ). */
  | 'lu'
  /** Restarted GMRES on the sparse I − γP_π (policy evaluation at large S; error bounded through 1/(1−γ)). */
  | 'gmres'
  /** Soft value iteration + Newton steps (MATH.md §5, λ > 0). */
  | 'soft-optimum'
  /** Value iteration + policy iteration (MATH.md §5, λ = 0). */
  | 'plain-optimum'
  /** The closed-form ν-score (MATH.md §6): one LU of I − γP_{π*}. */
  | 'closed'
  /** The implicit-function ν-score by preconditioned MINRES on Hessian-vector products. */
  | 'implicit'
  /** The implicit-function ν-score by a dense pseudo-inverse of the Hessian. */
  | 'dense'
  /** The implicit-function ν-score by one LU of the closed-form Hessian on a gauge complement (one action per state fixed). */
  | 'gauge-lu'
  /** Natural-gradient (soft policy iteration) steps to a stationary point (the first-order hypergradient's inner solve). */
  | 'natural-gradient';

/** The outcome of one numerical solve, travelling with its result. */
export interface SolveReport {
  /** What was solved, e.g. `"V*"`, `"psi"`, `"psi·w"`, `"V"`. */
  readonly quantity: string;
  readonly route: SolveRoute;
  /** The solver met its own stopping rule. */
  readonly converged: boolean;
  /** The solver's relative residual (its definition is the route's; 0 for an exact zero problem). */
  readonly relativeResidual: number;
  /** Iterations (sweeps, Newton steps, Krylov steps; 1 for a direct solve). */
  readonly iterations: number;
  /** A bound on the relative error of the result, where the route has one. */
  readonly errorBound?: number;
  /** A condition estimate of the system solved, where the route has one. */
  readonly condition?: number;
  /** The number can be vouched for: converged, and its error (bound or condition × residual) acceptable. */
  readonly reliable: boolean;
  /** Why the solve is not reliable (or what else the caller should know); absent when all is well. */
  readonly warning?: string;
}

/** A value with the reports of the solves that produced it. */
export interface Reported<T> {
  readonly value: T;
  readonly reports: ReadonlyArray<SolveReport>;
}

/** `true` when every report says reliable (an empty list is reliable: nothing was solved). */
export const allReliable = (reports: ReadonlyArray<SolveReport>): boolean => reports.every((r) => r.reliable);

/** How many of the reports are unreliable. */
export const countUnreliable = (reports: ReadonlyArray<SolveReport>): number => reports.filter((r) => !r.reliable).length;

/** The worst (largest) relative residual among the reports (0 when there are none; NaN propagates). */
export const worstResidual = (reports: ReadonlyArray<SolveReport>): number =>
  reports.reduce((m, r) => (Number.isNaN(r.relativeResidual) || r.relativeResidual > m ? r.relativeResidual : m), 0);

/** One line: `psi (implicit): converged, rel. residual 1.2e-14, 3 iterations, κ ≈ 4.1e+3, reliable`. */
export const formatSolveReport = (r: SolveReport): string => {
  const parts = [
    r.converged ? 'converged' : 'NOT converged',
    `rel. residual ${r.relativeResidual.toExponential(1)}`,
    `${r.iterations} iteration${r.iterations === 1 ? '' : 's'}`,
  ];
  if (r.errorBound !== undefined) parts.push(`error bound ${r.errorBound.toExponential(1)}`);
  if (r.condition !== undefined) parts.push(`κ ≈ ${r.condition.toExponential(1)}`);
  parts.push(r.reliable ? 'reliable' : 'UNRELIABLE');
  return `${r.quantity} (${r.route}): ${parts.join(', ')}${r.warning !== undefined ? ` — ${r.warning}` : ''}`;
};

/** The JSON form of a report (numbers as numbers; non-finite ones as strings so JSON keeps them). */
export const solveReportJson = (r: SolveReport): Record<string, unknown> => {
  const num = (x: number | undefined): number | string | undefined => (x === undefined ? undefined : Number.isFinite(x) ? x : String(x));
  return {
    quantity: r.quantity,
    route: r.route,
    converged: r.converged,
    relativeResidual: num(r.relativeResidual),
    iterations: r.iterations,
    ...(r.errorBound !== undefined ? { errorBound: num(r.errorBound) } : {}),
    ...(r.condition !== undefined ? { condition: num(r.condition) } : {}),
    reliable: r.reliable,
    ...(r.warning !== undefined ? { warning: r.warning } : {}),
  };
};

/** How many solves a run made and how many of them were unreliable (what the HTML report shows). */
export interface SolveTally {
  readonly total: number;
  readonly unreliable: number;
  /** The first unreliable report, formatted (absent when all were reliable). */
  readonly firstUnreliable?: string;
}

/** Count the reports of a run. */
export const tallySolves = (reports: Iterable<SolveReport>): SolveTally => {
  let total = 0;
  let unreliable = 0;
  let first: string | undefined;
  for (const r of reports) {
    total++;
    if (!r.reliable) {
      unreliable++;
      first ??= formatSolveReport(r);
    }
  }
  return first === undefined ? { total, unreliable } : { total, unreliable, firstUnreliable: first };
};
