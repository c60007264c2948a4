/**
 * Benchmarks of the upper level and of A-PARL (never timed tests), beside the numpy peer measured
 * in the same run (bench/workloads.ts, bench/peer.ts):
 * 1. W4, exact additive ∇G given a materialised ψ (tabular reward, fresh ν and utility per
 *    repetition; the peer's `additive_gradG`) on Garnet, A = 8, S ∈ {20, 100, 400}, and the
 *    library's own route that needs no ψ (`policyPointOf(sol)` + `upperLevelExact`, closed-form VJP);
 * 2. A-PARL exact-mode outer steps (K = 10, ψ by the implicit route at θ^K) on Garnet S = 100,
 *    A = 4, additive design utility: the first step from θ = 0 and the steady state, in units of
 *    the peer's evaluate + ∇J at the same size (the peer has no A-PARL).
 *
 *   npm run build && node dist/bench/upper.bench.js
 */
import { COMPARISON_HEADER, comparisonLine, fmtMs, fmtRatio, growthLine, measureAparlRows, measurePair, peerLine, type ResultRow } from './jsonBench.js';
import { probePeer } from './peer.js';
import { DEFAULT_APARL_PLAN, defaultSchedule } from './workloads.js';

const A = 8;
const peer = probePeer();
console.log(`W4 exact additive ∇G given a materialised ψ, Garnet A=${A}, branching=5, γ=0.9, λ=0.1, tabular reward, fresh ν and u per repetition`);
console.log(peerLine(peer));
console.log(`${COMPARISON_HEADER}   library route (VJP, no ψ) ms   VJP/numpy`);
const rows: ResultRow[] = [];
for (const S of [20, 100, 400]) {
  const row = measurePair(peer, 'W4', S, A, defaultSchedule(S), { vjp: true });
  rows.push(row);
  const vjp = row.oursVjpMs ?? null;
  console.log(`${comparisonLine(row)}   ${fmtMs(vjp).padStart(28)}   ${fmtRatio(vjp !== null && row.peerMs !== null ? vjp / row.peerMs : null).padStart(9)}`);
}
console.log(growthLine(rows));

const plan = DEFAULT_APARL_PLAN;
const [steady, first] = measureAparlRows(peer, plan, defaultSchedule(plan.S).reps);
console.log(`\nA-PARL outer step (K = ${plan.K}, exact mode, implicit ν-score by preconditioned MINRES), Garnet S=${plan.S} A=${plan.A}, ${plan.rounds * plan.runs} runs with fresh ν₀:`);
console.log(`  numpy evaluate + ∇J at S=${plan.S}, A=${plan.A} (same run): ${fmtMs(steady.peerMs)} ms`);
console.log(`  first step from θ = 0 (far from θ*): ${fmtMs(first.oursMs)} ms (${fmtRatio(first.ratio)} numpy's evaluate + ∇J)`);
console.log(`  steady state (steps ${plan.steadyFrom}–${plan.T - 1}, warm-started θ; each includes the step's lower-level solve): median ${fmtMs(steady.oursMs)} ms per outer step (${fmtRatio(steady.ratio)} numpy's evaluate + ∇J)`);
