/**
 * Backends of the batched kernels (MATH.md §10; GPUJS.md): the float64 reference loops and the
 * gpu.js modes, opened explicitly by name.
 *
 * | backend      | runs on                                   | precision |
 * | ------------ | ----------------------------------------- | --------- |
 * | `js`         | plain Float64Array loops (the reference)  | float64   |
 * | `gpu-cpu`    | gpu.js `cpu` mode (`CPUKernel`)           | float32   |
 * | `webasm`     | gpu.js `webasm` mode (`WebAssemblyKernel`)| float32   |
 * | `headlessgl` | gpu.js `headlessgl` (`HeadlessGLKernel`)  | float32   |
 * | `webgpu`     | gpu.js `webgpu` (`WebGPUKernel`)          | float32   |
 *
 * A named backend that cannot run here is a `Left` with the reason and how to enable it, never a
 * silent substitute; `auto` (see `auto.ts`) is the only choice that picks for the caller, and every
 * result records the backend and the gpu.js kernel class that actually ran. gpu.js itself degrades a
 * kernel it cannot compile to its cpu backend (`kernel.kernel.fallbackReason`): `KernelSession.run`
 * checks the class after every call and throws `KernelBackendError` instead of returning such a result.
 *
 * Kernels are created once per session and shape, reused, and destroyed by `session.destroy()`. No
 * kernel runs under `asyncMode`, so gpu.js never starts its webasm worker pool and nothing keeps the
 * process alive.
 *
 * gpu.js (and the WebGPU binding it pulls in) is loaded on first use by `loadGpuJs`, never at
 * import: importing parl-ts or this module costs nothing for it, and without gpu.js installed
 * (`npm install --omit=optional`) every gpu.js backend is reported unavailable with that reason.
 */
import * as E from 'fp-ts/lib/Either.js';
import { createRequire } from 'node:module';
import type { GPU, IKernelRunShortcut } from 'gpu.js';
import type { Precision } from '../check/tolerance.js';
import { invalidInput, type ParlError } from '../errors/parlError.js';

/** Every backend name, in the order `parl kernels check` reports them. */
export const BACKEND_NAMES = ['js', 'gpu-cpu', 'webasm', 'headlessgl', 'webgpu'] as const;

/** A concrete backend. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What a caller may ask for: a backend by name, or `auto` (fastest available, see `auto.ts`). */
export type BackendChoice = BackendName | 'auto';

/** The kernel class name that each backend must report (`kernel.kernel.constructor.name`). */
export const KERNEL_CLASS: Readonly<Record<BackendName, string>> = {
  js: 'Float64Loop',
  'gpu-cpu': 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  headlessgl: 'HeadlessGLKernel',
  webgpu: 'WebGPUKernel',
};

/** The gpu.js mode of each gpu.js backend. */
const GPU_MODE: Readonly<Record<Exclude<BackendName, 'js'>, 'cpu' | 'webasm' | 'headlessgl' | 'webgpu'>> = {
  'gpu-cpu': 'cpu',
  webasm: 'webasm',
  headlessgl: 'headlessgl',
  webgpu: 'webgpu',
};

/** Arithmetic precision of a backend: the reference is float64, every gpu.js mode returns float32. */
export const precisionOf = (b: BackendName): Precision => (b === 'js' ? 'float64' : 'float32');

/** How to make headless-gl available (GPUJS.md): system packages, the `gl` build, an X display. */
export const HEADLESSGL_HOWTO =
  'headless-gl needs the optional dependency `gl` built from source: ' +
  '`apt-get install -y --no-install-recommends libxi-dev libglu1-mesa-dev libglew-dev pkg-config xvfb xauth libgl1-mesa-dri` ' +
  '(then `npm install gl@8.1.6`, ~2.5 min) and an X display: run under `xvfb-run -a` ' +
  '(e.g. `xvfb-run -a npx vitest run test/kernels`, or `xvfb-run -a parl kernels check --backend headlessgl`)';

/** How WebGPU could be made available (GPUJS.md), and why this synchronous API cannot use it anyway. */
export const WEBGPU_HOWTO =
  'gpu.js pins `webgpu@0.2.9`, which needs glibc 2.38; with `"overrides": {"webgpu": "0.6.2"}`, `navigator.gpu` ' +
  'created from that package and a Vulkan driver that Dawn accepts (Mesa 25 lavapipe from bookworm-backports) a WebGPU ' +
  'adapter exists, but WebGPU kernels only return Promises and the batched kernels here are synchronous';

/** Whether a backend can run in this process, and if not, why and how to enable it. */
export interface BackendAvailability {
  readonly backend: BackendName;
  readonly available: boolean;
  /** Empty when available; otherwise the reason and how to enable it. */
  readonly reason: string;
}

/** The gpu.js module namespace. */
export type GpuJsModule = typeof import('gpu.js');

let gpuJs: GpuJsModule | Error | undefined;

/**
 * gpu.js, loaded synchronously on first call (a CommonJS module, so `require` needs no await) and
 * cached: the module, or the Error saying it cannot be loaded (not installed). Nothing else in
 * parl-ts loads gpu.js at run time.
 */
export const loadGpuJs = (): GpuJsModule | Error => {
  if (gpuJs === undefined) {
    try {
      gpuJs = createRequire(import.meta.url)('gpu.js') as GpuJsModule;
    } catch (e) {
      gpuJs = new Error(`gpu.js cannot be loaded (${(e as Error).message.split('\n')[0]}); install it with \`npm install gpu.js\``);
    }
  }
  return gpuJs;
};

const probeCache = new Map<BackendName, BackendAvailability>();

const probe = (backend: BackendName): BackendAvailability => {
  const ok = (): BackendAvailability => ({ backend, available: true, reason: '' });
  const no = (reason: string): BackendAvailability => ({ backend, available: false, reason });
  if (backend === 'js') return ok();
  const lib = loadGpuJs();
  if (lib instanceof Error) return no(lib.message);
  switch (backend) {
    case 'gpu-cpu':
      return ok();
    case 'webasm':
      return lib.GPU.isWebAssemblySupported ? ok() : no('WebAssembly is not available in this JavaScript runtime');
    case 'headlessgl': {
      let supported = false;
      try {
        supported = lib.GPU.isHeadlessGLSupported;
      } catch {
        supported = false;
      }
      return supported ? ok() : no(`no headless-gl context could be created (the optional \`gl\` module is not built or no X display is set); ${HEADLESSGL_HOWTO}`);
    }
    case 'webgpu': {
      const present = typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== 'undefined';
      return no(present
        ? `navigator.gpu exists, but WebGPU kernels only run asynchronously (every call returns a Promise) and the batched kernels here are synchronous; ${WEBGPU_HOWTO}`
        : `navigator.gpu is not defined in this process; ${WEBGPU_HOWTO}`);
    }
  }
};

/** Availability of one backend (probed once per process, then cached). */
export const backendAvailability = (backend: BackendName): BackendAvailability => {
  let a = probeCache.get(backend);
  if (a === undefined) {
    a = probe(backend);
    probeCache.set(backend, a);
  }
  return a;
};

/** The backends that can run here, in `BACKEND_NAMES` order. */
export const availableBackends = (): BackendName[] => BACKEND_NAMES.filter((b) => backendAvailability(b).available);

/** Parse a backend choice from text (CLI); `Left` (an `InvalidInput` of field `backend`) names the valid choices. */
export const parseBackendChoice = (text: string): E.Either<ParlError, BackendChoice> =>
  text === 'auto' || (BACKEND_NAMES as ReadonlyArray<string>).includes(text)
    ? E.right(text as BackendChoice)
    : E.left(invalidInput('backend', `unknown backend "${text}"; expected one of ${[...BACKEND_NAMES, 'auto'].join(', ')}`));

/**
 * The error for a named backend that cannot run here (an `InvalidInput` of field `backend`):
 * `backend <name> <what>` (what is wrong, e.g. `is not available: <reason and how to enable it>`),
 * then the backends that are available in this process.
 */
export const backendUnavailable = (backend: BackendName, what: string): ParlError =>
  invalidInput('backend', `backend ${backend} ${what}; available here: ${availableBackends().join(', ')}`);

/** A gpu.js kernel degraded to another class, failed to build, or was used after `destroy()`. */
export class KernelBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBackendError';
  }
}

/** What ran: the backend, the kernel class (`kernel.kernel.constructor.name`) and the precision. */
export interface KernelRun {
  readonly backend: BackendName;
  readonly kernelClass: string;
  readonly precision: Precision;
  /** Kernel launches (0 for `js`); batches beyond the chunk size need several per kernel. */
  readonly launches: number;
  /** Chunks the batch was split into so that no flat index reaches 2^24 (1 for `js`). */
  readonly chunks: number;
}

/**
 * An open backend: for gpu.js backends one `GPU` instance and a cache of kernels keyed by
 * operation and shape. Destroy it when done (kernels hold wasm memories, ~1.5 MB each).
 */
export interface KernelSession {
  readonly backend: BackendName;
  readonly precision: Precision;
  /** The kernel class every launch must report. */
  readonly kernelClass: string;
  /**
   * The cached kernel for `key`, created by `make` on first use. Throws for `js` (no kernels) and
   * after `destroy()`.
   */
  readonly kernel: (key: string, make: (gpu: GPU) => IKernelRunShortcut) => IKernelRunShortcut;
  /** Launch a kernel and check the class that ran; throws `KernelBackendError` on a degraded kernel. */
  readonly run: (k: IKernelRunShortcut, ...args: unknown[]) => unknown;
  /** Launches so far (each `run`). */
  readonly launches: () => number;
  /** Destroy every kernel and the GPU instance; the session cannot be used afterwards. */
  readonly destroy: () => void;
  readonly destroyed: () => boolean;
}

/** Most kernels a session keeps; the least recently used is destroyed beyond this (one evaluation shape needs S + 7). */
export const MAX_CACHED_KERNELS = 256;

const jsSession = (): KernelSession => {
  let destroyed = false;
  return {
    backend: 'js',
    precision: 'float64',
    kernelClass: KERNEL_CLASS.js,
    kernel: () => {
      throw new KernelBackendError('the js backend has no gpu.js kernels');
    },
    run: () => {
      throw new KernelBackendError('the js backend has no gpu.js kernels');
    },
    launches: () => 0,
    destroy: () => {
      destroyed = true;
    },
    destroyed: () => destroyed,
  };
};

/**
 * A float32 `KernelSession` on a gpu.js instance (`gpu`), shared by the Node backends and the
 * explorable page's browser modes: kernels cached by key (least recently used beyond
 * `MAX_CACHED_KERNELS`), and every launch checked with `unexpectedClass`, which names the kernel
 * class that ran when it is not the one the session promises (gpu.js may silently fall back) —
 * such a result is refused, never returned.
 */
export const checkedKernelSession = (
  gpu: GPU,
  backend: BackendName,
  kernelClass: string,
  unexpectedClass: (kernel: { readonly constructor: unknown }) => string | undefined,
): KernelSession => {
  const cache = new Map<string, IKernelRunShortcut>();
  let destroyed = false;
  let launches = 0;
  const alive = (): void => {
    if (destroyed) throw new KernelBackendError(`the ${backend} kernel session was destroyed`);
  };
  return {
    backend,
    precision: 'float32',
    kernelClass,
    kernel: (key, make) => {
      alive();
      let k = cache.get(key);
      if (k !== undefined) {
        cache.delete(key); // refresh LRU order
        cache.set(key, k);
        return k;
      }
      k = make(gpu);
      cache.set(key, k);
      while (cache.size > MAX_CACHED_KERNELS) {
        const [oldKey, oldest] = cache.entries().next().value as [string, IKernelRunShortcut];
        cache.delete(oldKey);
        oldest.destroy();
      }
      return k;
    },
    run: (k, ...args) => {
      alive();
      const out = (k as unknown as (...a: unknown[]) => unknown)(...args);
      launches++;
      const inner = k.kernel as unknown as { constructor: unknown; fallbackReason?: string | null };
      const ran = unexpectedClass(inner);
      if (ran !== undefined) {
        throw new KernelBackendError(
          `backend ${backend} expected gpu.js kernel class ${kernelClass} but ${ran} ran` +
            (inner.fallbackReason ? ` (gpu.js fallback: ${inner.fallbackReason})` : '') +
            '; refusing a silently degraded result',
        );
      }
      if (out === null || out === undefined) throw new KernelBackendError(`backend ${backend}: a kernel returned no result`);
      return out;
    },
    launches: () => launches,
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      for (const k of cache.values()) k.destroy();
      cache.clear();
      // gpu.destroy() destroys what is left (nothing) and resolves a Promise; no pool was ever started
      void gpu.destroy().catch(() => undefined);
    },
    destroyed: () => destroyed,
  };
};

const gpuSession = (backend: Exclude<BackendName, 'js'>): KernelSession => {
  const lib = loadGpuJs();
  if (lib instanceof Error) throw lib;
  const expected = KERNEL_CLASS[backend];
  // Node's gpu.js classes keep their names: compare by name
  return checkedKernelSession(new lib.GPU({ mode: GPU_MODE[backend] }), backend, expected, (inner) => {
    const ran = (inner.constructor as { name: string }).name;
    return ran === expected ? undefined : ran;
  });
};

/**
 * Open a named backend: `Right(session)` or `Left(InvalidInput)` on field `backend` with the reason,
 * how to enable it and the backends available here. Never substitutes another backend. (`auto` is
 * resolved by `resolveBackend` in `auto.ts`.)
 */
export const openBackend = (backend: BackendName): E.Either<ParlError, KernelSession> => {
  const a = backendAvailability(backend);
  if (!a.available) return E.left(backendUnavailable(backend, `is not available: ${a.reason}`));
  if (backend === 'js') return E.right(jsSession());
  try {
    return E.right(gpuSession(backend));
  } catch (e) {
    return E.left(backendUnavailable(backend, `could not be opened: ${(e as Error).message}`));
  }
};

/** Run `f` with a freshly opened backend and always destroy it; `Left` (as `openBackend`) if it cannot be opened. */
export const withBackend = <T>(backend: BackendName, f: (session: KernelSession) => T): E.Either<ParlError, T> => {
  const s = openBackend(backend);
  if (E.isLeft(s)) return s;
  try {
    return E.right(f(s.right));
  } finally {
    s.right.destroy();
  }
};

/** The `KernelRun` record of a finished operation on `session`. */
export const kernelRunOf = (session: KernelSession, launchesBefore: number, chunks: number): KernelRun => ({
  backend: session.backend,
  kernelClass: session.kernelClass,
  precision: session.precision,
  launches: session.launches() - launchesBefore,
  chunks,
});
