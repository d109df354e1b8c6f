// What `docker build` would do with the Dockerfile, simulated on the local filesystem because no
// Docker engine runs here. The build context is what .dockerignore admits; each stage is a
// directory; COPY, WORKDIR, ENV, USER and ENTRYPOINT are carried out; of RUN, only the steps the
// Dockerfile uses are simulated: `npm run build` really runs (tsc in the stage directory), and
// `npm ci` links the packages the lock file lists from this checkout's node_modules (all of them,
// or, with --omit=dev, only those not marked dev) instead of downloading them. Any other RUN step
// fails the simulation, so a new one has to be taught here rather than silently skipped.
// Differences from a real image: the host's Node (20 here) instead of the image's Node 22, and
// packages linked, not copied.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cli.js';
import { DockerIgnore, execForm, parseCopy, readDockerfile, type Instruction, type Stage } from './deploy-dockerfile.js';

export interface StageResult {
  name: string;
  /** The stage's filesystem root. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
}

export interface SimulatedBuild {
  dir: string;
  stage(name: string): StageResult;
  /** Absolute host path of a path inside a stage's filesystem (relative ones from its WORKDIR). */
  pathIn(stage: StageResult, p: string): string;
  close(): Promise<void>;
}

const run = promisify(execFile);

function copyContext(from: string, to: string, ignore: DockerIgnore, relative = ''): void {
  for (const entry of readdirSync(path.join(from, relative), { withFileTypes: true })) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (ignore.mayIncludeBelow(rel)) copyContext(from, to, ignore, rel);
    } else if (ignore.includes(rel)) {
      mkdirSync(path.join(to, relative), { recursive: true });
      cpSync(path.join(from, rel), path.join(to, rel));
    }
  }
}

/** Top-level package directories of a lock file (`node_modules/<name>`, `node_modules/@scope/<name>`). */
export function lockPackages(lockFile: string, omitDev: boolean): string[] {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([key, meta]) => /^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(key) && !(omitDev && meta.dev))
    .map(([key]) => key.slice('node_modules/'.length));
}

function simulateNpmCi(cwd: string, command: string): void {
  const lockFile = path.join(cwd, 'package-lock.json');
  if (!existsSync(lockFile) || !existsSync(path.join(cwd, 'package.json'))) throw new Error(`${command}: package.json and package-lock.json must be copied first`);
  const target = path.join(cwd, 'node_modules');
  if (!/--omit=dev\b/.test(command)) {
    symlinkSync(path.join(repoRoot, 'node_modules'), target);
    return;
  }
  for (const name of lockPackages(lockFile, true)) {
    mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(target, name));
  }
}

async function simulateRun(command: string, cwd: string): Promise<void> {
  if (/^npm ci\b/.test(command)) return simulateNpmCi(cwd, command);
  if (command === 'npm run build') {
    await run('npm', ['run', 'build'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return;
  }
  throw new Error(`the build simulation does not know how to RUN ${command}`);
}

/**
 * Docker's COPY: a directory's contents go into dest; a file goes into dest when dest names a
 * directory (a trailing /, `.`, an existing directory, or several sources), else becomes dest.
 */
function copyInto(source: string, dest: string, destIsDirectory: boolean): void {
  if (lstatSync(source).isDirectory()) {
    cpSync(source, dest, { recursive: true, verbatimSymlinks: true });
    return;
  }
  const intoDirectory = destIsDirectory || (existsSync(dest) && lstatSync(dest).isDirectory());
  const target = intoDirectory ? path.join(dest, path.basename(source)) : dest;
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target);
}

class Simulation implements SimulatedBuild {
  private readonly stages = new Map<string, StageResult>();

  constructor(
    readonly dir: string,
    private readonly context: string,
  ) {}

  stage(name: string): StageResult {
    const stage = this.stages.get(name);
    if (!stage) throw new Error(`no simulated stage ${name}`);
    return stage;
  }

  pathIn(stage: StageResult, p: string): string {
    return path.join(stage.root, path.posix.resolve(stage.workdir, p));
  }

  async build(stage: Stage): Promise<void> {
    const parent = this.stages.get(stage.from);
    const root = path.join(this.dir, 'stages', stage.name);
    if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(root, { recursive: true });
    const result: StageResult = parent ? { ...parent, env: { ...parent.env }, name: stage.name, root } : { name: stage.name, root, workdir: '/', env: {} };
    for (const instruction of stage.instructions) await this.apply(result, instruction);
    this.stages.set(stage.name, result);
  }

  private async apply(stage: StageResult, instruction: Instruction): Promise<void> {
    switch (instruction.keyword) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, instruction.args);
        mkdirSync(this.pathIn(stage, '.'), { recursive: true });
        return;
      case 'ENV': {
        const [key = '', value = ''] = instruction.args.split('=');
        stage.env[key] = value;
        return;
      }
      case 'COPY': {
        const copy = parseCopy(instruction);
        const from = copy.from === undefined ? undefined : this.stage(copy.from);
        const destIsDirectory = copy.dest.endsWith('/') || copy.dest === '.' || copy.sources.length > 1;
        for (const source of copy.sources) copyInto(from ? path.join(from.root, source) : path.join(this.context, source), this.pathIn(stage, copy.dest), destIsDirectory);
        return;
      }
      case 'RUN':
        return simulateRun(instruction.args, this.pathIn(stage, '.'));
      case 'USER':
        stage.user = instruction.args;
        return;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(instruction);
        return;
      case 'EXPOSE':
      case 'ARG':
        return;
      default:
        throw new Error(`the build simulation does not know ${instruction.keyword}`);
    }
  }

  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** Build every stage of the Dockerfile into a temporary directory. */
export async function simulateBuild(): Promise<SimulatedBuild> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-image-'));
  const context = path.join(dir, 'context');
  copyContext(repoRoot, context, DockerIgnore.read());
  const simulation = new Simulation(dir, context);
  try {
    for (const stage of readDockerfile().stages) await simulation.build(stage);
  } catch (err) {
    await simulation.close();
    throw err;
  }
  return simulation;
}

/** Every path under dir with its size and mtime (symlinks not followed): a change shows a write. */
export function snapshot(dir: string, relative = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
    const rel = path.join(relative, entry.name);
    const full = path.join(dir, rel);
    if (entry.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(full)}`);
    else if (entry.isDirectory()) {
      out.set(rel, 'dir');
      for (const [k, v] of snapshot(dir, rel)) out.set(k, v);
    } else {
      const stat = lstatSync(full);
      out.set(rel, `${stat.size} ${stat.mtimeMs}`);
    }
  }
  return out;
}
