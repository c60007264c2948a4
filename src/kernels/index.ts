/**
 * Batched float32 kernels (gpu.js) checked against the float64 reference (MATH.md §10; GPUJS.md):
 * backends and `auto`, batched softmax / log-softmax / log-sum-exp / score, batched policy
 * evaluation, the PL landscape scan, the stated float32 tolerances and `parl kernels check`.
 */
export * from './backend.js';
export * from './auto.js';
export * from './chunking.js';
export * from './tolerances.js';
export * from './batchedSoftmax.js';
export * from './batchedEvaluation.js';
export * from './plScan.js';
export * from './check.js';
export { FUSED_MAX_S, fusedScanSource, createFusedScanKernel, type FusedScanProblem } from './fusedScanKernel.js';
