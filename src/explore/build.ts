/**
 * Build the explorable page: bundle src/explore/browser.ts with the library (and gpu.js's browser
 * build, chosen by esbuild through gpu.js's `browser` field) into one script, and write one
 * self-contained HTML file (nothing loaded from the network). `node dist/src/explore/build.js [OUT]`
 * writes OUT (default `report/explore.html`); `npm start` runs it after the experiments.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { pageHtml } from './template.js';

/** The repository root: the nearest directory above this module holding package.json and src/explore/browser.ts. */
export const repositoryRoot = (from: string = dirname(fileURLToPath(import.meta.url))): string => {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'explore', 'browser.ts'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root with src/explore/browser.ts above ${from}`);
    dir = up;
  }
};

/** Make a script safe inside `<script>…</script>`: no `</script` and no `<!--` can end or alter the element. */
export const inlineScript = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

/** The bundled page script (an IIFE for browsers, ES2020), from the TypeScript sources. */
export const bundleExploreScript = async (root: string = repositoryRoot()): Promise<string> => {
  const out = await build({
    entryPoints: [join(root, 'src', 'explore', 'browser.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    write: false,
    minify: false,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '"about:blank"' },
    alias: { 'node:module': join(root, 'src', 'explore', 'nodeModuleShim.ts') },
  });
  return out.outputFiles[0].text;
};

/** Build the page and write it to `file`; returns its size in bytes. */
export const buildExplorePage = async (file: string, root: string = repositoryRoot()): Promise<{ readonly file: string; readonly bytes: number }> => {
  const html = pageHtml(inlineScript(await bundleExploreScript(root)));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
  return { file, bytes: Buffer.byteLength(html) };
};

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const root = repositoryRoot();
  const file = resolve(process.argv[2] ?? join(root, 'report', 'explore.html'));
  buildExplorePage(file, root).then(
    (r) => console.log(`wrote ${r.file} (${(r.bytes / 1e6).toFixed(2)} MB)`),
    (e: unknown) => {
      console.error(`explore page: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
