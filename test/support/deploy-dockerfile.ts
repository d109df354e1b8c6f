// A small reader of the project's Dockerfile and .dockerignore, for the checks a linter (hadolint)
// and `docker build` would make; no Docker engine runs on these machines. It understands what the
// Dockerfile uses: global ARGs substituted into FROM, stages, exec-form ENTRYPOINT, COPY with
// --from, and .dockerignore patterns with `!` exceptions (last match wins, a pattern matching a
// parent directory matches everything below it, as in Docker).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.js';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The FROM reference after ARG substitution: an image, or the name of an earlier stage. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export interface CopyInstruction {
  from?: string;
  sources: string[];
  dest: string;
}

/** Logical lines: comments and blank lines dropped, backslash continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (!pending && (raw.trim() === '' || raw.trim().startsWith('#'))) continue;
    if (raw.endsWith('\\')) {
      pending += raw.slice(0, -1) + ' ';
      continue;
    }
    lines.push((pending + raw).trim());
    pending = '';
  }
  return lines;
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => args[braced ?? bare ?? ''] ?? whole);
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/).filter((t) => !t.startsWith('--'));
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), from: substitute(image, globalArgs), instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key = '', value = ''] = instruction.args.split('=');
      globalArgs[key] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function readDockerfile(): Dockerfile {
  return parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
}

export function stageNamed(dockerfile: Dockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}; stages: ${dockerfile.stages.map((s) => s.name).join(', ')}`);
  return stage;
}

/** The stage and the stages it is built FROM, nearest first, ending at the one FROM an image. */
export function stageChain(dockerfile: Dockerfile, target: string): Stage[] {
  const chain: Stage[] = [];
  for (let stage: Stage | undefined = stageNamed(dockerfile, target); stage; stage = dockerfile.stages.find((s) => s.name === stage?.from)) chain.push(stage);
  return chain;
}

/** The external image a target is finally based on. */
export function baseImage(dockerfile: Dockerfile, target: string): string {
  return stageChain(dockerfile, target).at(-1)?.from ?? '';
}

export function instructionsOf(chain: readonly Stage[], keyword: string): Instruction[] {
  return [...chain].reverse().flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
}

export function parseCopy(instruction: Instruction): CopyInstruction {
  const tokens = instruction.args.split(/\s+/);
  const from = tokens.find((t) => t.startsWith('--from='))?.slice('--from='.length);
  const paths = tokens.filter((t) => !t.startsWith('--'));
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

/** The JSON array of an exec-form ENTRYPOINT/CMD, or undefined for shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction?.args.startsWith('[')) return undefined;
  return JSON.parse(instruction.args) as string[];
}

interface IgnorePattern {
  exception: boolean;
  glob: string;
  regex: RegExp;
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The context filter a .dockerignore defines: `includes(relativePath)` for files and directories. */
export class DockerIgnore {
  private readonly patterns: IgnorePattern[];

  constructor(text: string) {
    this.patterns = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const exception = l.startsWith('!');
        const glob = path.posix.normalize((exception ? l.slice(1) : l).replace(/^\/+/, ''));
        return { exception, glob, regex: globToRegex(glob) };
      });
  }

  static read(): DockerIgnore {
    return new DockerIgnore(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'));
  }

  /** Is this path (relative, with /) sent to the builder? */
  includes(relativePath: string): boolean {
    const prefixes = relativePath.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let included = true;
    for (const pattern of this.patterns) {
      if (prefixes.some((p) => pattern.regex.test(p))) included = pattern.exception;
    }
    return included;
  }

  /** Could anything below this directory be sent (itself included, or an exception below it)? */
  mayIncludeBelow(relativeDir: string): boolean {
    return this.includes(relativeDir) || this.patterns.some((p) => p.exception && p.glob.startsWith(`${relativeDir}/`));
  }
}
