import { describe, expect, it } from 'vitest';
import { runParl } from '../support/cli.js';

describe('parl CLI', () => {
  it('has --help for every command', () => {
    for (const args of [['--help'], ['verify', '--help'], ['vectors', '--help'], ['vectors', 'check', '--help']]) {
      const run = runParl(...args);
      expect(run.status, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/Usage: parl/);
    }
  });

  it('rejects unknown commands and options with status 2 and a message', () => {
    const a = runParl('frobnicate');
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('unknown command "frobnicate"');
    const b = runParl('verify', '--sed', '3');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--sed/);
    const c = runParl('verify', '--cases=-4', '--seed', 'x');
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('--cases must be an integer ≥ 1, got "-4"');
    expect(c.stderr).toContain('--seed must be an integer ≥ 0, got "x"');
  });

  it('parl verify passes on generated cases and is deterministic in its seed', () => {
    const a = runParl('verify', '--seed', '5', '--cases', '40', '--json');
    const b = runParl('verify', '--seed', '5', '--cases', '40', '--json');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout);
    expect(report.ok).toBe(true);
    expect(report.rows.length).toBeGreaterThanOrEqual(9);
    for (const row of report.rows) {
      expect(row.pass, row.identity).toBe(true);
      expect(row.worstError).toBeLessThanOrEqual(row.tolerance);
    }
    const table = runParl('verify', '--seed', '5', '--cases', '10');
    expect(table.stdout).toMatch(/identity\s+cases\s+worst error\s+tolerance\s+pass/);
    expect(table.stdout).toContain('all identities hold');
  });
});
