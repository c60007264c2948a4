/**
 * Benchmark of the batched kernels (never a timed test): every available backend against the
 * float64 loop for batched softmax / log-softmax (R ∈ {1e3, 1e5, 1e6} rows × A ∈ {4, 16}) and
 * batched policy evaluation (B = 1e4, S = 16, A = 4; B policies on one MDP and B MDPs) and the PL
 * scan's batched J and ‖∇J‖² for B = 1e4 θ, plus what `auto` picks and how it compares with the best
 * choice. Prints medians and ratios.
 *
 *   npm run bench:kernels        (builds, then runs dist/bench/kernels.bench.js)
 *   node dist/bench/kernels.bench.js --quick    (fewer repetitions)
 *
 * Reference numbers from the issue, same machine class (2-core CPU, no GPU): a two-kernel webasm
 * softmax was ~1.8–2× slower than the float64 loop; a fused webasm Bellman-sweep pipeline was
 * ~1.24× faster than a simple float64 sweep loop (and a tuned loop 2.9× faster than that).
 */
import * as E from 'fp-ts/lib/Either.js';
import { formatParlError } from '../src/errors/parlError.js';
import { garnet } from '../src/mdp/index.js';
import type { Mdp } from '../src/mdp/types.js';
import { makeRng } from '../src/random/rng.js';
import { AUTO_PL_SCAN_MIN_SAMPLES, autoBackend, type AutoOperation } from '../src/kernels/auto.js';
import { plScan } from '../src/kernels/plScan.js';
import { availableBackends, backendAvailability, BACKEND_NAMES, openBackend, type BackendName, type KernelSession } from '../src/kernels/backend.js';
import { batchedLogSoftmax, batchedSoftmax } from '../src/kernels/batchedSoftmax.js';
import { evaluateBatch, type EvaluationBatch } from '../src/kernels/batchedEvaluation.js';
import { successorsOf } from '../src/mdp/successors.js';

const quick = process.argv.includes('--quick');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median wall time of `f` in ms: one warm-up call (JIT, kernel compilation), then ≥ `minRuns` runs within ~`budgetMs`. */
const timeIt = (f: () => void, budgetMs: number, minRuns: number): number => {
  f();
  const samples: number[] = [];
  const t0 = performance.now();
  while (samples.length < minRuns || (performance.now() - t0 < budgetMs && samples.length < 50)) {
    const a = performance.now();
    f();
    samples.push(performance.now() - a);
  }
  return median(samples);
};

const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - s.length));
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

const sessions = new Map<BackendName, KernelSession>();
const backends = availableBackends();
for (const b of BACKEND_NAMES) {
  const a = backendAvailability(b);
  if (!a.available) console.log(`(${b} not benchmarked: ${a.reason.slice(0, 140)}…)`);
}
for (const b of backends) {
  const s = openBackend(b);
  if (E.isRight(s)) sessions.set(b, s.right);
  else console.log(`(${b} not benchmarked: ${formatParlError(s.left).slice(0, 140)}…)`);
}

// -------------------------------------------------------------------------------------------
console.log('\nBatched softmax family: median ms per call (ratio = backend / js float64 loop; issue: a two-kernel webasm softmax was 1.8–2× slower than the loop)');
console.log(pad('op', 12) + pad('R', 9) + pad('A', 4) + backends.map((b) => pad(b, 20)).join('') + 'auto');
const rng = makeRng(7);
for (const op of ['softmax', 'logSoftmax'] as const) {
  for (const R of [1e3, 1e5, 1e6]) {
    for (const A of [4, 16]) {
      const x = Float64Array.from({ length: R * A }, () => 8 * rng.normal());
      const f = op === 'softmax' ? batchedSoftmax : batchedLogSoftmax;
      const budget = quick ? 300 : R >= 1e6 ? 3000 : 1200;
      const minRuns = quick ? 3 : 5;
      const times = new Map<BackendName, number>();
      for (const b of backends) {
        const s = sessions.get(b) as KernelSession;
        times.set(b, timeIt(() => void f(s, x, A), budget, minRuns));
      }
      const js = times.get('js') as number;
      const best = Math.min(...times.values());
      const auto = autoBackend(op as AutoOperation, { elements: R * A, A });
      const cells = backends.map((b) => {
        const t = times.get(b) as number;
        return pad(`${fmt(t)} (${(t / js).toFixed(2)}×)`, 20);
      });
      const autoT = times.get(auto) as number;
      console.log(pad(op, 12) + pad(R.toExponential(0), 9) + pad(String(A), 4) + cells.join('') + `${auto}: ${(autoT / best).toFixed(2)}× best`);
    }
  }
}

// -------------------------------------------------------------------------------------------
const B = 1e4;
const S = 16;
const A = 4;
const gamma = 0.9;
const lambda = 0.1;
const built = garnet({ S, A, branching: 4, gamma, seed: 11 });
if (E.isLeft(built)) throw new Error('garnet failed');
const { mdp, reward } = built.right;
const thetas = Float64Array.from({ length: B * S * A }, () => 2 * rng.normal());
const mdps: Mdp[] = [];
const rewards: Float64Array[] = [];
for (let b = 0; b < B; b++) {
  const g = garnet({ S, A, branching: 4, gamma, seed: 1000 + b });
  if (E.isLeft(g)) throw new Error('garnet failed');
  mdps.push(g.right.mdp);
  rewards.push(g.right.reward);
}

/**
 * The issue's "simple loop": float64 Bellman sweeps `V ← r_π + γ P_π V` over all B problems, as many
 * as γ^K ≤ 1e-7 needs (K = 153 at γ = 0.9, float32-level accuracy), after forming P_π and r_π.
 */
const simpleSweepLoop = (batch: EvaluationBatch): Float64Array => {
  const nb = batch.kind === 'policies' ? batch.thetas.length / (S * A) : batch.mdps.length;
  const K = Math.ceil(Math.log(1e-7) / Math.log(gamma));
  const Ppi = new Float64Array(nb * S * S);
  const rPi = new Float64Array(nb * S);
  for (let b = 0; b < nb; b++) {
    const m = batch.kind === 'policies' ? batch.mdp : batch.mdps[b];
    const r = batch.kind === 'policies' ? batch.r : batch.rewards[b];
    for (let s = 0; s < S; s++) {
      const o = (b * S + s) * A;
      let mx = -Infinity;
      for (let a = 0; a < A; a++) mx = Math.max(mx, batch.thetas[o + a]);
      let z = 0;
      for (let a = 0; a < A; a++) z += Math.exp(batch.thetas[o + a] - mx);
      for (let a = 0; a < A; a++) {
        const p = Math.exp(batch.thetas[o + a] - mx) / z;
        rPi[b * S + s] += p * (r[s * A + a] + lambda * (Math.log(z) - (batch.thetas[o + a] - mx)));
        for (let t = 0; t < S; t++) Ppi[(b * S + s) * S + t] += p * m.P[(s * A + a) * S + t];
      }
    }
  }
  let V = new Float64Array(nb * S);
  let W = new Float64Array(nb * S);
  for (let k = 0; k < K; k++) {
    for (let b = 0; b < nb; b++) {
      for (let s = 0; s < S; s++) {
        let acc = 0;
        const row = (b * S + s) * S;
        for (let t = 0; t < S; t++) acc += Ppi[row + t] * V[b * S + t];
        W[b * S + s] = rPi[b * S + s] + gamma * acc;
      }
    }
    [V, W] = [W, V];
  }
  return V;
};

console.log(`\nBatched policy evaluation, B = ${B}, S = ${S}, A = ${A}, γ = ${gamma}, λ = ${lambda}: median ms (ratio = backend / js)`);
for (const withGrad of [false, true]) {
  for (const kind of ['policies', 'mdps'] as const) {
    const batch: EvaluationBatch =
      kind === 'policies' ? { kind, mdp, r: reward, thetas, lambda } : { kind, mdps, rewards, thetas, lambda };
    for (const m of mdps) successorsOf(m); // cached successor lists: not part of the timing
    const budget = quick ? 500 : 4000;
    const times = new Map<BackendName, number>();
    for (const b of backends) {
      const s = sessions.get(b) as KernelSession;
      times.set(b, timeIt(() => void evaluateBatch(s, batch, { gradient: withGrad }), budget, quick ? 2 : 3));
    }
    const js = times.get('js') as number;
    const label = `${kind === 'policies' ? 'B policies, one MDP' : 'B MDPs'}${withGrad ? ' + ∇J' : ''}`;
    console.log(`  ${label}`);
    for (const b of backends) {
      const t = times.get(b) as number;
      console.log(`    ${pad(b, 12)} ${pad(fmt(t), 8)} ${(t / js).toFixed(2)}× js`);
    }
    if (!withGrad) {
      const simple = timeIt(() => void simpleSweepLoop(batch), quick ? 500 : 3000, quick ? 1 : 3);
      console.log(`    ${pad('simple loop', 12)} ${pad(fmt(simple), 8)} ${(simple / js).toFixed(2)}× js   (float64 Bellman sweeps, the issue's baseline)`);
      for (const b of backends) {
        if (b === 'js') continue;
        const t = times.get(b) as number;
        console.log(`    ${b} vs simple loop: ${(simple / t).toFixed(2)}× faster (issue: fused webasm sweeps 1.24×)`);
      }
    }
    const auto = autoBackend('evaluation', { elements: B * S * A, S, A });
    const best = Math.min(...times.values());
    console.log(`    auto → ${auto}: ${((times.get(auto) as number) / best).toFixed(2)}× best`);
  }
}

// -------------------------------------------------------------------------------------------
console.log(`\nPL scan J and ‖∇J‖² for B = ${B} θ on the same MDP (S = ${S}, A = ${A}, λ = ${lambda}): ms, first call (with kernel compilation) and warm median`);
const scanRows: Array<[string, number, number]> = [];
for (const b of backends) {
  const s = sessions.get(b) as KernelSession;
  for (const structure of b === 'js' ? ([undefined] as const) : (['fused', 'elimination'] as const)) {
    // a fresh session so the first call includes compilation
    const fresh = openBackend(b);
    if (E.isLeft(fresh)) {
      console.log(`(${b} PL scan not benchmarked: ${formatParlError(fresh.left).slice(0, 140)}…)`);
      continue;
    }
    const t0 = performance.now();
    plScan(fresh.right, { mdp, r: reward, lambda, samples: B, seed: 1, structure });
    const first = performance.now() - t0;
    fresh.right.destroy();
    const warm = timeIt(() => void plScan(s, { mdp, r: reward, lambda, samples: B, seed: 1, structure }), quick ? 500 : 3000, quick ? 2 : 3);
    scanRows.push([`${b}${structure ? ` ${structure}` : ''}`, first, warm]);
  }
}
const jsScan = scanRows.find(([n]) => n === 'js') as [string, number, number];
for (const [name, first, warm] of scanRows) {
  console.log(`    ${pad(name, 20)} first ${pad(fmt(first), 8)} warm ${pad(fmt(warm), 8)} ${(warm / jsScan[2]).toFixed(2)}× js warm, ${(first / jsScan[1]).toFixed(2)}× js first`);
}
const autoScan = autoBackend('plScan', { elements: B, S, A });
console.log(`    auto → ${autoScan} (from ${AUTO_PL_SCAN_MIN_SAMPLES} θ the fused webasm kernel pays for its compilation)`);

for (const s of sessions.values()) s.destroy();
