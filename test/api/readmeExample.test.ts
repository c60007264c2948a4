/**
 * The README's API example (its first ```js block) runs against the curated index and prints
 * what the README says it prints (the ```text block after it). The packaged form (npm pack,
 * install, run) is tested separately; this keeps the text honest on every run of the suite.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');

/** The body of the first fenced block with this info string after `from` (or undefined). */
const fenced = (info: string, from = 0): { body: string; end: number } | undefined => {
  const open = readme.indexOf(`\n\`\`\`${info}\n`, from);
  if (open < 0) return undefined;
  const start = open + info.length + 5;
  const close = readme.indexOf('\n```', start);
  return { body: readme.slice(start, close), end: close };
};

describe("README's API example", () => {
  const js = fenced('js');
  const section = readme.indexOf('## API example');

  it('is the first ```js block, inside the API example section, and imports only from parl-ts', () => {
    expect(js).toBeDefined();
    expect(section).toBeGreaterThan(0);
    expect(readme.indexOf('```js')).toBeGreaterThan(section);
    const imports = [...(js?.body ?? '').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['parl-ts']);
  });

  it('runs on the curated exports and prints the README ```text block', () => {
    if (js === undefined) throw new Error('no ```js block');
    const match = /import\s*\{([^}]*)\}\s*from 'parl-ts';/.exec(js.body);
    if (match === null) throw new Error('the example has no import from parl-ts');
    const names = match[1].split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    const missing = names.filter((x) => !(x in api));
    expect(missing, 'names the example imports that the index does not export').toEqual([]);
    const lines: string[] = [];
    const fakeConsole = { log: (...xs: unknown[]) => lines.push(xs.map(String).join(' ')) };
    const body = js.body.replace(match[0], `const { ${names.join(', ')} } = api;`);
    // the example is plain JavaScript without other imports: run it as a function body
    new Function('api', 'console', body)(api, fakeConsole);
    const expected = fenced('text', js.end);
    expect(lines.join('\n')).toBe(expected?.body);
  });
});
