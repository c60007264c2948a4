import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { AUTO_LOG_SOFTMAX_MIN_ELEMENTS, AUTO_PL_SCAN_MIN_SAMPLES, AUTO_SOFTMAX_MIN_ELEMENTS, autoBackend, resolveBackend } from '../../src/kernels/auto.js';
import {
  BACKEND_NAMES,
  KERNEL_CLASS,
  KernelBackendError,
  availableBackends,
  backendAvailability,
  openBackend,
  parseBackendChoice,
  precisionOf,
  withBackend,
} from '../../src/kernels/backend.js';
import { batchedSoftmax } from '../../src/kernels/batchedSoftmax.js';
import { formatParlError } from '../../src/errors/parlError.js';

function doubleKernel(this: { thread: { x: number } }, x: number[]): number {
  return 2 * x[this.thread.x];
}

describe('kernel backends', () => {
  it('js, gpu-cpu and webasm are available out of the box; every backend reports a class and precision', () => {
    expect(availableBackends()).toEqual(expect.arrayContaining(['js', 'gpu-cpu', 'webasm']));
    for (const b of BACKEND_NAMES) {
      expect(KERNEL_CLASS[b]).toMatch(/\w/);
      expect(precisionOf(b)).toBe(b === 'js' ? 'float64' : 'float32');
    }
  });

  it('an unavailable named backend is a Left with the reason and how to enable it, never a substitute', () => {
    const gl = backendAvailability('headlessgl');
    if (!gl.available) {
      const s = openBackend('headlessgl');
      expect(E.isLeft(s)).toBe(true);
      if (E.isLeft(s)) {
        expect(s.left).toMatchObject({ _tag: 'InvalidInput', field: 'backend' });
        expect(s.left.message).toContain('backend headlessgl is not available');
        expect(s.left.message).toContain('npm install gl');
        expect(s.left.message).toContain('libglew-dev');
        expect(s.left.message).toContain('xvfb-run -a');
        expect(s.left.message).toContain(`available here: ${availableBackends().join(', ')}`);
      }
      const resolved = resolveBackend('headlessgl', 'softmax', { elements: 1e6 });
      expect(E.isLeft(resolved)).toBe(true);
      if (E.isLeft(resolved) && E.isLeft(s)) expect(resolved.left).toEqual(s.left);
    }
    // the batched kernels are synchronous; WebGPU kernels only return Promises
    const w = openBackend('webgpu');
    expect(E.isLeft(w)).toBe(true);
    if (E.isLeft(w)) {
      expect(w.left).toMatchObject({ _tag: 'InvalidInput', field: 'backend' });
      expect(w.left.message).toMatch(/webgpu.*(navigator\.gpu|Promise)/);
      expect(w.left.message).toContain(`available here: ${availableBackends().join(', ')}`);
    }
    expect(withBackend('webgpu', () => 1)).toEqual(w);
  });

  it('parses backend choices and names the valid ones on a typo', () => {
    expect(parseBackendChoice('webasm')).toEqual(E.right('webasm'));
    expect(parseBackendChoice('auto')).toEqual(E.right('auto'));
    const bad = parseBackendChoice('wasm');
    expect(E.isLeft(bad)).toBe(true);
    if (E.isLeft(bad)) {
      expect(bad.left).toMatchObject({ _tag: 'InvalidInput', field: 'backend' });
      expect(bad.left.message).toMatch(/unknown backend "wasm".*js, gpu-cpu, webasm, headlessgl, webgpu, auto/);
    }
  });

  it('auto follows the measured rule: webasm for log-softmax, many-action softmax and very large PL scans, the float64 loop otherwise', () => {
    expect(autoBackend('softmax', { elements: 1e6, A: 4 })).toBe('js');
    expect(autoBackend('score', { elements: 1e6, A: 2 })).toBe('js');
    expect(autoBackend('softmax', { elements: AUTO_SOFTMAX_MIN_ELEMENTS, A: 16 })).toBe('webasm');
    expect(autoBackend('softmax', { elements: AUTO_SOFTMAX_MIN_ELEMENTS - 1, A: 16 })).toBe('js');
    expect(autoBackend('evaluation', { elements: 1e7 })).toBe('js');
    expect(autoBackend('plScan', { elements: 4096, S: 10 })).toBe('js');
    expect(autoBackend('plScan', { elements: AUTO_PL_SCAN_MIN_SAMPLES, S: 16 })).toBe('webasm');
    expect(autoBackend('plScan', { elements: AUTO_PL_SCAN_MIN_SAMPLES, S: 17 })).toBe('js');
    expect(autoBackend('logSoftmax', { elements: AUTO_LOG_SOFTMAX_MIN_ELEMENTS - 1, A: 4 })).toBe('js');
    expect(autoBackend('logSoftmax', { elements: AUTO_LOG_SOFTMAX_MIN_ELEMENTS, A: 4 })).toBe('webasm');
    expect(autoBackend('logSumExp', { elements: 1e6, A: 2 })).toBe('webasm');
    expect(resolveBackend('auto', 'evaluation', { elements: 10 })).toEqual(E.right('js'));
    expect(resolveBackend('gpu-cpu', 'evaluation', { elements: 10 })).toEqual(E.right('gpu-cpu'));
  });

  it('every result names the backend and the kernel class that ran', () => {
    for (const b of ['js', 'gpu-cpu', 'webasm'] as const) {
      const r = withBackend(b, (k) => batchedSoftmax(k, Float64Array.of(0, Math.log(3)), 2));
      expect(E.isRight(r)).toBe(true);
      if (E.isRight(r)) {
        expect(r.right.run.backend).toBe(b);
        expect(r.right.run.kernelClass).toBe(KERNEL_CLASS[b]);
        expect(r.right.run.precision).toBe(precisionOf(b));
        expect(r.right.run.launches).toBe(b === 'js' ? 0 : 2);
        expect(r.right.values[0]).toBeCloseTo(0.25, 6);
        expect(r.right.values[1]).toBeCloseTo(0.75, 6);
      }
    }
  });

  it('refuses a kernel that gpu.js silently degraded to its cpu backend', () => {
    const s = openBackend('webasm');
    if (E.isLeft(s)) throw new Error(formatParlError(s.left));
    const k = s.right;
    try {
      // kernel maps are not supported on webasm: gpu.js degrades them to CPUKernel with a console warning
      const degraded = k.kernel('degraded', (gpu) =>
        gpu.createKernelMap({ twice: doubleKernel as never }, function (this: { thread: { x: number } }, x: number[]) {
          return x[this.thread.x];
        }, { output: [4] }) as never,
      );
      const warn = console.warn;
      console.warn = () => undefined;
      try {
        expect(() => k.run(degraded, new Float32Array(4))).toThrow(KernelBackendError);
        expect(() => k.run(degraded, new Float32Array(4))).toThrow(/expected gpu\.js kernel class WebAssemblyKernel but CPUKernel ran/);
      } finally {
        console.warn = warn;
      }
      const fine = k.kernel('fine', (gpu) => gpu.createKernel(doubleKernel, { output: [4] }));
      expect(Array.from(k.run(fine, Float32Array.of(1, 2, 3, 4)) as Float32Array)).toEqual([2, 4, 6, 8]);
      expect(k.launches()).toBe(3);
    } finally {
      k.destroy();
    }
    expect(k.destroyed()).toBe(true);
    expect(() => k.kernel('again', (gpu) => gpu.createKernel(doubleKernel, { output: [4] }))).toThrow(/destroyed/);
  });

  it('the js backend has no gpu.js kernels', () => {
    const s = openBackend('js');
    expect(E.isRight(s)).toBe(true);
    if (E.isRight(s)) {
      expect(() => s.right.kernel('x', () => undefined as never)).toThrow(KernelBackendError);
      s.right.destroy();
    }
  });
});
