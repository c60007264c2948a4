import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'proofs/**/*.check.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // V8 coverage only: istanbul instrumentation breaks gpu.js kernels (GPUJS.md)
    coverage: { provider: 'v8' },
  },
});
