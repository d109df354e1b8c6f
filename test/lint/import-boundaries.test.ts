import { ESLint } from 'eslint';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import tcpshift from '../../eslint/import-boundaries.js';
import { repoRoot } from '../support/cli.js';

// The dependency rule of DESIGN section 2 must fail lint when broken: lint virtual files placed
// in the tree with the rule alone (type-aware parsing needs files on disk), and check that the
// project's own config turns the rule on.
async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { tcpshift },
        rules: { 'tcpshift/import-boundaries': 'error' },
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return messages.map((m) => m.message);
}

describe('import-boundaries lint rule', () => {
  it.each(['src/probe/pool.ts', 'cmd/tcpshift.ts', 'src/cli/program.ts'])('is an error in the project config for %s', async (file) => {
    const config = (await new ESLint({ cwd: repoRoot }).calculateConfigForFile(path.join(repoRoot, file))) as {
      rules: Record<string, unknown>;
    };
    expect(config.rules['tcpshift/import-boundaries']).toEqual([2]);
  });

  it.each([
    ['src/probe/x.ts', "import { a } from '../kube/client.js';\nexport const b = a;\n", /src\/probe may not import src\/kube/],
    ['src/echo/x.ts', "import { a } from '../kube/client.js';\nexport const b = a;\n", /src\/echo may not import src\/kube/],
    ['src/spec/x.ts', "import { a } from '../istio/render.js';\nexport const b = a;\n", /src\/spec may not import src\/istio/],
    ['src/shift/x.ts', "import { a } from '../controller/reconcile.js';\nexport const b = a;\n", /src\/shift may not import src\/controller/],
    ['src/istio/x.ts', "import { a } from '../../test/support/cli.js';\nexport const b = a;\n", /may not import test\//],
    ['src/router/x.ts', "import * as k from '@kubernetes/client-node';\nexport const b = k;\n", /only be imported by src\/kube/],
    ['cmd/x.ts', "import { a } from '../src/shift/runner.js';\nexport const b = a;\n", /cmd\/ wires the CLI/],
  ])('%s: wrong-way import is an error', async (file, code, message) => {
    const messages = await lint(file, code);
    expect(messages.join('\n')).toMatch(message);
  });

  it.each([
    ['src/router/x.ts', "import { a } from '../kube/client.js';\nexport const b = a;\n"],
    ['src/kube/x.ts', "import * as k from '@kubernetes/client-node';\nexport const b = k;\n"],
    ['src/cli/x.ts', "import { a } from '../controller/reconcile.js';\nexport const b = a;\n"],
    ['src/probe/x.ts', "import { a } from './pool.js';\nexport const b = a;\n"],
    ['cmd/x.ts', "import { a } from '../src/cli/program.js';\nexport const b = a;\n"],
  ])('%s: downward import is allowed', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
