/**
 * CLI conventions: --version, exit statuses in --help, negative numbers as values, work limits
 * (refused fast with the estimate and the flag), progress on stderr, --jsonl, λ = 0 explained.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { joinNegativeValues } from '../../src/cli/commands/options.js';
import { limitRefusal, MEMORY_LIMIT_BYTES, WORK_LIMIT_SECONDS } from '../../src/cli/limits.js';
import { formatDuration, makeProgress, PLAIN_EVERY_MS, PROGRESS_AFTER_MS } from '../../src/cli/progress.js';
import { runParl, runParlAsync } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('parl --version and --help', () => {
  it('--version prints package.json\'s version, exit 0', () => {
    const r = runParl('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(pkg.version);
    expect(r.stderr).toBe('');
  });

  it('--help documents the exit statuses, the work limits, progress and negative values', () => {
    const r = runParl('--help');
    expect(r.status).toBe(0);
    for (const line of [/^ {2}0 {2}ok/m, /^ {2}1 {2}a check found a mismatch: verify, vectors check, kernels check/m, /^ {2}2 {2}bad usage or invalid input/m, /^ {2}3 {2}a numerical solve that the output depends on was unreliable/m]) {
      expect(r.stdout).toMatch(line);
    }
    expect(r.stdout).toContain('--allow-large');
    expect(r.stdout).toContain('--quiet');
    expect(r.stdout).toContain('--jsonl');
    expect(r.stdout).toContain('--lambda -1 and --lambda=-1 are the same');
    expect(r.stdout).toContain('--version');
  });

  it('an unknown option before the command is reported as an option, exit 2', () => {
    const r = runParl('--frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option "--frobnicate"');
  });
});

describe('negative numbers are values', () => {
  it('joinNegativeValues joins a string option with a following negative number, and nothing else', () => {
    const options = { lambda: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string', short: 's' } } as const;
    expect(joinNegativeValues(['--lambda', '-1', '--json'], options)).toEqual(['--lambda=-1', '--json']);
    expect(joinNegativeValues(['--lambda', '-.5e-3'], options)).toEqual(['--lambda=-.5e-3']);
    expect(joinNegativeValues(['--lambda', '-Infinity'], options)).toEqual(['--lambda=-Infinity']);
    expect(joinNegativeValues(['-s', '-2'], options)).toEqual(['-s-2']);
    // a boolean option, an option-looking value and arguments after -- are left alone
    expect(joinNegativeValues(['--json', '-1'], options)).toEqual(['--json', '-1']);
    expect(joinNegativeValues(['--lambda', '--json'], options)).toEqual(['--lambda', '--json']);
    expect(joinNegativeValues(['--', '--lambda', '-1'], options)).toEqual(['--', '--lambda', '-1']);
    expect(joinNegativeValues(['--lambda=-1'], options)).toEqual(['--lambda=-1']);
  });

  it('--lambda -1 and --lambda=-1 give the same range error naming lambda, exit 2 (aparl, pl-scan, hypergradients, bandit)', async () => {
    for (const cmd of ['aparl', 'pl-scan', 'hypergradients', 'bandit']) {
      const spaced = await runParlAsync(cmd, '--lambda', '-1');
      const joined = await runParlAsync(cmd, '--lambda=-1');
      expect(spaced.status, cmd).toBe(2);
      expect(spaced.stderr, cmd).toBe(joined.stderr);
      expect(spaced.stderr, cmd).toMatch(new RegExp(`^parl ${cmd}: --lambda`));
      expect(spaced.stderr, cmd).not.toMatch(/ambiguous/);
      expect(spaced.stdout, cmd).toBe('');
    }
  });

  it('a negative value where one is valid is accepted: bandit --gap -1 equals --gap=-1', () => {
    const spaced = runParl('bandit', '--gap', '-1', '--json');
    const joined = runParl('bandit', '--gap=-1', '--json');
    expect(spaced.status, spaced.stderr).toBe(0);
    expect(spaced.stdout).toBe(joined.stdout);
    expect(JSON.parse(spaced.stdout).params.trueGap).toBe(-1);
  });
});

describe('work limits', () => {
  it('limitRefusal: within the limits nothing; beyond either limit the estimate, the limit and the flag; --allow-large lifts it', () => {
    expect(limitRefusal({ seconds: WORK_LIMIT_SECONDS, bytes: MEMORY_LIMIT_BYTES, basis: 'b' }, false)).toBeUndefined();
    const slow = limitRefusal({ seconds: 7200, bytes: 1, basis: 'T = 100 steps × 72 s' }, false);
    expect(slow).toBe('this job is estimated at ~2 h 00 min of work (limit 10 min): T = 100 steps × 72 s; not started. Pass --allow-large to run it anyway');
    const big = limitRefusal({ seconds: 1, bytes: 3e12, basis: 'x' }, false);
    expect(big).toBe('this job is estimated at ~3 TB of memory (limit 2 GB): x; not started. Pass --allow-large to run it anyway');
    expect(limitRefusal({ seconds: 7200, bytes: 3e12, basis: 'x' }, true)).toBeUndefined();
    // a NaN estimate is refused, not waved through
    expect(limitRefusal({ seconds: NaN, bytes: 0, basis: 'x' }, false)).toContain('Pass --allow-large');
  });

  const huge: ReadonlyArray<ReadonlyArray<string>> = [
    ['aparl', '--T', '1e9'],
    ['aparl', '--K', '1000000000'],
    ['aparl', '--mode', 'sampled', '--N', '1e9'],
    ['verify', '--cases', '1e9'],
    ['pl-scan', '--samples', '1e9'],
    ['pl-scan', '--S', '2000'],
    ['pl-scan', '--S', '1e6', '--A', '1e6'],
    ['kernels', 'check', '--rows', '1e9'],
  ];
  it.each(huge.map((a) => [a.join(' '), a] as const))('parl %s: exit 2 within a second, the estimate and --allow-large on stderr, no stack trace', (_, args) => {
    const t0 = performance.now();
    const r = runParl(...args);
    // the refusal comes before any work: well under the one second even on a loaded machine
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^parl [a-z -]+: this job is estimated at ~.* of (work|memory) \(limit .*\): .*; not started\. Pass --allow-large to run it anyway$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('parl run: a job beyond the limits is refused with the estimate (exit 2) and writes nothing', async () => {
    for (const args of [['run', 'all', '--full', '--seeds', '1000'], ['run', 'rlhf', '--seeds', '1e9']]) {
      const t0 = performance.now();
      const r = await runParlAsync(...args, '--out', '/nonexistent/never-written');
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^parl run: this job is estimated at ~.*; not started\. Pass --allow-large to run it anyway$/);
    }
  });

  it('counts still reject what is not a count: verify --cases 1.5, pl-scan --samples 0', () => {
    expect(runParl('verify', '--cases', '1.5').stderr).toBe('parl verify: --cases must be an integer ≥ 1, got "1.5"');
    expect(runParl('pl-scan', '--samples', '0').stderr).toBe('parl pl-scan: --samples must be an integer ≥ 1, got "0"');
  });
});

/** A CliIo with a settable clock that records stderr lines and status-line writes. */
const fakeIo = (tty: boolean): { io: CliIo; err: string[]; status: string[]; setNow: (ms: number) => void } => {
  let now = 0;
  const err: string[] = [];
  const status: string[] = [];
  const io: CliIo = {
    out: () => undefined,
    err: (l) => err.push(l),
    readText: () => new Error('no files'),
    progress: tty,
    writeText: () => undefined,
    status: (t) => status.push(t),
    now: () => now,
  };
  return { io, err, status, setNow: (ms) => { now = ms; } };
};

describe('progress on stderr', () => {
  it('silent for the first 2 s, then plain lines at most every 5 s with the ETA; a closing line', () => {
    const f = fakeIo(false);
    const p = makeProgress(f.io, 'parl verify', false);
    f.setNow(PROGRESS_AFTER_MS - 1);
    p.tick(10, 100);
    expect(f.err).toEqual([]);
    f.setNow(PROGRESS_AFTER_MS);
    p.tick(20, 100, 'cases');
    // 20 of 100 after 2 s: 80 more at the same rate take 8 s
    expect(f.err).toEqual(['parl verify: cases 20/100 (20%), 2 s elapsed, ETA 8 s']);
    f.setNow(PROGRESS_AFTER_MS + PLAIN_EVERY_MS - 1);
    p.tick(50, 100, 'cases');
    expect(f.err.length).toBe(1);
    f.setNow(PROGRESS_AFTER_MS + PLAIN_EVERY_MS);
    p.tick(70, 100, 'cases');
    // 70 after 7 s: 30 more take 3 s
    expect(f.err[1]).toBe('parl verify: cases 70/100 (70%), 7 s elapsed, ETA 3 s');
    f.setNow(10_000);
    p.end();
    expect(f.err[2]).toBe('parl verify: finished in 10 s');
    expect(f.status).toEqual([]);
  });

  it('on a terminal: a bar with the ETA on the status line, cleared at the end; nothing on stderr lines', () => {
    const f = fakeIo(true);
    const p = makeProgress(f.io, 'parl run rlhf', false);
    f.setNow(3000);
    p.tick(1, 4);
    expect(f.status).toEqual(['parl run rlhf [######..................] 1/4  3 s elapsed, ETA 9 s']);
    p.end();
    expect(f.status[1]).toBe('');
    expect(f.err).toEqual([]);
  });

  it('--quiet: nothing at all; a job shorter than 2 s: nothing either', () => {
    for (const [quiet, last] of [[true, 60_000], [false, PROGRESS_AFTER_MS - 1]] as const) {
      for (const tty of [false, true]) {
        const f = fakeIo(tty);
        const p = makeProgress(f.io, 'x', quiet);
        f.setNow(last);
        p.tick(1, 2);
        p.end();
        expect(f.err).toEqual([]);
        expect(f.status).toEqual([]);
      }
    }
  });

  it('formatDuration reads as a person would say it', () => {
    expect([0.4, 59, 60, 61, 3599, 3600, 7260, 86400 * 3, 86400 * 365 * 50].map(formatDuration)).toEqual(
      ['0 s', '59 s', '1 min', '1 min 01 s', '59 min 59 s', '1 h 00 min', '2 h 01 min', '3 days', '50 years'],
    );
  });
});

describe('--jsonl and λ = 0', () => {
  it('aparl --jsonl: a config line, one record line per outer step as it finishes, a summary line', async () => {
    const r = await runParlAsync('aparl', '--T', '3', '--jsonl');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as { type: string; t?: number });
    expect(lines.map((l) => l.type)).toEqual(['config', 'record', 'record', 'record', 'summary']);
    expect(lines.slice(1, 4).map((l) => l.t)).toEqual([0, 1, 2]);
  });

  it('pl-scan --jsonl: one line per θ family, then a summary', () => {
    const r = runParl('pl-scan', '--samples', '60', '--jsonl');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as { type: string; samples: number });
    expect(lines.map((l) => l.type)).toEqual(['family', 'family', 'family', 'family', 'family', 'family', 'summary']);
    expect(lines.slice(0, 6).reduce((a, l) => a + l.samples, 0)).toBe(60);
  });

  it('run --jsonl: one line per experiment as it finishes, then the report', async () => {
    const out = `${process.env.TMPDIR ?? '/tmp'}/parl-jsonl-${process.pid}`;
    const r = await runParlAsync('run', 'lambda', '--jsonl', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => JSON.parse(l) as { type: string; name?: string; report?: string });
    expect(lines.map((l) => l.type)).toEqual(['experiment', 'report']);
    expect(lines[0].name).toBe('lambda');
    expect(lines[1].report).toBe(`${out}/index.html`);
  });

  it('--json and --jsonl together are a usage error', async () => {
    expect((await runParlAsync('aparl', '--json', '--jsonl')).status).toBe(2);
    expect(runParl('pl-scan', '--json', '--jsonl').status).toBe(2);
  });

  it('aparl at λ = 0 in exact mode says up front why the ν-score vanishes and prints n/a, not NaN', async () => {
    const r = await runParlAsync('aparl', '--lambda', '0', '--T', '2');
    // the step's ψ solve at θ^K does not converge at λ = 0 (named on stderr): exit 3
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n')[1]).toMatch(/^parl aparl: 2 of 4 numerical solves behind these records were unreliable \(first: psi·w/);
    expect(r.stderr.split('\n')[0]).toMatch(/^parl aparl: λ = 0: .*the ν-score term of ∇G vanishes at the optimum .*proofs\/nu-score-vanishes\.md/);
    expect(r.stdout).not.toMatch(/NaN/);
    const rows = r.stdout.split('\n').filter((l) => /^\d+ {2}/.test(l));
    expect(rows.length).toBe(2);
    for (const row of rows) expect(row.split(/\s{2,}/)[3]).toBe('n/a');
  });
});

describe('nothing is clamped behind the user', () => {
  it('pl-scan --branching above S is refused (exit 2, naming branching); the default 3 is capped at S', () => {
    const r = runParl('pl-scan', '--S', '2', '--branching', '5');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('branching: must be in 1..S = 1..2, got 5');
    const d = runParl('pl-scan', '--S', '2', '--samples', '10', '--quiet');
    expect(d.status, d.stderr).toBe(0);
  });
});

describe('a value that is not a number is reported as typed', () => {
  it('aparl --lambda=abc, --T 1e400, --beta Infinity: exit 2 quoting the text', () => {
    for (const [flag, text] of [['--lambda', 'abc'], ['--T', '1e400'], ['--beta', 'Infinity']] as const) {
      const r = runParl('aparl', `${flag}=${text}`);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${flag}: expected a finite decimal number, got "${text}"`);
    }
  });
});

describe('an option given twice', () => {
  it('is a usage error (exit 2) naming it, not the last value silently', () => {
    const r = runParl('aparl', '--T', '3', '--T', '5');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('option --T is given more than once');
  });
});

describe('numbers are decimal', () => {
  it('hex or binary literals are refused (exit 2), exponents accepted', async () => {
    expect(runParl('aparl', '--T', '0x3').status).toBe(2);
    expect((await runParlAsync('run', 'all', '--seeds', '0x10')).status).toBe(2);
    expect(runParl('pl-scan', '--gamma', '0b1').status).toBe(2);
    const r = runParl('aparl', '--T', '2e0', '--quiet');
    expect([0, 3]).toContain(r.status);
  });
});

describe('parl without a command', () => {
  it('is a usage error: exit 2, the help on stderr, nothing on stdout', () => {
    const r = runParl();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('parl: a command is needed');
    expect(r.stderr).toMatch(/Usage: parl/);
  });
});
