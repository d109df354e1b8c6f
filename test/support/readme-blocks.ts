// The README's code blocks as the README test reads them: each fenced block with its info string,
// its line, the shell commands a user is told to type, and the mark on the line before it
// (`<!-- readme-test: run -->` or `<!-- readme-test: skip REASON -->`, HTML comments GitHub does
// not show). A shell block (sh, bash, shell, or console with `$ ` prompts) must carry one.

export type ReadmeMark = { run: true } | { run: false; reason: string };

export interface ReadmeCommand {
  /** 1-based line of the command's first line in the README. */
  line: number;
  /** The command as printed (continuation lines joined with their backslash-newline kept). */
  text: string;
}

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  info: string;
  mark: ReadmeMark | undefined;
  /** A malformed mark (e.g. `skip` without a reason), kept to report it. */
  badMark?: string;
  commands: ReadmeCommand[];
}

const FENCE = /^\s*(`{3,})\s*([^\s`]*)/;
const MARK = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;
const SHELL_INFOS = new Set(['sh', 'bash', 'shell']);

/** Every fenced block of the Markdown text, in order. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const close = lines.findIndex((l, j) => j > i && l.trim().startsWith(open[1]!) && l.trim().replaceAll('`', '') === '');
    const end = close === -1 ? lines.length : close;
    const info = open[2] ?? '';
    const body = lines.slice(i + 1, end);
    blocks.push({ line: i + 1, info, ...markBefore(lines, i), commands: commandsOf(info, body, i + 2) });
    i = end;
  }
  return blocks;
}

/** Whether the block shows commands a user runs, so it must be marked run or skip. */
export function isShellBlock(block: ReadmeBlock): boolean {
  return SHELL_INFOS.has(block.info) || (block.info === 'console' && block.commands.length > 0);
}

function markBefore(lines: string[], fence: number): { mark: ReadmeMark | undefined; badMark?: string } {
  const found = MARK.exec((lines[fence - 1] ?? '').trim());
  if (!found) return { mark: undefined };
  const words = found[1]!;
  if (words === 'run') return { mark: { run: true } };
  const skip = /^skip\s+(\S.*)$/.exec(words);
  if (skip) return { mark: { run: false, reason: skip[1]! } };
  return { mark: undefined, badMark: words };
}

/** Shell blocks: every non-comment line (backslash continuations joined); console blocks: the `$ ` lines. */
function commandsOf(info: string, body: string[], firstLine: number): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let pending: ReadmeCommand | undefined;
  body.forEach((raw, k) => {
    const text = info === 'console' ? consoleCommand(raw) : raw.replace(/^\s+/, '');
    if (pending) pending.text += `\n${raw}`;
    else if (text !== undefined && text !== '' && !text.startsWith('#')) pending = { line: firstLine + k, text };
    if (pending && !raw.endsWith('\\')) {
      commands.push(pending);
      pending = undefined;
    }
  });
  if (pending) commands.push(pending);
  return commands;
}

function consoleCommand(line: string): string | undefined {
  return line.startsWith('$ ') ? line.slice(2) : undefined;
}
