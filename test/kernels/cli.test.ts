import { describe, expect, it } from 'vitest';
import { kernelsCommand } from '../../src/cli/commands/kernels.js';
import { plScanCommand } from '../../src/cli/commands/plScan.js';
import type { CliIo } from '../../src/cli/io.js';
import { backendAvailability } from '../../src/kernels/backend.js';

const run = (cmd: (args: ReadonlyArray<string>, io: CliIo) => number, ...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readText: () => new Error('no files in this test'),
    progress: false,
    writeText: () => undefined,
    status: () => undefined,
    now: () => 0,
  };
  const status = cmd(argv, io);
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
};

describe('parl kernels', () => {
  it('has help for every command', () => {
    for (const args of [['--help'], ['check', '--help'], ['backends', '--help']]) {
      const r = run(kernelsCommand, ...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: parl kernels/);
    }
    expect(run(kernelsCommand).status).toBe(2);
    expect(run(kernelsCommand, 'frob').stderr).toContain('unknown command "frob"');
  });

  it('check --backend webasm prints backend, kernel class, errors and tolerances and passes', () => {
    const r = run(kernelsCommand, 'check', '--backend', 'webasm', '--rows', '64');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/backend\s+kernel class\s+kernel\s+values\s+max abs\s+max rel\s+rtol\s+atol\s+worst\/allowed\s+pass/);
    expect(r.stdout).toContain('WebAssemblyKernel');
    expect(r.stdout).toContain('log-softmax (A=16)');
    expect(r.stdout).toContain('evaluation ∇J');
    expect(r.stdout).toContain('every kernel is within its float32 tolerance');
    expect(r.stdout).not.toContain('FAIL');
  });

  it('check --json reports every row; a named backend that cannot run exits 2 with the reason', () => {
    const j = run(kernelsCommand, 'check', '--backend', 'gpu-cpu', '--rows', '16', '--json');
    expect(j.status).toBe(0);
    const report = JSON.parse(j.stdout);
    expect(report.ok).toBe(true);
    expect(report.rows.every((row: { kernelClass: string }) => row.kernelClass === 'CPUKernel')).toBe(true);
    if (!backendAvailability('headlessgl').available) {
      const gl = run(kernelsCommand, 'check', '--backend', 'headlessgl');
      expect(gl.status).toBe(2);
      expect(gl.stderr).toContain('backend headlessgl is not available');
      expect(gl.stderr).toContain('npm install gl');
    }
    const bad = run(kernelsCommand, 'check', '--backend', 'cuda', '--seed=-1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown backend "cuda"');
    expect(bad.stderr).toContain('--seed must be an integer ≥ 0');
    expect(run(kernelsCommand, 'check', '--backend', 'js').stdout).toContain('js is the float64 reference itself');
  });

  it('backends lists availability and what auto picks', () => {
    const r = run(kernelsCommand, 'backends');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/webasm\s+yes\s+WebAssemblyKernel\s+float32/);
    expect(r.stdout).toContain('auto picks');
    expect(JSON.parse(run(kernelsCommand, 'backends', '--json').stdout).auto.evaluation).toBe('js');
  });
});

describe('parl pl-scan', () => {
  it('prints the families, the empirical constants and the verdict; exit 0', () => {
    const r = run(plScanCommand, '--samples', '300', '--S', '6', '--A', '3', '--lambda', '0');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('backend js (Float64Loop, float64, float64 loop)');
    expect(r.stdout).toMatch(/family\s+θ\s+gap min\s+gap max\s+min PL\s+median PL\s+min Łoj\s+Mei min ratio\s+Mei violations/);
    expect(r.stdout).toContain('empirical PL constant');
    expect(r.stdout).toContain("the paper's PL assumption fails");
    expect(r.stdout).toContain('holds on every sample');
  });

  it('runs on a named float32 backend and as JSON', () => {
    const r = run(plScanCommand, '--samples', '120', '--env', 'chain', '--backend', 'webasm', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.run).toMatchObject({ backend: 'webasm', kernelClass: 'WebAssemblyKernel', precision: 'float32' });
    expect(j.structure).toBe('fused');
    expect(j.families).toHaveLength(6);
    expect(j.J).toBeUndefined();
    expect(Number.isFinite(j.pl.min)).toBe(true);
  });

  it('rejects bad options with status 2 and a message', () => {
    const r = run(plScanCommand, '--lambda=-1', '--gamma', '1', '--env', 'moon', '--backend', 'tpu');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--lambda must be a finite number ≥ 0');
    expect(r.stderr).toContain('--gamma must be a number in [0, 1)');
    expect(r.stderr).toContain('--env must be garnet, gridworld, chain or forest');
    expect(r.stderr).toContain('unknown backend "tpu"');
    expect(run(plScanCommand, '--mdp', 'nope.json').stderr).toContain('cannot read nope.json');
    if (!backendAvailability('headlessgl').available) expect(run(plScanCommand, '--backend', 'headlessgl').status).toBe(2);
  });
});
