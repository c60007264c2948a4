/**
 * A fused per-θ kernel for the PL scan (MATH.md §3, §4, §9): one gpu.js thread per θ computes, in
 * registers, `π` and `log π` (inline float32 exp/log), `I − γP_π` and `r_π`, an LU factorisation
 * without pivoting (strict row diagonal dominance), `V`, the transposed solve `x` (`d = (1 − γ)x`),
 * `Q`, `∇J = x·π·Adv` and returns `[J, ‖∇J‖², c_Mei(θ)]` — three numbers per θ instead of the
 * `2·S·(S + 1)` entries per launch of the elimination structure (`evaluationKernels.ts`).
 *
 * The kernel source is generated for one problem: `P`, `r`, `ρ`, γ, λ (and for λ = 0 the optimal
 * actions and `d^{π*}`) are baked in as literals, and the generator works symbolically on the
 * sparsity of `P` — structurally zero products, and the zero entries of `I − γP_π` that stay zero
 * through the elimination, are never emitted. Gauss elimination unrolled over `S²` registers
 * grows like S³ in code size, so the structure is offered up to `FUSED_MAX_S` states (compile time
 * ≈ 0.3–1.5 s at S = 16; the `elimination` structure serves larger S).
 *
 * Measured on webasm (2-core CPU, Garnet, λ = 0.1, warm, per θ, the whole scan): 4.8 µs vs 8.1 µs for
 * the float64 loop at S = 5, A = 3; 6.6 vs 11.6 at S = 10, A = 4; 7.3 vs 33 at S = 16, A = 4;
 * 19 vs 77 at S = 16, A = 8 with dense P; compilation 0.2 s, 0.5 s, 1.2 s and 4 s. The gpu-cpu
 * backend runs the same source as generated JavaScript: fast at S = 5 (2.2 µs), slow at S = 16
 * (64 µs; V8 gives up on optimising such long functions). See `bench/kernels.bench.ts`.
 */
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import type { Mdp } from '../mdp/types.js';
import { POW2_TABLE } from './softmaxKernels.js';

/** Largest S the fused structure is generated for. */
export const FUSED_MAX_S = 16;

/** What the generated kernel bakes in. */
export interface FusedScanProblem {
  readonly mdp: Mdp;
  readonly r: Readonly<Float64Array>;
  readonly lambda: number;
  /** λ = 0 only: a greedy optimal action per state and `d^{π*}`, for Mei et al.'s constant. */
  readonly optimalActions?: Readonly<Int32Array>;
  readonly dStar?: Readonly<Float64Array>;
}

/** A float literal that gpu.js types as Float (always a decimal point or exponent) at float32 precision and beyond. */
const lit = (x: number): string => {
  if (!Number.isFinite(x)) throw new RangeError(`cannot bake a non-finite value ${x} into a kernel`);
  const s = x.toPrecision(10);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
};

/** The inline float32 `exp(t)` for `t ≤ 0` of `softmaxKernels.ts`, as statements assigning `out`. */
const expStatements = (t: string, out: string, tmp: string): string[] => [
  `const ${tmp}c = Math.max(${t}, -87.0);`,
  `const ${tmp}n = Math.floor(${tmp}c * 1.4426950408889634 + 0.5);`,
  `const ${tmp}r = ${tmp}c - ${tmp}n * 0.693359375 + ${tmp}n * 2.1219444e-4;`,
  `const ${tmp}p = (((((1.98756915e-4 * ${tmp}r + 1.39819995e-3) * ${tmp}r + 8.33345191e-3) * ${tmp}r + 4.16657959e-2) * ${tmp}r + 1.66666655e-1) * ${tmp}r + 5.00000012e-1) * ${tmp}r * ${tmp}r + ${tmp}r + 1.0;`,
  `let ${out} = ${tmp}p * this.constants.pow2[-${tmp}n];`,
  `if (${t} < -87.0) { ${out} = 0.0; }`,
];

/** The inline `log(z)` for `1 ≤ z ≤ A` of `softmaxKernels.ts`, as statements assigning `out`. */
const logStatements = (z: string, out: string, tmp: string, halvings: number): string[] => {
  const lines = [`let ${tmp}w = ${z};`, `let ${tmp}k = 0.0;`];
  for (let h = 0; h < halvings; h++) lines.push(`if (${tmp}w > 1.4142135) { ${tmp}w = ${tmp}w * 0.5; ${tmp}k = ${tmp}k + 1.0; }`);
  lines.push(
    `const ${tmp}s = (${tmp}w - 1.0) / (${tmp}w + 1.0);`,
    `const ${tmp}q = ${tmp}s * ${tmp}s;`,
    `const ${out} = ${tmp}k * 0.693359375 - ${tmp}k * 2.1219444e-4 + 2.0 * ${tmp}s * (1.0 + ${tmp}q * (0.33333334 + ${tmp}q * (0.2 + ${tmp}q * (0.14285715 + ${tmp}q * 0.11111111))));`,
  );
  return lines;
};

/** Generate the kernel source (a `function (theta) { … }` text) for `problem`. */
export const fusedScanSource = (problem: FusedScanProblem): string => {
  const { mdp, r, lambda } = problem;
  const { S, A, gamma, P, rho } = mdp;
  if (S > FUSED_MAX_S) throw new RangeError(`the fused scan kernel is generated for S ≤ ${FUSED_MAX_S}, got S = ${S}`);
  const mei = problem.optimalActions !== undefined && problem.dStar !== undefined;
  const halvings = Math.max(1, Math.ceil(Math.log2(Math.max(A, 1))) + 1);
  const L: string[] = ['function (theta) {', `const o = this.thread.x * ${S * A};`];
  // π and log π per state (max-subtracted; log π = t − m − log z)
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) L.push(`const t${s}_${a} = theta[o + ${s * A + a}];`);
    L.push(`let m${s} = t${s}_0;`);
    for (let a = 1; a < A; a++) L.push(`m${s} = Math.max(m${s}, t${s}_${a});`);
    for (let a = 0; a < A; a++) {
      L.push(`const u${s}_${a} = t${s}_${a} - m${s};`);
      L.push(...expStatements(`u${s}_${a}`, `e${s}_${a}`, `x${s}_${a}`));
    }
    L.push(`const z${s} = ${Array.from({ length: A }, (_, a) => `e${s}_${a}`).join(' + ')};`);
    L.push(...logStatements(`z${s}`, `lz${s}`, `y${s}`, halvings));
    for (let a = 0; a < A; a++) {
      L.push(`const p${s}_${a} = e${s}_${a} / z${s};`);
      L.push(`const lp${s}_${a} = u${s}_${a} - lz${s};`);
    }
  }
  // M = I − γ P_π and r_π, with the structure of nonzeros
  const nz: boolean[][] = Array.from({ length: S }, () => new Array<boolean>(S).fill(false));
  for (let i = 0; i < S; i++) {
    for (let j = 0; j < S; j++) {
      const terms: string[] = [];
      for (let a = 0; a < A; a++) {
        const pij = P[(i * A + a) * S + j];
        if (pij !== 0) terms.push(`p${i}_${a} * ${lit(pij)}`);
      }
      if (terms.length === 0 && i !== j) continue;
      nz[i][j] = true;
      const sum = terms.length > 0 ? `${lit(gamma)} * (${terms.join(' + ')})` : '0.0';
      L.push(`let M${i}_${j} = ${i === j ? '1.0 - ' : '0.0 - '}${sum};`);
    }
    const rp = Array.from({ length: A }, (_, a) => `p${i}_${a} * (${lit(r[i * A + a])} - ${lit(lambda)} * lp${i}_${a})`);
    L.push(`const b${i} = ${rp.join(' + ')};`);
  }
  // LU without pivoting, in place (L unit lower below the diagonal), tracking fill-in
  for (let k = 0; k < S; k++) {
    L.push(`const ip${k} = 1.0 / M${k}_${k};`);
    for (let i = k + 1; i < S; i++) {
      if (!nz[i][k]) continue;
      L.push(`M${i}_${k} = M${i}_${k} * ip${k};`);
      for (let j = k + 1; j < S; j++) {
        if (!nz[k][j]) continue;
        if (nz[i][j]) L.push(`M${i}_${j} = M${i}_${j} - M${i}_${k} * M${k}_${j};`);
        else {
          L.push(`let M${i}_${j} = 0.0 - M${i}_${k} * M${k}_${j};`);
          nz[i][j] = true;
        }
      }
    }
  }
  // V: L y = r_π, U V = y
  for (let i = 0; i < S; i++) {
    const terms = [];
    for (let j = 0; j < i; j++) if (nz[i][j]) terms.push(` - M${i}_${j} * y${j}`);
    L.push(`const y${i} = b${i}${terms.join('')};`);
  }
  for (let i = S - 1; i >= 0; i--) {
    const terms = [];
    for (let j = i + 1; j < S; j++) if (nz[i][j]) terms.push(` - M${i}_${j} * V${j}`);
    L.push(`const V${i} = (y${i}${terms.join('')}) * ip${i};`);
  }
  // x: Uᵀ w = ρ, Lᵀ x = w
  for (let i = 0; i < S; i++) {
    const terms = [];
    for (let j = 0; j < i; j++) if (nz[j][i]) terms.push(` - M${j}_${i} * w${j}`);
    L.push(`const w${i} = (${lit(rho[i])}${terms.join('')}) * ip${i};`);
  }
  for (let i = S - 1; i >= 0; i--) {
    const terms = [];
    for (let j = i + 1; j < S; j++) if (nz[j][i]) terms.push(` - M${j}_${i} * X${j}`);
    L.push(`const X${i} = w${i}${terms.join('')};`);
  }
  // J, ∇J = x·π·(r + γPV − λ log π − V), ‖∇J‖²
  const jTerms = [];
  for (let i = 0; i < S; i++) if (rho[i] !== 0) jTerms.push(`${lit(rho[i])} * V${i}`);
  L.push(`const J = ${jTerms.length > 0 ? jTerms.join(' + ') : '0.0'};`);
  L.push('let g2 = 0.0;');
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const ev = [];
      for (let t = 0; t < S; t++) {
        const pst = P[(s * A + a) * S + t];
        if (pst !== 0) ev.push(`${lit(pst)} * V${t}`);
      }
      const q = ev.length > 0 ? `${lit(r[s * A + a])} + ${lit(gamma)} * (${ev.join(' + ')})` : lit(r[s * A + a]);
      L.push(`const g${s}_${a} = X${s} * p${s}_${a} * (${q} - ${lit(lambda)} * lp${s}_${a} - V${s});`);
      L.push(`g2 = g2 + g${s}_${a} * g${s}_${a};`);
    }
  }
  // Mei et al.'s c(θ) = min_s π(a*(s)|s) / (√S max_s d*(s)/d(s)), d = (1 − γ)x (λ = 0 only)
  if (mei && problem.optimalActions !== undefined && problem.dStar !== undefined) {
    const act = problem.optimalActions;
    const dStar = problem.dStar;
    L.push(`let minPi = p0_${act[0]};`);
    for (let s = 1; s < S; s++) L.push(`minPi = Math.min(minPi, p${s}_${act[s]});`);
    L.push('let maxRatio = 0.0;');
    for (let s = 0; s < S; s++) {
      if (dStar[s] > 0) L.push(`maxRatio = Math.max(maxRatio, ${lit(dStar[s] / (1 - gamma))} / X${s});`);
    }
    L.push(`const mei = minPi / (${lit(Math.sqrt(S))} * maxRatio);`);
  } else {
    L.push('const mei = 0.0;');
  }
  L.push('return [J, g2, mei];', '}');
  return L.join('\n');
};

/** Create the fused kernel for `problem` over `nb` θ (output `[nb]` of `[J, ‖∇J‖², c]`). */
export const createFusedScanKernel = (gpu: GPU, problem: FusedScanProblem, nb: number): IKernelRunShortcut =>
  gpu.createKernel(fusedScanSource(problem), {
    output: [nb],
    constants: { pow2: POW2_TABLE },
    constantTypes: { pow2: 'Array' },
    argumentTypes: { theta: 'Array' },
    returnType: 'Array(3)',
    tactic: 'precision',
  } as never);
