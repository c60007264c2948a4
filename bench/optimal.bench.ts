/**
 * Benchmark of the soft optimum θ* (MATH.md §5; never a timed test): soft value iteration plus
 * Newton polish on Garnet MDPs with A = 8, branching 5, γ = 0.9, λ = 0.1 and a tabular reward
 * uniform in [−1, 1), S ∈ {20, 100, 400}. Prints medians, iteration counts, residuals, and the
 * growth with S.
 *
 *   npm run build && node dist/bench/optimal.bench.js
 *
 * Reference on this machine class (numpy + OpenBLAS/LAPACK, same work): ≈ 0.16 ms (S = 20),
 * 0.94 ms (S = 100), 19 ms (S = 400).
 */
import * as E from 'fp-ts/lib/Either.js';
import { garnet } from '../src/mdp/index.js';
import { softOptimum, type OptimumOptions } from '../src/optimal/index.js';
import { makeRng } from '../src/random/rng.js';
import { timeIt } from './timing.js';

const NUMPY_MS: Record<number, number> = { 20: 0.16, 100: 0.94, 400: 19 };



const A = 8;
const branching = 5;
const lambda = 0.1;
// optional: PARL_BENCH_VI_TOL=1e-4 node dist/bench/optimal.bench.js (explore the VI/Newton split)
const opts: OptimumOptions = process.env.PARL_BENCH_VI_TOL !== undefined ? { valueIterationTolerance: Number(process.env.PARL_BENCH_VI_TOL) } : {};
const rows: Array<{ S: number; ms: number }> = [];
console.log(`soft optimum θ* (soft VI + Newton), Garnet A=${A}, branching=${branching}, γ=0.9, λ=${lambda}, tabular r ~ U[−1,1)`);
console.log('S      median ms   runs   numpy ms   ratio (ours/numpy)   VI  Newton  rel. residual');
for (const S of [20, 100, 400]) {
  const built = garnet({ S, A, branching, gamma: 0.9, seed: 1000 + S });
  if (E.isLeft(built)) throw new Error('garnet failed');
  const { mdp } = built.right;
  const rng = makeRng(S);
  const r = Float64Array.from({ length: S * A }, () => 2 * rng.uniform() - 1);
  const first = softOptimum(mdp, r, lambda, opts);
  if (E.isLeft(first)) throw new Error(first.left.message);
  const { iterations, relativeResidual, converged } = first.right;
  if (!converged) console.log(`  warning: not converged at S=${S} (relative residual ${relativeResidual})`);
  const { medianMs, runs } = timeIt(() => {
    softOptimum(mdp, r, lambda, opts);
  }, S >= 400 ? 6000 : 1500);
  rows.push({ S, ms: medianMs });
  console.log(
    `${String(S).padEnd(6)} ${medianMs.toFixed(3).padStart(9)}  ${String(runs).padStart(6)}  ${NUMPY_MS[S].toFixed(2).padStart(8)}   ${(medianMs / NUMPY_MS[S]).toFixed(2).padStart(6)}×            ${String(iterations.valueIteration).padStart(4)}  ${String(iterations.newton).padStart(4)}    ${relativeResidual.toExponential(1)}`,
  );
}
for (let i = 1; i < rows.length; i++) {
  const growth = Math.log(rows[i].ms / rows[i - 1].ms) / Math.log(rows[i].S / rows[i - 1].S);
  console.log(`growth S=${rows[i - 1].S}→${rows[i].S}: time ∝ S^${growth.toFixed(2)}`);
}
