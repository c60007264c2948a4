/**
 * Batched exact policy evaluation (MATH.md §3–§4) of B softmax policies on one MDP, or of B MDPs
 * (same S and A) with one policy each: `V_b`, `d_b`, `J_b = ρ_bᵀ V_b` and optionally `∇_θ J_b`.
 *
 * - `js` (float64, the reference): per problem, `evaluatePolicy` (`src/value/policyEvaluation.ts`)
 *   and `policyGradientFromEvaluation` (`src/gradient/policyGradient.ts`) themselves, copied into
 *   the batch's arrays: the same bits as calling them one θ at a time.
 * - gpu.js backends (float32): batched softmax kernels for `π`, `log π`; one launch builds the
 *   `2B` augmented systems `[I − γP_π | r_π]` and `[(I − γP_π)ᵀ | ρ]`; `S` Gauss–Jordan launches
 *   (each dropping the finished column) solve them all; one launch forms `∇J`
 *   (`evaluationKernels.ts`). Batches are chunked so that no launch holds more than 2^22 elements.
 *
 * Example (executed in `test/kernels/batchedEvaluation.test.ts`):
 *   withBackend('js', (k) => evaluateBatch(k, { kind: 'policies', mdp, r, thetas, lambda: 0.1 }, { gradient: true }))
 *     // Right({ B, S, A, V, d, J, gradJ, run: { backend: 'js', kernelClass: 'Float64Loop', … } })
 */
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import { policyGradientFromEvaluation } from '../gradient/policyGradient.js';
import type { Mdp } from '../mdp/types.js';
import { evaluatePolicy } from '../value/policyEvaluation.js';
import { kernelRunOf, type KernelRun, type KernelSession } from './backend.js';
import { batchedLogSoftmax, batchedSoftmax, type Logits } from './batchedSoftmax.js';
import { CHUNK_ELEMENTS, chunkRange, planChunks } from './chunking.js';
import { eliminationStepKernel, gradientKernel, systemKernel } from './evaluationKernels.js';

/** B softmax policies (`thetas`: B×S×A, index `(b·S + s)·A + a`) on one MDP with reward `r`. */
export interface PolicyBatch {
  readonly kind: 'policies';
  readonly mdp: Mdp;
  readonly r: Readonly<Float64Array>;
  readonly thetas: Logits;
  readonly lambda: number;
}

/** B MDPs with equal S and A (γ and ρ may differ), reward `rewards[b]` and policy `thetas[b]`. */
export interface MdpBatch {
  readonly kind: 'mdps';
  readonly mdps: ReadonlyArray<Mdp>;
  readonly rewards: ReadonlyArray<Readonly<Float64Array>>;
  readonly thetas: Logits;
  readonly lambda: number;
}

export type EvaluationBatch = PolicyBatch | MdpBatch;

/** Largest S the gpu.js elimination path takes (it compiles one kernel per pivot). */
export const MAX_ELIMINATION_S = 128;

/** Options of `evaluateBatch`. */
export interface EvaluateBatchOptions {
  /** Also compute `∇_θ J_b` for every problem (default false). */
  readonly gradient?: boolean;
  /** Most elements per launch (default 2^22; smaller values exercise chunking in tests). */
  readonly chunkElements?: number;
}

/** `V`, `d`, `J` (and `∇J`) of every problem in the batch. */
export interface BatchedEvaluation {
  readonly B: number;
  readonly S: number;
  readonly A: number;
  /** `V_b(s)`, B×S (MATH.md §3). */
  readonly V: Float64Array | Float32Array;
  /** `d_b(s) = (1 − γ_b) ρ_bᵀ(I − γ_b P_π)^{-1}`, B×S. */
  readonly d: Float64Array | Float32Array;
  /** `J_b = ρ_bᵀ V_b`, summed in float64 (from float32 `V` on gpu.js backends). */
  readonly J: Float64Array;
  /** `∂J_b/∂θ[s,a]`, B×S×A (MATH.md §4), or null when not requested. */
  readonly gradJ: Float64Array | Float32Array | null;
  readonly run: KernelRun;
}

/** The batch as per-problem accessors (shared arrays have stride 0 on the gpu path). */
interface Problems {
  readonly B: number;
  readonly S: number;
  readonly A: number;
  readonly lambda: number;
  readonly thetas: Logits;
  readonly mdp: (b: number) => Mdp;
  readonly reward: (b: number) => Readonly<Float64Array>;
  readonly shared: boolean;
}

const checkBatch = (batch: EvaluationBatch): Problems => {
  const { lambda, thetas } = batch;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`λ must be a finite number ≥ 0, got ${lambda}`);
  for (let i = 0; i < thetas.length; i++) {
    const x = thetas[i];
    if (!(x - x === 0)) throw new RangeError(`thetas[${i}] = ${x} is not finite`);
  }
  const checkReward = (r: Readonly<Float64Array>, S: number, A: number, what: string): void => {
    if (r.length !== S * A) throw new RangeError(`${what} has length ${r.length}, expected S·A = ${S * A}`);
    for (let i = 0; i < r.length; i++) if (!Number.isFinite(r[i])) throw new RangeError(`${what}[${i}] = ${r[i]} is not finite`);
  };
  if (batch.kind === 'policies') {
    const { mdp, r } = batch;
    const SA = mdp.S * mdp.A;
    if (thetas.length % SA !== 0) throw new RangeError(`thetas length ${thetas.length} is not a multiple of S·A = ${SA}`);
    checkReward(r, mdp.S, mdp.A, 'r');
    return { B: thetas.length / SA, S: mdp.S, A: mdp.A, lambda, thetas, mdp: () => mdp, reward: () => r, shared: true };
  }
  const { mdps, rewards } = batch;
  if (mdps.length === 0) throw new RangeError('an MDP batch needs at least one MDP');
  const { S, A } = mdps[0];
  mdps.forEach((m, b) => {
    if (m.S !== S || m.A !== A) throw new RangeError(`mdps[${b}] has S = ${m.S}, A = ${m.A}; the batch has S = ${S}, A = ${A}`);
  });
  if (rewards.length !== mdps.length) throw new RangeError(`rewards has ${rewards.length} tables for ${mdps.length} MDPs`);
  rewards.forEach((r, b) => checkReward(r, S, A, `rewards[${b}]`));
  if (thetas.length !== mdps.length * S * A) throw new RangeError(`thetas has length ${thetas.length}, expected B·S·A = ${mdps.length * S * A}`);
  return { B: mdps.length, S, A, lambda, thetas, mdp: (b) => mdps[b], reward: (b) => rewards[b], shared: false };
};

// ---------------------------------------------------------------------------------------------
// js: the float64 reference itself, one problem at a time

const evaluateJs = (session: KernelSession, p: Problems, gradient: boolean): BatchedEvaluation => {
  const { B, S, A, lambda, thetas } = p;
  const SA = S * A;
  const V = new Float64Array(B * S);
  const d = new Float64Array(B * S);
  const J = new Float64Array(B);
  const gradJ = gradient ? new Float64Array(B * SA) : null;
  const theta = new Float64Array(SA);
  for (let b = 0; b < B; b++) {
    const mdp = p.mdp(b);
    for (let i = 0; i < SA; i++) theta[i] = thetas[b * SA + i];
    const ev = evaluatePolicy(mdp, p.reward(b), theta, lambda);
    V.set(ev.V, b * S);
    d.set(ev.d, b * S);
    J[b] = ev.J;
    if (gradJ !== null) gradJ.set(policyGradientFromEvaluation(mdp, ev), b * SA);
  }
  return { B, S, A, V, d, J, gradJ, run: kernelRunOf(session, session.launches(), 1) };
};

// ---------------------------------------------------------------------------------------------
// gpu.js: Gauss–Jordan kernels

const f32 = (x: ArrayLike<number>): Float32Array => Float32Array.from(x);

const evaluateGpu = (session: KernelSession, p: Problems, gradient: boolean, chunkElements: number): BatchedEvaluation => {
  const { B, S, A, lambda, thetas, shared } = p;
  const SA = S * A;
  const SAS = SA * S;
  const W = S + 1;
  if (SAS > CHUNK_ELEMENTS) throw new RangeError(`P has S·A·S = ${SAS} entries, more than one launch may hold (2^22); use the js backend`);
  if (S > MAX_ELIMINATION_S) throw new RangeError(`the elimination kernels are built for S ≤ ${MAX_ELIMINATION_S} (one launch per pivot), got S = ${S}; use the js backend`);
  const plan = planChunks(B, Math.max(2 * S * W, shared ? SA : SAS), chunkElements);
  const before = session.launches();
  const V = new Float32Array(B * S);
  const d = new Float32Array(B * S);
  const J = new Float64Array(B);
  const gradJ = gradient ? new Float32Array(B * SA) : null;
  if (B === 0) return { B, S, A, V, d, J, gradJ, run: kernelRunOf(session, before, 0) };
  const nb = plan.perChunk;
  const pStride = shared ? 0 : SAS;
  const rStride = shared ? 0 : SA;
  const rhoStride = shared ? 0 : S;
  const sharedP = shared ? f32(p.mdp(0).P) : null;
  const sharedR = shared ? f32(p.reward(0)) : null;
  const sharedRho = shared ? f32(p.mdp(0).rho) : null;
  const shape = `${S}:${A}:${nb}:${shared ? 's' : 'b'}`;
  const systems = session.kernel(`eval:system:${shape}`, (gpu: GPU) =>
    gpu.createKernel(systemKernel, {
      output: [2 * nb * S * W],
      constants: { S, A, W, nb, pStride, rStride, rhoStride },
      constantTypes: { S: 'Integer', A: 'Integer', W: 'Integer', nb: 'Integer', pStride: 'Integer', rStride: 'Integer', rhoStride: 'Integer' },
      argumentTypes: { pi: 'Array', logPi: 'Array', P: 'Array', r: 'Array', rho: 'Array', gammas: 'Array', lambda: 'Float' },
      tactic: 'precision',
    }),
  );
  const steps: IKernelRunShortcut[] = [];
  for (let k = 0; k < S; k++) {
    const w = S - k + 1;
    steps.push(
      session.kernel(`eval:eliminate:${S}:${nb}:${k}`, (gpu: GPU) =>
        gpu.createKernel(eliminationStepKernel, {
          output: [2 * nb * S * (w - 1)],
          constants: { S, w, k },
          constantTypes: { S: 'Integer', w: 'Integer', k: 'Integer' },
          argumentTypes: { M: 'Array' },
          tactic: 'precision',
        }),
      ),
    );
  }
  const grad: IKernelRunShortcut | null = gradient
    ? session.kernel(`eval:gradient:${shape}`, (gpu: GPU) =>
        gpu.createKernel(gradientKernel, {
          output: [nb * SA],
          constants: { S, A, pStride, rStride },
          constantTypes: { S: 'Integer', A: 'Integer', pStride: 'Integer', rStride: 'Integer' },
          argumentTypes: { pi: 'Array', logPi: 'Array', P: 'Array', r: 'Array', V: 'Array', x: 'Array', gammas: 'Array', lambda: 'Float' },
          tactic: 'precision',
        }),
      )
    : null;
  const theta = new Float64Array(nb * SA);
  const gammas = new Float32Array(nb);
  const Pc = shared ? null : new Float32Array(nb * SAS);
  const rc = shared ? null : new Float32Array(nb * SA);
  const rhoc = shared ? null : new Float32Array(nb * S);
  const Vc = new Float32Array(nb * S);
  const xc = new Float32Array(nb * S);
  for (let c = 0; c < plan.chunks; c++) {
    const { start, end } = chunkRange(plan, c);
    const n = end - start;
    // padding problems (b ≥ n) are θ = 0 on the shared MDP, or the identity system (P = 0, γ = 0)
    theta.fill(0);
    for (let i = 0; i < n * SA; i++) theta[i] = thetas[start * SA + i];
    gammas.fill(0);
    for (let b = 0; b < n; b++) gammas[b] = p.mdp(start + b).gamma;
    if (Pc !== null && rc !== null && rhoc !== null) {
      Pc.fill(0);
      rc.fill(0);
      rhoc.fill(0);
      for (let b = 0; b < n; b++) {
        const m = p.mdp(start + b);
        Pc.set(m.P, b * SAS);
        rc.set(p.reward(start + b), b * SA);
        rhoc.set(m.rho, b * S);
      }
    }
    const P = sharedP ?? (Pc as Float32Array);
    const r = sharedR ?? (rc as Float32Array);
    const rho = sharedRho ?? (rhoc as Float32Array);
    const pi = batchedSoftmax(session, theta, A, { chunkElements }).values;
    const logPi = batchedLogSoftmax(session, theta, A, { chunkElements }).values;
    let M = session.run(systems, pi, logPi, P, r, rho, gammas, lambda) as Float32Array;
    for (let k = 0; k < S; k++) M = session.run(steps[k], M) as Float32Array;
    // each system is now its solution: V_b for q < nb, x_b for q ≥ nb
    Vc.set(M.subarray(0, nb * S));
    xc.set(M.subarray(nb * S, 2 * nb * S));
    for (let b = 0; b < n; b++) {
      const m = p.mdp(start + b);
      let Jb = 0;
      for (let i = 0; i < S; i++) {
        const v = Vc[b * S + i];
        V[(start + b) * S + i] = v;
        d[(start + b) * S + i] = (1 - m.gamma) * xc[b * S + i];
        Jb += m.rho[i] * v;
      }
      J[start + b] = Jb;
    }
    if (grad !== null && gradJ !== null) {
      const g = session.run(grad, pi, logPi, P, r, Vc, xc, gammas, lambda) as Float32Array;
      gradJ.set(g.subarray(0, n * SA), start * SA);
    }
  }
  return { B, S, A, V, d, J, gradJ, run: kernelRunOf(session, before, plan.chunks) };
};

/**
 * Evaluate every problem of the batch exactly (MATH.md §3–§4) on the session's backend. Throws a
 * RangeError on inconsistent shapes or non-finite inputs.
 */
export const evaluateBatch = (session: KernelSession, batch: EvaluationBatch, opts: EvaluateBatchOptions = {}): BatchedEvaluation => {
  const p = checkBatch(batch);
  const gradient = opts.gradient ?? false;
  const chunkElements = Math.min(opts.chunkElements ?? CHUNK_ELEMENTS, CHUNK_ELEMENTS);
  return session.backend === 'js' ? evaluateJs(session, p, gradient) : evaluateGpu(session, p, gradient, chunkElements);
};
