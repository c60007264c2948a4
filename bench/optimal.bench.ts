/**
 * Benchmark of the soft optimum θ* (MATH.md §5; never a timed test): W2, soft value iteration plus
 * Newton polish for a fresh reward table r ~ U[0, 1) per repetition, on Garnet MDPs with A = 8,
 * branching 5, γ = 0.9, λ = 0.1, S ∈ {20, 100, 400}, beside the numpy peer measured in the same run
 * (bench/workloads.ts, bench/peer.ts). Prints medians, ratios, the last optimum's iteration counts
 * and residual, and the fitted growth with S.
 *
 *   npm run build && node dist/bench/optimal.bench.js
 *   PARL_BENCH_VI_TOL=1e-4 node dist/bench/optimal.bench.js   (explore the VI/Newton split)
 */
import type { OptimumOptions, SoftOptimum } from '../src/optimal/index.js';
import { COMPARISON_HEADER, comparisonLine, growthLine, measurePair, peerLine, type ResultRow } from './jsonBench.js';
import { probePeer } from './peer.js';
import { timerOf } from './timing.js';
import { benchGarnet, defaultSchedule, workloadSeed, workloadW2 } from './workloads.js';

const A = 8;
const opts: OptimumOptions = process.env.PARL_BENCH_VI_TOL !== undefined ? { valueIterationTolerance: Number(process.env.PARL_BENCH_VI_TOL) } : {};
const peer = probePeer();
console.log(`W2 soft optimum θ* (soft VI + Newton), Garnet A=${A}, branching=5, γ=0.9, λ=0.1, fresh r ~ U[0,1) per repetition`);
console.log(peerLine(peer));
console.log(`${COMPARISON_HEADER}     VI  Newton  rel. residual`);
const rows: ResultRow[] = [];
for (const S of [20, 100, 400]) {
  let last: SoftOptimum | null = null;
  const row = measurePair(peer, 'W2', S, A, defaultSchedule(S), {
    ours: timerOf(workloadW2(benchGarnet(S, A), workloadSeed('W2', S, A), opts, (o) => { last = o; })),
  });
  rows.push(row);
  const o = last as SoftOptimum | null;
  const tail = o === null ? '' : `   ${String(o.iterations.valueIteration).padStart(4)}  ${String(o.iterations.newton).padStart(6)}  ${o.relativeResidual.toExponential(1).padStart(13)}${o.converged ? '' : '  (not converged)'}`;
  console.log(`${comparisonLine(row)}${tail}`);
}
console.log(growthLine(rows));
