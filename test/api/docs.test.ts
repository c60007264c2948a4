/**
 * `npm run docs` (TypeDoc on src/index.ts, typedoc.json) documents the curated API: it runs
 * without a warning, lists every runtime export of src/index.ts and nothing else as a function,
 * and every listed function and type carries a doc comment. TypeDoc writes its JSON model to a
 * temporary directory (docs/api is not touched); about 10 s of CPU.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Reflection {
  readonly name: string;
  readonly kind: number;
  readonly comment?: unknown;
  readonly signatures?: ReadonlyArray<{ readonly comment?: unknown }>;
  readonly children?: ReadonlyArray<Reflection>;
}

/** TypeDoc's ReflectionKind.Function. */
const FUNCTION = 64;

describe('npm run docs (TypeDoc) on the curated index', () => {
  it('documents every export of src/index.ts, each with a doc comment, without warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parl-docs-'));
    try {
      const out = join(dir, 'api.json');
      execFileSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--json', out, '--treatWarningsAsErrors'], { cwd: root, stdio: 'pipe' });
      const project = JSON.parse(readFileSync(out, 'utf8')) as Reflection;
      const index = project.children?.find((c) => c.name === 'index') ?? project;
      const entries = index.children ?? [];
      const functions = entries.filter((c) => c.kind === FUNCTION).map((c) => c.name).sort();
      expect(functions).toEqual(Object.keys(api).sort());
      const undocumented = entries.filter((c) => c.comment === undefined && c.signatures?.[0]?.comment === undefined).map((c) => c.name);
      expect(undocumented, 'exports without a doc comment').toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
