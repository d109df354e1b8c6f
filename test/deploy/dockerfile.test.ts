// Static checks of the Dockerfile and .dockerignore (no Docker engine here): multi-stage on Node
// 22, a distroless non-root runtime with production dependencies only, one target per binary,
// and a build context holding exactly what the Dockerfile copies.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import {
  DockerIgnore,
  baseImage,
  execForm,
  instructionsOf,
  parseCopy,
  parseDockerfile,
  readDockerfile,
  stageChain,
  stageNamed,
  type Stage,
} from '../support/deploy-dockerfile.js';

interface PackageJson {
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
// kubectl-tcpshift is the tcpshift binary under the name kubectl's plugin lookup wants: it runs
// on an operator's machine, never in a container, so it has no image target.
const TARGETS = Object.keys(pkg.bin)
  .filter((name) => !name.startsWith('kubectl-'))
  .sort();
const dockerfile = readDockerfile();
const NODE_22_IMAGE = /^(node:22[.-]|gcr\.io\/distroless\/nodejs22-)/;

const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const npmCi = (stage: Stage): string | undefined => runs(stage).find((r) => /\bnpm ci\b/.test(r));

/** The stage each `COPY --from` of a target's chain copies node_modules from. */
function nodeModulesSources(target: string): string[] {
  return instructionsOf(stageChain(dockerfile, target), 'COPY')
    .map(parseCopy)
    .filter((c) => c.sources.some((s) => s.endsWith('node_modules')))
    .map((c) => c.from ?? '(context)');
}

describe('Dockerfile', () => {
  it('has one target per binary of package.json (tcpshift, tcpshift-echo) and several stages', () => {
    for (const target of TARGETS) expect(stageNamed(dockerfile, target)).toBeDefined();
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(4);
  });

  it('every external base image is Node 22 LTS, with an explicit tag that is not latest', () => {
    const external = dockerfile.stages.filter((s) => !dockerfile.stages.some((t) => t.name === s.from));
    expect(external.length).toBeGreaterThanOrEqual(2);
    for (const stage of external) {
      expect(stage.from, stage.name).toMatch(NODE_22_IMAGE);
      expect(stage.from, stage.name).toMatch(/:[\w.-]+$/);
      expect(stage.from, stage.name).not.toMatch(/:latest$/);
    }
  });

  it('a build stage installs with `npm ci` from the lock file and compiles with `npm run build`', () => {
    const build = dockerfile.stages.find((s) => runs(s).some((r) => r.includes('npm run build')));
    expect(build, 'a stage running npm run build').toBeDefined();
    const copies = build!.instructions.map((i) => (i.keyword === 'COPY' ? parseCopy(i).sources.join(' ') : i.keyword === 'RUN' ? i.args : ''));
    const lockAt = copies.findIndex((c) => c.includes('package-lock.json'));
    const ciAt = copies.findIndex((c) => /\bnpm ci\b/.test(c));
    expect(lockAt).toBeGreaterThanOrEqual(0);
    expect(ciAt).toBeGreaterThan(lockAt);
    expect(copies.findIndex((c) => c.includes('npm run build'))).toBeGreaterThan(ciAt);
    expect(pkg.scripts.build).toMatch(/^tsc\b/);
  });

  it.each(TARGETS)('%s: runs on distroless Node 22 (no shell, no npm) as a numeric non-root USER', (target) => {
    expect(baseImage(dockerfile, target)).toMatch(/^gcr\.io\/distroless\/nodejs22-debian\d+:nonroot$/);
    const user = instructionsOf(stageChain(dockerfile, target), 'USER').at(-1)?.args ?? '';
    // Numeric, so the kubelet can verify runAsNonRoot without knowing the image's /etc/passwd.
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });

  it.each(TARGETS)('%s: production dependencies only, from a stage that ran `npm ci --omit=dev`', (target) => {
    const chain = stageChain(dockerfile, target);
    expect(instructionsOf(chain, 'RUN'), 'no RUN in the runtime (nothing to run it with)').toEqual([]);
    const sources = nodeModulesSources(target);
    expect(sources).toHaveLength(1);
    const ci = npmCi(stageNamed(dockerfile, sources[0]!)) ?? '';
    expect(ci).toMatch(/--omit=dev\b/);
    expect(ci, 'prepare builds: scripts must not run without the sources').toMatch(/--ignore-scripts\b/);
  });

  it.each(TARGETS)('%s: holds exactly the files package.json ships ("files") plus package.json and node_modules', (target) => {
    const copies = instructionsOf(stageChain(dockerfile, target), 'COPY').map(parseCopy);
    const shipped = copies.flatMap((c) => c.sources.map((s) => (c.from ? s.replace(/^\/src\//, '') : s)));
    expect(shipped.filter((s) => s !== 'node_modules').sort()).toEqual([...pkg.files, 'package.json'].sort());
  });

  it.each(TARGETS)('%s: ENTRYPOINT is exec form (signals reach node as PID 1) running the package bin', (target) => {
    const entrypoint = execForm(instructionsOf(stageChain(dockerfile, target), 'ENTRYPOINT').at(-1));
    expect(entrypoint?.[0]).toBe('/nodejs/bin/node');
    expect(entrypoint?.at(-1)).toBe(pkg.bin[target]);
  });

  it('the parser reads what it is given (a shell-form entrypoint, a root user and a devDependency install are seen)', () => {
    const bad = parseDockerfile('ARG V=22\nFROM node:${V}-slim AS a\nRUN npm ci\nFROM a AS t\nUSER root\nENTRYPOINT node x.js\n');
    expect(baseImage(bad, 't')).toBe('node:22-slim');
    expect(instructionsOf(stageChain(bad, 't'), 'USER').at(-1)?.args).toBe('root');
    expect(execForm(instructionsOf(stageChain(bad, 't'), 'ENTRYPOINT')[0])).toBeUndefined();
    expect(npmCi(stageNamed(bad, 'a'))).not.toMatch(/--omit=dev/);
  });
});

describe('.dockerignore', () => {
  const ignore = DockerIgnore.read();

  it('sends every file the Dockerfile copies from the context', () => {
    const fromContext = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy).filter((c) => !c.from));
    for (const source of fromContext.flatMap((c) => c.sources)) {
      expect(existsSync(path.join(repoRoot, source)), source).toBe(true);
      expect(ignore.includes(source), source).toBe(true);
    }
    for (const file of ['src/echo/server.ts', 'cmd/tcpshift.ts', 'manifests/crd/tcpshift.io_tcpshifts.yaml', 'schemas/istio-crds.yaml']) expect(ignore.includes(file), file).toBe(true);
  });

  it('keeps out everything else: tests, benchmarks, docs, other manifests, local builds and dependencies, git', () => {
    for (const file of ['test/deploy/dockerfile.test.ts', 'bench/run.ts', 'docs/architecture.md', 'README.md', 'manifests/controller/rbac.yaml', 'kustomize/base/kustomization.yaml', 'node_modules/yaml/package.json', 'dist/cmd/tcpshift.js', '.git/HEAD', 'skaffold.yaml', 'Dockerfile']) {
      expect(ignore.includes(file), file).toBe(false);
    }
  });

  it('the matcher follows Docker: last match wins, a parent match covers its children, ** spans directories', () => {
    const sample = new DockerIgnore('*\n!keep\n!a/**/b.txt\nkeep/secret*\n');
    expect(sample.includes('keep/x')).toBe(true);
    expect(sample.includes('keep/secret.key')).toBe(false);
    expect(sample.includes('a/x/y/b.txt')).toBe(true);
    expect(sample.includes('a/x/c.txt')).toBe(false);
    expect(sample.includes('other')).toBe(false);
    expect(sample.mayIncludeBelow('a')).toBe(true);
    expect(sample.mayIncludeBelow('other')).toBe(false);
  });
});
