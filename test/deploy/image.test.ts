// The two images, built by simulating the Dockerfile (test/support/deploy-image.ts: no Docker
// engine here), then run the way the Deployments run them: the build compiles from the context
// alone, the runtime holds production dependencies only and they suffice, the echo server serves
// and drains with its Deployment's flags, and nothing writes into the image's files.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoProcess, httpGet, TestClient } from '../echo/support.js';
import { repoRoot } from '../support/cli.js';
import { yamlObjects, type Deployment } from '../support/deploy-kustomize.js';
import { lockPackages, simulateBuild, snapshot, type SimulatedBuild, type StageResult } from '../support/deploy-image.js';

const TARGETS = ['tcpshift', 'tcpshift-echo'] as const;

/** The echo container's args as the manifests give them, with free ports instead of 9000/8080. */
function echoDeploymentArgs(): string[] {
  const [deployment] = yamlObjects(readFileSync(path.join(repoRoot, 'manifests', 'echo', 'version', 'deployment.yaml'), 'utf8')) as Deployment[];
  const args = [...(deployment?.spec.template.spec.containers[0]?.args ?? [])];
  for (const flag of ['--port', '--health-port']) args[args.indexOf(flag) + 1] = '0';
  return args;
}

describe('images built by simulating the Dockerfile', () => {
  let build: SimulatedBuild;
  let home: string;
  let tmp: string;
  const before = new Map<string, Map<string, string>>();

  const start = (stage: StageResult, args: string[], env: Record<string, string> = {}): ChildProcess => {
    const [, ...nodeArgs] = stage.entrypoint ?? [];
    return spawn(process.execPath, [...nodeArgs, ...args], {
      cwd: build.pathIn(stage, '.'),
      env: { ...stage.env, PATH: process.env.PATH ?? '', HOME: home, TMPDIR: tmp, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  };
  const runToEnd = (stage: StageResult, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = start(stage, args);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    build = await simulateBuild();
    home = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-image-home-'));
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-image-tmp-'));
    for (const target of TARGETS) before.set(target, snapshot(build.stage(target).root));
  }, 180_000);

  afterAll(async () => {
    await build?.close();
    for (const dir of [home, tmp]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the build stage compiles both binaries from the .dockerignore context alone', () => {
    const built = readdirSync(build.pathIn(build.stage('build'), 'dist/cmd'));
    expect(built).toEqual(expect.arrayContaining(['tcpshift.js', 'tcpshift-echo.js']));
  });

  it.each(TARGETS)('%s: node_modules holds exactly the lock file\'s production packages (no typescript, vitest, eslint)', (target) => {
    const stage = build.stage(target);
    const modules = build.pathIn(stage, 'node_modules');
    const names = readdirSync(modules).flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : [n]));
    expect(names.sort()).toEqual(lockPackages(path.join(repoRoot, 'package-lock.json'), true).sort());
    for (const dev of ['typescript', 'vitest', 'eslint', 'fast-check']) expect(names).not.toContain(dev);
  });

  it('tcpshift: the whole CLI loads with production dependencies only (--help), and render works from the image files', async () => {
    const stage = build.stage('tcpshift');
    const help = await runToEnd(stage, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/render/);
    const sample = path.join(repoRoot, 'manifests', 'samples', 'tcpshift-echo.yaml');
    const render = await runToEnd(stage, ['render', '-f', sample, '--weight', '25', '-o', 'json']);
    expect(render.code, render.stderr).toBe(0);
    const list = JSON.parse(render.stdout) as { items: Array<{ kind: string }> };
    expect(list.items.map((i) => i.kind)).toEqual(['Gateway', 'DestinationRule', 'VirtualService']);
  });

  it('tcpshift-echo with its Deployment\'s flags and downward-API env: ready, answers as its version, drains and exits 0 on SIGTERM', async () => {
    const stage = build.stage('tcpshift-echo');
    const proc = new EchoProcess(start(stage, echoDeploymentArgs(), { VERSION: 'v2', POD_NAME: 'echo-v2-7d9f' }));
    try {
      const listening = await proc.waitForRecord((r) => r.msg === 'listening');
      const [port] = listening.ports as number[];
      const healthPort = listening.healthPort as number;
      expect((await httpGet(healthPort, '/readyz')).status).toBe(200);
      const client = await TestClient.connect(port!);
      await client.waitForText((t) => t.includes('\n\n'));
      expect(client.text).toContain('Version: v2 (echo-v2-7d9f)');
      client.write('hello\n');
      await client.waitForText((t) => t.endsWith('hello\n'));
      client.destroy();
      await client.ended;
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toEqual({ code: 0, signal: null });
    } finally {
      proc.kill();
    }
  });

  it('neither binary wrote inside the image (so a read-only root filesystem is enough) nor in HOME', () => {
    for (const target of TARGETS) expect(snapshot(build.stage(target).root), target).toEqual(before.get(target));
    expect(readdirSync(home)).toEqual([]);
  });
});
