/**
 * headless-gl and WebGPU runs of the kernel check. They cannot run on the CI machines (no `gl`
 * build, no WebGPU adapter; GPUJS.md) and are skipped there with the reason printed. To run the
 * headless-gl tests:
 *
 *   apt-get install -y --no-install-recommends libxi-dev libglu1-mesa-dev libglew-dev pkg-config xvfb xauth libgl1-mesa-dri
 *   npm install gl@8.1.6          # builds from source, ~2.5 min
 *   xvfb-run -a npx vitest run test/kernels/headlessgl.test.ts
 */
import { describe, expect, it } from 'vitest';
import { backendAvailability } from '../../src/kernels/backend.js';
import { runKernelsCheck } from '../../src/kernels/check.js';

const gl = backendAvailability('headlessgl');
const webgpu = backendAvailability('webgpu');
if (!gl.available) console.info(`[kernels] SKIPPING the headless-gl kernel tests: ${gl.reason}`);
if (!webgpu.available) console.info(`[kernels] SKIPPING the WebGPU kernel tests: ${webgpu.reason}`);

describe('gpu.js backends that need a GL context or a WebGPU adapter', () => {
  it.skipIf(!gl.available)('headlessgl: every kernel is within its float32 tolerance (HeadlessGLKernel ran)', () => {
    const report = runKernelsCheck({ backends: ['headlessgl'], seed: 3, rows: 512, policies: 8 });
    expect(report.unavailable).toEqual([]);
    for (const row of report.rows) {
      expect(row.kernelClass).toBe('HeadlessGLKernel');
      expect(row.pass, `${row.kernel}: ratio ${row.worstRatio}`).toBe(true);
    }
  });

  it.skipIf(!webgpu.available)('webgpu: every kernel is within its float32 tolerance (WebGPUKernel ran)', () => {
    const report = runKernelsCheck({ backends: ['webgpu'], seed: 3, rows: 512, policies: 8 });
    for (const row of report.rows) expect(row.pass, row.kernel).toBe(true);
  });

  it('says why a skipped backend cannot run and how to enable it', () => {
    if (!gl.available) expect(gl.reason).toMatch(/apt-get install.*npm install gl@8\.1\.6.*xvfb-run -a/s);
    if (!webgpu.available) expect(webgpu.reason).toMatch(/navigator\.gpu|Promise/);
  });
});
