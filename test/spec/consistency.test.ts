/**
 * Keeps `spec/` honest (issue 7, item 3; conventions in spec/README.md):
 *
 * (a) every name in an `export` column of a table in `spec/*.md` is a runtime export of
 *     `src/index.ts`, and every name in a `type` column an exported type;
 * (b) every runtime export of `src/index.ts` (functions and constants: `Object.keys` of the
 *     module) and every exported type is named somewhere in `spec/*.md`, as an identifier inside
 *     a backticked span (table or text);
 * (c) where a table has a `module` column, each named export or type is defined in one of the
 *     files it lists.
 *
 * Types do not exist at runtime, so they (and the file that defines each export) are enumerated
 * with the TypeScript compiler API on `src/index.ts`; the runtime and compile-time lists of
 * values are checked to agree, so the two enumerations vouch for each other.
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

let compiled: CompiledExports | undefined;

/** The exports of src/index.ts as the TypeScript compiler sees them (about 3 s, done once). */
const compiledExports = (): CompiledExports => {
  if (compiled !== undefined) return compiled;
  const entry = join(root, 'src', 'index.ts');
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (source === undefined) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error('src/index.ts has no module symbol');
  const values = new Map<string, string>();
  const types = new Map<string, string>();
  for (const e of checker.getExportsOfModule(moduleSymbol)) {
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const decl = target.declarations?.[0];
    const file = decl === undefined ? '?' : relative(root, decl.getSourceFile().fileName).split('\\').join('/');
    if (target.flags & ts.SymbolFlags.Value) values.set(e.name, file);
    else types.set(e.name, file);
  }
  compiled = { values, types };
  return compiled;
};

const runtimeExports = Object.keys(api).sort();

describe('spec/ consistency with src/index.ts (conventions: spec/README.md)', () => {
  const scan = scanTables();

  it('the spec tables are well formed', () => {
    expect(scan.tables, 'no table with an export or type column found in spec/*.md').toBeGreaterThan(0);
    expect(scan.malformed, `malformed table entries:\n${scan.malformed.join('\n')}`).toEqual([]);
  });

  it('(a) every name in an `export` column is a runtime export of src/index.ts', () => {
    const exported = new Set(runtimeExports);
    const unknown = scan.named.filter((n) => n.kind === 'export' && !exported.has(n.name)).map((n) => `${n.where}: ${n.name}`);
    expect(unknown, `names in export columns that src/index.ts does not export:\n${unknown.join('\n')}`).toEqual([]);
  });

  it('(a) every name in a `type` column is an exported type of src/index.ts', () => {
    const { types } = compiledExports();
    const unknown = scan.named.filter((n) => n.kind === 'type' && !types.has(n.name)).map((n) => `${n.where}: ${n.name}`);
    expect(unknown, `names in type columns that src/index.ts does not export as types:\n${unknown.join('\n')}`).toEqual([]);
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
    const { values, types } = compiledExports();
    const wrong: string[] = [];
    for (const n of scan.named) {
      if (n.modules === undefined || n.modules.length === 0) continue; // an empty module cell is reported as malformed
      const file = (n.kind === 'export' ? values : types).get(n.name);
      if (file !== undefined && !n.modules.includes(file)) wrong.push(`${n.where}: ${n.name} is defined in ${file}, not in ${n.modules.join(', ')}`);
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
