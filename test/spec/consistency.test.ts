/**
 * Keeps `spec/` honest (issue 7, item 3; issue 15, part 2; conventions in spec/README.md):
 *
 * (a) every name in an `export` column of a table in `spec/*.md` is a runtime export of a file its
 *     row's `module` column lists (of `src/index.ts` where a table has no `module` column), and
 *     every name in a `type` column an exported type of one;
 * (b) every runtime export of `src/index.ts` (the curated public API: `Object.keys` of the module)
 *     and every exported type is named somewhere in `spec/*.md`, and moreover in an `export` (or
 *     `type`) column of a row whose `module` column lists the file that defines it (spec/api.md);
 * (c) where a table has a `module` column, each named export or type is defined in one of the
 *     files it lists (not merely re-exported by it).
 *
 * The reference modules behind the public layer (src/value, src/optimal, …) are documented by
 * the family documents with their own files in the `module` column; src/index.ts re-exports only
 * the validated layer (src/api) and the types a caller needs. Types do not exist at runtime, so
 * they (and the file that defines each export) are enumerated with the TypeScript compiler API;
 * the runtime and compile-time lists of src/index.ts's values are checked to agree, so the two
 * enumerations vouch for each other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const specDir = join(root, 'spec');

interface Doc {
  readonly file: string;
  /** The text with fenced code blocks blanked out (line numbers kept). */
  readonly text: string;
}

const stripFences = (text: string): string => {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
};

const docs: Doc[] = readdirSync(specDir)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((file) => ({ file, text: stripFences(readFileSync(join(specDir, file), 'utf8')) }));

/** The contents of every backticked span of a piece of Markdown. */
const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

/** Split a table row on unescaped `|` (spec/README.md: a literal bar is written `\|`). */
const cellsOf = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());

const IDENT = /^[A-Za-z_$][\w$]*/;

interface Named {
  readonly where: string;
  readonly kind: 'export' | 'type';
  readonly name: string;
  /** Files the row's `module` column lists (repository-relative), or undefined without that column. */
  readonly modules: ReadonlyArray<string> | undefined;
}

interface TableScan {
  readonly named: Named[];
  /** Spans in an export/type column that do not start with an identifier, and rows without a module. */
  readonly malformed: string[];
  readonly tables: number;
}

const scanTables = (): TableScan => {
  const named: Named[] = [];
  const malformed: string[] = [];
  let tables = 0;
  for (const doc of docs) {
    const lines = doc.text.split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      // a table: a header row, a separator row, then body rows, all starting with '|'
      if (!lines[i].trim().startsWith('|') || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1])) continue;
      if (i > 0 && lines[i - 1].trim().startsWith('|')) continue;
      const header = cellsOf(lines[i]);
      const columns = (['export', 'type'] as const).map((kind) => ({ kind, col: header.indexOf(kind) })).filter((c) => c.col >= 0);
      const moduleCol = header.indexOf('module');
      let j = i + 2;
      if (columns.length > 0) tables++;
      for (; j < lines.length && lines[j].trim().startsWith('|'); j++) {
        if (columns.length === 0) continue;
        const cells = cellsOf(lines[j]);
        const where = `spec/${doc.file}:${j + 1}`;
        const modules = moduleCol < 0 ? undefined : codeSpans(cells[moduleCol] ?? '').filter((p) => p.startsWith('src/'));
        for (const { kind, col } of columns) {
          const spans = codeSpans(cells[col] ?? '');
          for (const span of spans) {
            const m = IDENT.exec(span);
            if (m === null) malformed.push(`${where}: \`${span}\` in the ${kind} column does not start with a name`);
            else named.push({ where, kind, name: m[0], modules });
          }
          if (spans.length > 0 && modules !== undefined && modules.length === 0) malformed.push(`${where}: the module column names no src/ file`);
        }
      }
      i = j - 1;
    }
  }
  return { named, malformed, tables };
};

/** Every identifier that occurs inside a backticked span anywhere in spec/*.md. */
const namedAnywhere = (): Set<string> => {
  const out = new Set<string>();
  for (const doc of docs) for (const span of codeSpans(doc.text)) for (const m of span.matchAll(/[A-Za-z_$][\w$]*/g)) out.add(m[0]);
  return out;
};

interface CompiledExports {
  /** Exported names that are values (functions, constants) → defining file. */
  readonly values: Map<string, string>;
  /** Exported names that are only types (interfaces, type aliases) → defining file. */
  readonly types: Map<string, string>;
}

const INDEX = 'src/index.ts';
const compiledCache = new Map<string, CompiledExports>();
let program: ts.Program | undefined;

/**
 * The exports of `src/index.ts` and of every file a `module` column lists, as the TypeScript
 * compiler sees them (one program for all, about 3 s, built once).
 */
const compiledExportsOf = (file: string): CompiledExports | undefined => {
  const cached = compiledCache.get(file);
  if (cached !== undefined) return cached;
  if (program === undefined) {
    const listed = new Set<string>([INDEX]);
    for (const n of scanTables().named) for (const m of n.modules ?? []) listed.add(m);
    program = ts.createProgram([...listed].map((f) => join(root, f)), {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    });
  }
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(root, file));
  if (source === undefined) return undefined;
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const values = new Map<string, string>();
  const types = new Map<string, string>();
  for (const e of moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol)) {
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const decl = target.declarations?.[0];
    const defined = decl === undefined ? '?' : relative(root, decl.getSourceFile().fileName).split('\\').join('/');
    if (target.flags & ts.SymbolFlags.Value) values.set(e.name, defined);
    else types.set(e.name, defined);
  }
  const out = { values, types };
  compiledCache.set(file, out);
  return out;
};

/** The exports of src/index.ts (the public API). */
const compiledExports = (): CompiledExports => {
  const c = compiledExportsOf(INDEX);
  if (c === undefined) throw new Error(`cannot read ${INDEX}`);
  return c;
};

const runtimeExports = Object.keys(api).sort();

describe('spec/ consistency with src/index.ts (conventions: spec/README.md)', () => {
  const scan = scanTables();

  it('the spec tables are well formed', () => {
    expect(scan.tables, 'no table with an export or type column found in spec/*.md').toBeGreaterThan(0);
    expect(scan.malformed, `malformed table entries:\n${scan.malformed.join('\n')}`).toEqual([]);
  });

  /** Where a row's name must be exported: the files of its module column, or src/index.ts without one. */
  const filesOf = (n: Named): ReadonlyArray<string> => (n.modules === undefined || n.modules.length === 0 ? [INDEX] : n.modules);

  it('(a) every name in an `export` column is a runtime export of a file its row lists (src/index.ts without a module column)', () => {
    const unknown = scan.named
      .filter((n) => n.kind === 'export' && !filesOf(n).some((f) => compiledExportsOf(f)?.values.has(n.name) === true))
      .map((n) => `${n.where}: ${n.name} (not exported by ${filesOf(n).join(', ')})`);
    expect(unknown, `names in export columns that their modules do not export:\n${unknown.join('\n')}`).toEqual([]);
  });

  it('(a) every name in a `type` column is an exported type of a file its row lists (src/index.ts without a module column)', () => {
    const unknown = scan.named
      .filter((n) => n.kind === 'type' && !filesOf(n).some((f) => compiledExportsOf(f)?.types.has(n.name) === true))
      .map((n) => `${n.where}: ${n.name} (not exported as a type by ${filesOf(n).join(', ')})`);
    expect(unknown, `names in type columns that their modules do not export as types:\n${unknown.join('\n')}`).toEqual([]);
  });

  it('(b) every export and type of src/index.ts is in a table row whose module column lists its defining file', () => {
    const { values, types } = compiledExports();
    const missing: string[] = [];
    for (const [kind, exported] of [['export', values], ['type', types]] as const) {
      for (const [name, file] of exported) {
        if (!scan.named.some((n) => n.kind === kind && n.name === name && (n.modules ?? []).includes(file))) missing.push(`${name} (${kind}, defined in ${file})`);
      }
    }
    expect(missing.sort(), `public names without a spec table row naming their module (add them to spec/api.md):\n${missing.join('\n')}`).toEqual([]);
  });

  it('(b) every runtime export of src/index.ts is named in spec/*.md', () => {
    const named = namedAnywhere();
    const missing = runtimeExports.filter((n) => !named.has(n));
    expect(missing, `runtime exports of src/index.ts not named in spec/*.md (${missing.length}):\n${missing.join('\n')}`).toEqual([]);
  });

  it('(b) every exported type of src/index.ts is named in spec/*.md', () => {
    const named = namedAnywhere();
    const missing = [...compiledExports().types.keys()].filter((n) => !named.has(n)).sort();
    expect(missing, `exported types of src/index.ts not named in spec/*.md (${missing.length}):\n${missing.join('\n')}`).toEqual([]);
  });

  it('(c) the `module` column names the file that defines each export or type of its row', () => {
    const wrong: string[] = [];
    for (const n of scan.named) {
      if (n.modules === undefined || n.modules.length === 0) continue; // an empty module cell is reported as malformed
      const defined = n.modules.map((f) => (n.kind === 'export' ? compiledExportsOf(f)?.values : compiledExportsOf(f)?.types)?.get(n.name)).filter((d): d is string => d !== undefined);
      if (defined.length > 0 && !defined.some((d) => n.modules?.includes(d) === true)) wrong.push(`${n.where}: ${n.name} is defined in ${defined[0]}, not in ${n.modules.join(', ')}`);
    }
    expect(wrong, `wrong module paths:\n${wrong.join('\n')}`).toEqual([]);
  });

  it('the compiler and the runtime agree on the value exports (so the type enumeration is trustworthy)', () => {
    const compiledValues = [...compiledExports().values.keys()].sort();
    expect(compiledValues).toEqual(runtimeExports);
  });

  it('spec/README.md links every document of spec/', () => {
    const readme = readFileSync(join(specDir, 'README.md'), 'utf8');
    const unlinked = docs.map((d) => d.file).filter((f) => f !== 'README.md' && !readme.includes(`](${f})`));
    expect(unlinked, `spec documents not linked from spec/README.md:\n${unlinked.join('\n')}`).toEqual([]);
  });
});
