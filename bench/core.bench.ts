/**
 * Benchmark of the float64 core (never a timed test): W1, evaluate (π, V, Q, Adv, d, J, ∇J) at a
 * fresh θ per repetition, on Garnet MDPs with A = 8, branching 5, γ = 0.9, λ = 0.1, S ∈ {20, 100,
 * 400}, beside the numpy peer measured in the same run (bench/workloads.ts, bench/peer.ts).
 * Prints medians, ratios and the fitted growth with S.
 *
 *   npm run bench            (builds, then runs this file from dist/)
 */
import { COMPARISON_HEADER, comparisonLine, growthLine, measurePair, peerLine, type ResultRow } from './jsonBench.js';
import { probePeer } from './peer.js';
import { defaultSchedule } from './workloads.js';

const A = 8;
const peer = probePeer();
console.log(`W1 core evaluation (π, V, Q, Adv, d, J, ∇J), Garnet A=${A}, branching=5, γ=0.9, λ=0.1, fresh θ per repetition`);
console.log(peerLine(peer));
console.log(COMPARISON_HEADER);
const rows: ResultRow[] = [];
for (const S of [20, 100, 400]) {
  const row = measurePair(peer, 'W1', S, A, defaultSchedule(S));
  rows.push(row);
  console.log(comparisonLine(row));
}
console.log(growthLine(rows));
