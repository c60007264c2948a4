/** `parl vectors check`: compare parl-ts with conformance vectors (VECTORS.md). */
import { solveReportJson } from '../../numerics/solveReport.js';
import { NU_SCORE_ROUTES, type NuScoreRoute } from '../../nuScore/routes.js';
import { checkVectorText, formatCaseResult, type CaseResult } from '../../vectors/check.js';
import { isVectorField, VECTOR_FIELDS, type VectorField } from '../../vectors/schema.js';
import type { CliIo } from '../io.js';
import { parseCommandArgs } from './options.js';
import { vectorsMakeCommand } from './vectorsMake.js';

export const VECTORS_HELP = `Usage: parl vectors <command> [options]

Commands:
  check [--fields f1,f2,…] [--route R] [--json] FILE…
                                            compare parl-ts with conformance vectors
  make --seed N --count K [--kinds LIST] --out DIR
                                            write conformance vectors from parl-ts's own code

Run "parl vectors check --help" or "parl vectors make --help" for details.`;

export const VECTORS_CHECK_HELP = `Usage: parl vectors check [--fields f1,f2,…] [--route closed|implicit|dense] [--json] FILE…

Load each conformance vector (schema: VECTORS.md), compute every expected field it holds
(or only those listed with --fields) with parl-ts's float64 code, and compare: a value x
matches the expected e when |x − e| ≤ abs + rel·|e| with the file's tolerance.
A field parl-ts cannot compute counts as a failure; a malformed file is reported by path
and field and counts as failed. Prints one line per case and "N passed, M failed";
exits 0 only when every case passes.

--route chooses how ψ and the ψ-dependent fields (gradG, gradGMyopic) are computed: the
closed form (default), the implicit function theorem by MINRES on Hessian-vector products
(implicit), or by a dense pseudo-inverse of the Hessian (dense). Every solve behind the
computed fields reports whether it can be vouched for; a case line names the first
unreliable solve, and --json lists every solve per case (quantity, route, converged,
relativeResidual, iterations, errorBound, condition, reliable). A flagged solve on a passing
case does not change the exit status; a failing case whose solves all claim to be reliable
is a bug in parl-ts.

Fields: ${VECTOR_FIELDS.join(', ')}

Options:
  --fields LIST   comma-separated subset of the fields above
  --route R       closed (default), implicit or dense
  --json          print the results as JSON
  -h, --help      show this help`;

const checkCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const { values, positionals } = parseCommandArgs({
    args: [...args],
    options: {
      fields: { type: 'string' },
      route: { type: 'string', default: 'closed' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(VECTORS_CHECK_HELP);
    return 0;
  }
  let only: VectorField[] | undefined;
  if (values.fields !== undefined) {
    const names = values.fields.split(',').map((f) => f.trim()).filter((f) => f !== '');
    const unknown = names.filter((f) => !isVectorField(f));
    if (unknown.length > 0 || names.length === 0) {
      io.err(`parl vectors check: unknown field(s) ${unknown.join(', ') || '(none given)'}; known: ${VECTOR_FIELDS.join(', ')}`);
      return 2;
    }
    only = names as VectorField[];
  }
  const route = values.route as NuScoreRoute;
  if (!NU_SCORE_ROUTES.includes(route)) {
    io.err(`parl vectors check: unknown route "${values.route}"; known: ${NU_SCORE_ROUTES.join(', ')}`);
    return 2;
  }
  if (positionals.length === 0) {
    io.err('parl vectors check: no FILE given (see --help)');
    return 2;
  }
  const results: CaseResult[] = positionals.map((path) => {
    const text = io.readText(path);
    if (text instanceof Error) {
      return { path, id: path, ok: false, fieldsChecked: [], failures: [], malformed: [{ field: '$', message: `cannot read file: ${text.message}` }] };
    }
    return checkVectorText(path, text, only, route);
  });
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (values.json) {
    const json = results.map((r) => ({ ...r, solves: (r.solves ?? []).map(solveReportJson) }));
    io.out(JSON.stringify({ route, passed, failed, results: json }, null, 2));
  } else {
    results.forEach((r) => io.out(formatCaseResult(r)));
    io.out(`${passed} passed, ${failed} failed`);
  }
  return failed === 0 ? 0 : 1;
};

export const vectorsCommand = (args: ReadonlyArray<string>, io: CliIo): number => {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(VECTORS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'check') return checkCommand(rest, io);
  if (sub === 'make') return vectorsMakeCommand(rest, io);
  io.err(`parl vectors: unknown command "${sub}"\n\n${VECTORS_HELP}`);
  return 2;
};
