/**
 * `npm run bench:json`: one JSON document on stdout (progress on stderr) with our medians and the
 * numpy peer's, measured one after the other in this run, their ratios, the A-PARL step, and the
 * fitted growth exponents (bench/jsonBench.ts; the workloads are bench/workloads.ts).
 *
 *   npm run -s bench:json > bench.json     (-s: npm itself prints a banner on stdout otherwise)
 *   node dist/bench/json.bench.js > bench.json   (after npm run build)
 *
 * The peer inherits the environment: OPENBLAS_NUM_THREADS=1 pins its BLAS to one thread (the
 * machine block records the setting and the load average); PARL_NUMPY_PEER and PARL_PYTHON
 * point at another peer script or interpreter.
 */
import { runJsonBench } from './jsonBench.js';

const doc = runJsonBench(undefined, { log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
