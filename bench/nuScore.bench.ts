/**
 * Benchmark of the ν-score (never a timed test): W3, the closed-form ψ materialised (`(S·A)×d`,
 * tabular reward so d = S·A) at a lower level solved for a fresh ν per repetition, beside the numpy
 * peer measured in the same run, and the vector-Jacobian form `Σ w ψ` that the upper-level
 * gradient needs, on Garnet MDPs with A = 8, branching 5, γ = 0.9, λ = 0.1, S ∈ {20, 100, 400}
 * (bench/workloads.ts, bench/peer.ts).
 *
 *   npm run build && node dist/bench/nuScore.bench.js
 */
import * as E from 'fp-ts/lib/Either.js';
import { solveLowerLevel } from '../src/lowerLevel/lowerSolution.js';
import { nuScoreVjpOf } from '../src/nuScore/routes.js';
import { makeRng } from '../src/random/rng.js';
import { COMPARISON_HEADER, comparisonLine, fmtMs, growthLine, measurePair, peerLine, type ResultRow } from './jsonBench.js';
import { probePeer } from './peer.js';
import { timeFresh } from './timing.js';
import { BENCH_LAMBDA, benchGarnet, defaultSchedule, garnetSeed } from './workloads.js';

const A = 8;
const peer = probePeer();
console.log(`W3 ν-score ψ materialised (closed form), Garnet A=${A}, branching=5, γ=0.9, λ=0.1, tabular reward (d = S·A), fresh ν per repetition`);
console.log(peerLine(peer));
console.log(`${COMPARISON_HEADER}   VJP Σwψ ms   materialised/VJP`);
const rows: ResultRow[] = [];
for (const S of [20, 100, 400]) {
  const schedule = defaultSchedule(S);
  const row = measurePair(peer, 'W3', S, A, schedule);
  rows.push(row);
  const g = benchGarnet(S, A);
  const rng = makeRng(garnetSeed(S, A) + 50);
  const vjp = timeFresh({
    prepare: () => {
      const sol = solveLowerLevel(g.mdp, { kind: 'tabular', S, A }, Float64Array.from({ length: S * A }, () => rng.uniform()), BENCH_LAMBDA);
      if (E.isLeft(sol)) throw new Error(sol.left.message);
      return { sol: sol.right, w: Float64Array.from({ length: S * A }, () => rng.normal()) };
    },
    run: ({ sol, w }) => nuScoreVjpOf(sol, 'closed', w),
  }, { warmup: schedule.warmup, reps: schedule.rounds * schedule.reps }).medianMs;
  console.log(`${comparisonLine(row)}   ${fmtMs(vjp).padStart(10)}   ${(row.oursMs / vjp).toFixed(1).padStart(15)}×`);
}
console.log(growthLine(rows));
