/**
 * PACKAGE TEST (slow, ~20–40 s; needs the build in dist/, which `npm test` makes first):
 * `npm pack` the repository, install the tarball into an empty project without network, and use
 * it as a user would: the README's API example (its first ```js block) run as an .mjs file prints
 * the README's ```text block after it; a TypeScript consumer type-checks against the installed
 * declarations; the installed `parl` binary answers --version and refuses a huge job; the core
 * imports without loading gpu.js; and an install without optional dependencies (no gpu.js) still
 * runs the example and reports the gpu.js backends unavailable.
 *
 * Offline: the consumer gets a package-lock.json made from the repository's (the same versions,
 * resolved URLs and integrities for parl-ts's production dependencies), so `npm ci --offline`
 * takes every tarball from the npm cache that the repository's own `npm ci` filled.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'parl-package-'));
let tarball = '';
let packedFiles: string[] = [];

/** The body of the first fenced block with this info string after `from`. */
const fenced = (info: string, from = 0): { body: string; end: number } => {
  const open = readme.indexOf(`\n\`\`\`${info}\n`, from);
  if (open < 0) throw new Error(`README.md has no \`\`\`${info} block after offset ${from}`);
  const start = open + info.length + 5;
  const close = readme.indexOf('\n```', start);
  return { body: readme.slice(start, close), end: close };
};

interface LockEntry {
  readonly dev?: boolean;
  readonly link?: boolean;
  readonly [key: string]: unknown;
}

/**
 * An empty project depending on the tarball, with a lock file listing parl-ts and every
 * production package of the repository's lock (not `dev`), so that `npm ci` needs no metadata.
 */
const makeProject = (dir: string): void => {
  mkdirSync(dir, { recursive: true });
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages[''];
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      license: root.license,
      dependencies: root.dependencies,
      optionalDependencies: root.optionalDependencies,
      engines: root.engines,
      bin: root.bin,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && entry.dev !== true && entry.link !== true) packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [pkg.name]: spec } }, null, 1));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 1));
};

/**
 * `npm ci --offline` in `dir` (install scripts off: nothing is compiled, e.g. the optional `gl`);
 * if a tarball is missing from the cache, the same install allowed to reach the registry.
 */
const install = (dir: string, extra: string[] = []): void => {
  const args = ['ci', '--no-audit', '--no-fund', '--ignore-scripts', ...extra];
  try {
    execFileSync('npm', [...args, '--offline'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
  } catch {
    execFileSync('npm', [...args, '--prefer-offline'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
  }
};

const node = (dir: string, args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const full = join(work, 'full');
const lean = join(work, 'lean');

beforeAll(() => {
  for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js']) {
    if (!existsSync(join(repo, f))) throw new Error(`${f} is missing: run npm run build first (npm test does)`);
  }
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repo, encoding: 'utf8', timeout: 60_000 })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed[0].filename);
  packedFiles = packed[0].files.map((f) => f.path);
  makeProject(full);
  install(full);
  makeProject(lean);
  install(lean, ['--omit=optional']);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball, installed into an empty project', () => {
  it('ships dist/src, spec/, proofs/, README.md, LICENSE and package.json; no tests, sources or benchmarks', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'spec/MATH.md', 'proofs/README.md']) {
      expect(packedFiles, f).toContain(f);
    }
    expect(packedFiles.filter((f) => /^(test|bench|src|dist\/bench|node_modules)\//.test(f))).toEqual([]);
  });

  it("runs the README's first ```js block as an .mjs file and prints the README's ```text block", () => {
    const js = fenced('js');
    writeFileSync(join(full, 'example.mjs'), js.body);
    const r = node(full, ['example.mjs']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd()).toBe(fenced('text', js.end).body);
  });

  it('type-checks a TypeScript consumer against the installed declarations (tsc --noEmit, strict)', () => {
    writeFileSync(join(full, 'consumer.ts'), [
      "import { evaluatePolicy, garnet, isLeft, policyGradient, softOptimum, formatParlError, type ParlError } from 'parl-ts';",
      '',
      'const built = garnet({ S: 4, A: 2, branching: 2, gamma: 0.9, seed: 1 });',
      'if (isLeft(built)) throw new Error(formatParlError(built.left));',
      'const { mdp, reward } = built.right;',
      'const theta: Float64Array = new Float64Array(mdp.S * mdp.A);',
      'const ev = evaluatePolicy(mdp, reward, theta, 0.1);',
      'const J: number | ParlError = isLeft(ev) ? ev.left : ev.right.J;',
      'const g = policyGradient(mdp, reward, theta, 0.1);',
      'const opt = softOptimum(mdp, reward, 0.1);',
      'export const summary: string = `${String(J)} ${isLeft(g) ? "" : g.right.length} ${isLeft(opt) ? "" : opt.right.VStar.length}`;',
      '',
    ].join('\n'));
    writeFileSync(join(full, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')],
      },
      files: ['consumer.ts'],
    }));
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: full, encoding: 'utf8', timeout: 60_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('the installed parl binary: --version is package.json\'s, a huge job is refused with exit 2', () => {
    const bin = join(full, 'node_modules', pkg.name, 'dist', 'src', 'cli', 'main.js');
    const v = node(full, [bin, '--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const huge = node(full, [bin, 'aparl', '--T', '1e9']);
    expect(huge.status).toBe(2);
    expect(huge.stderr).toMatch(/^parl aparl: this job is estimated at .* Pass --allow-large to run it anyway\n$/);
    expect(existsSync(join(full, 'node_modules', '.bin', 'parl'))).toBe(true);
  });

  it('importing the core does not load gpu.js; the kernels load it on first use', () => {
    // the package's exports map names only '.', so the kernels module is reached by its file URL
    const kernels = `file://${join(full, 'node_modules', pkg.name, 'dist', 'src', 'kernels', 'backend.js')}`;
    writeFileSync(join(full, 'gpu.mjs'), [
      "import { createRequire } from 'node:module';",
      "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/gpu.js/'));",
      "await import('parl-ts');",
      'const core = loaded();',
      `const { openBackend } = await import(${JSON.stringify(kernels)});`,
      'const afterImport = loaded();',
      "const s = openBackend('gpu-cpu');",
      "console.log(JSON.stringify({ core, afterImport, opened: s._tag, afterOpen: loaded() }));",
    ].join('\n'));
    const r = node(full, ['gpu.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ core: false, afterImport: false, opened: 'Right', afterOpen: true });
  });

  it('without optional dependencies (no gpu.js): the example still runs, the gpu.js backends say why they are unavailable', () => {
    expect(existsSync(join(lean, 'node_modules', 'gpu.js'))).toBe(false);
    const js = fenced('js');
    writeFileSync(join(lean, 'example.mjs'), js.body);
    const r = node(lean, ['example.mjs']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd()).toBe(fenced('text', js.end).body);
    const bin = join(lean, 'node_modules', pkg.name, 'dist', 'src', 'cli', 'main.js');
    const b = node(lean, [bin, 'kernels', 'backends', '--json']);
    expect(b.status, b.stderr).toBe(0);
    const backends = (JSON.parse(b.stdout) as { backends: Array<{ backend: string; available: boolean; reason: string }> }).backends;
    expect(backends.find((x) => x.backend === 'js')?.available).toBe(true);
    for (const x of backends.filter((y) => y.backend !== 'js')) {
      expect(x.available, x.backend).toBe(false);
      expect(x.reason, x.backend).toMatch(/^gpu\.js cannot be loaded .*; install it with `npm install gpu\.js`/);
    }
  });
});
