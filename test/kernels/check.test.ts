import { describe, expect, it } from 'vitest';
import { backendAvailability, KERNEL_CLASS } from '../../src/kernels/backend.js';
import { runKernelsCheck } from '../../src/kernels/check.js';

describe('parl kernels check (runKernelsCheck)', () => {
  it('every kernel on gpu-cpu and webasm is within its stated float32 tolerance', () => {
    const report = runKernelsCheck({ backends: ['gpu-cpu', 'webasm'], seed: 2, rows: 256, policies: 6 });
    expect(report.unavailable).toEqual([]);
    // 4 softmax-family kernels × 3 action counts + V, d, J, ∇J, per backend
    expect(report.rows.length).toBe(2 * (4 * 3 + 4));
    for (const row of report.rows) {
      expect(row.kernelClass).toBe(KERNEL_CLASS[row.backend]);
      expect(row.pass, `${row.backend} ${row.kernel}: ratio ${row.worstRatio}`).toBe(true);
      expect(row.values).toBeGreaterThan(0);
      expect(row.atol).toBeGreaterThan(0);
      expect(row.tolerance).toMatch(/ε/);
    }
    expect(report.ok).toBe(true);
    // logits of ±200 are in the generated batches: log-softmax errors reach the 1e-5 range and stay within ~1e-4
    const lsm = report.rows.filter((r) => r.kernel.startsWith('log-softmax'));
    expect(Math.max(...lsm.map((r) => r.maxAbs))).toBeGreaterThan(1e-6);
    expect(Math.max(...lsm.map((r) => r.maxAbs))).toBeLessThan(1e-4);
  });

  it('lists backends that cannot run, with the reason, without failing the check', () => {
    const report = runKernelsCheck({ backends: ['js', 'headlessgl', 'webgpu'], seed: 1, rows: 8, policies: 1 });
    const expected = (['headlessgl', 'webgpu'] as const).filter((b) => !backendAvailability(b).available);
    expect(report.unavailable.map((u) => u.backend)).toEqual(expected);
    for (const u of report.unavailable) expect(u.reason).toContain(`backend ${u.backend} is not available`);
    expect(report.rows.every((r) => r.backend !== 'js')).toBe(true);
  });
});
