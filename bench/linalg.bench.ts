/**
 * Benchmark of src/linalg on policy-evaluation systems M = I − γ P_π (γ = 0.95, P_π a seeded
 * random row-stochastic matrix, dense: the worst case for LU), n ∈ {20, 100, 400}.
 *
 *   npm run build && node dist/bench/linalg.bench.js
 *
 * Each operation is timed in batches long enough for performance.now() (≥ ~2 ms), after a
 * warm-up that lets V8 optimise; the table shows the median time per call and the 10–90%
 * range over batches. `naive kij` is the textbook right-looking loop kept here as the baseline
 * the blocked factorisation in src/linalg/lu.ts is measured against.
 */
import {
  luFactor,
  luSolve,
  luSolveTransposed,
  solve,
  solveTransposed,
  type LuFactorization,
} from '../src/linalg/index.js';
import { makeRng } from '../src/random/rng.js';

const GAMMA = 0.95;
const SIZES = [20, 100, 400];

/** I − γ P for a seeded random dense row-stochastic P (row-major n×n). */
const policyEvaluationMatrix = (n: number, seed: number): Float64Array => {
  const rng = makeRng(seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const p = rng.uniform();
      m[i * n + j] = p;
      sum += p;
    }
    for (let j = 0; j < n; j++) m[i * n + j] = (i === j ? 1 : 0) - (GAMMA * m[i * n + j]) / sum;
  }
  return m;
};

/** Baseline: unblocked kij LU with partial pivoting (one rank-1 update per column). */
const naiveLuFactor = (a0: Readonly<Float64Array>, n: number): Float64Array => {
  const a = Float64Array.from(a0);
  for (let k = 0; k < n; k++) {
    const kr = k * n;
    let p = k;
    let max = Math.abs(a[kr + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > max) {
        max = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[p * n + j];
        a[p * n + j] = a[kr + j];
        a[kr + j] = t;
      }
    }
    const pivot = a[kr + k];
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const ir = i * n;
      const l = a[ir + k] / pivot;
      a[ir + k] = l;
      if (l !== 0) for (let j = k + 1; j < n; j++) a[ir + j] -= l * a[kr + j];
    }
  }
  return a;
};

interface Timing {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
}

/** Time `op` (returning something to keep it live) in batches; milliseconds per call. */
const time = (op: () => { length: number } | LuFactorization | number, minBatchMs = 2, batches = 31): Timing => {
  let sink = 0;
  const run = (): void => {
    const r = op();
    sink += typeof r === 'number' ? r : 'length' in r ? r.length : r.n;
  };
  // warm up ~200 ms (at least 20 calls) and size the batch
  let calls = 0;
  const w0 = performance.now();
  while (calls < 20 || performance.now() - w0 < 200) {
    run();
    calls++;
  }
  const perCall = (performance.now() - w0) / calls;
  const reps = Math.max(1, Math.ceil(minBatchMs / perCall));
  const samples: number[] = [];
  for (let s = 0; s < batches; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run();
    samples.push((performance.now() - t0) / reps);
  }
  if (sink === -1) console.log(sink); // never true; keeps results observable
  samples.sort((x, y) => x - y);
  const q = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { median: q(0.5), p10: q(0.1), p90: q(0.9) };
};

const fmt = (ms: number): string => (ms < 0.1 ? `${(ms * 1000).toFixed(2)} µs` : `${ms.toFixed(3)} ms`);

const main = (): void => {
  console.log(`linalg benchmark: M = I − ${GAMMA}·P (dense random stochastic P), node ${process.version}`);
  console.log('n    operation                          median        (p10 – p90)');
  for (const n of SIZES) {
    const a = policyEvaluationMatrix(n, 1234 + n);
    const rng = makeRng(99 + n);
    const b = Float64Array.from({ length: n }, () => rng.uniform());
    const f = luFactor(a, n);
    const rows: ReadonlyArray<[string, () => { length: number } | LuFactorization | number]> = [
      ['luFactor (blocked, rank-4 kernel)', () => luFactor(a, n)],
      ['naive kij factor (baseline)', () => naiveLuFactor(a, n)],
      ['luSolve', () => luSolve(f, b)],
      ['luSolveTransposed', () => luSolveTransposed(f, b)],
      ['solve (factor+solve+report+κ est.)', () => solve(a, n, b).x],
      ['solveTransposed (same)', () => solveTransposed(a, n, b).x],
    ];
    for (const [name, op] of rows) {
      const t = time(op);
      console.log(`${String(n).padEnd(4)} ${name.padEnd(34)} ${fmt(t.median).padStart(10)}   (${fmt(t.p10)} – ${fmt(t.p90)})`);
    }
    const flops = (2 / 3) * n ** 3;
    const tf = time(() => luFactor(a, n));
    console.log(`${String(n).padEnd(4)} luFactor rate: ${(flops / tf.median / 1e6).toFixed(2)} GFlop/s (2n³/3 flops)`);
  }
};

main();
