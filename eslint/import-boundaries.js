// Local ESLint rule: enforce the dependency rule of eslint/layers.js on every import/export/import().
import path from 'node:path';
import { allowedImports, packageOwners } from './layers.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** 'src/<layer>/...' -> layer, 'cmd/...' -> 'cmd', 'test/...' -> 'test', else undefined. */
function areaOf(file) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'src' && rel.length > 2) return rel[1];
  if (rel[0] === 'src') return 'src-root';
  return rel[0];
}

function checkSource(context, node, source) {
  if (typeof source !== 'string') return;
  const importer = areaOf(context.filename);
  if (importer === undefined) return;
  const inSrc = importer in allowedImports || importer === 'src-root';

  if (!source.startsWith('.')) {
    const owner = Object.entries(packageOwners).find(([pkg]) => source === pkg || source.startsWith(`${pkg}/`));
    if (owner && importer !== owner[1] && (inSrc || importer === 'cmd')) {
      context.report({ node, messageId: 'package', data: { pkg: owner[0], owner: owner[1], importer } });
    }
    return;
  }
  const target = areaOf(path.resolve(path.dirname(context.filename), source));
  if (importer === 'cmd') {
    if (target !== 'cli' && target !== 'util' && target !== 'cmd') {
      context.report({ node, messageId: 'cmd', data: { target } });
    }
    return;
  }
  if (!inSrc) return; // test/, bench/, scripts/ may import anything under src/
  if (target === 'cmd' || target === 'test' || target === 'bench' || target === 'scripts') {
    context.report({ node, messageId: 'outward', data: { importer, target } });
    return;
  }
  if (target === importer) return;
  const allowed = allowedImports[importer] ?? [];
  if (!allowed.includes(target)) {
    context.report({ node, messageId: 'upward', data: { importer, target, allowed: allowed.join(', ') || 'nothing' } });
  }
}

export const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layer dependency rule of DESIGN section 2' },
    schema: [],
    messages: {
      upward: "src/{{importer}} may not import src/{{target}} (allowed: {{allowed}}); see eslint/layers.js",
      outward: 'src/{{importer}} may not import {{target}}/: nothing under src/ depends on cmd/, test/ or bench/',
      cmd: 'cmd/ wires the CLI: it imports src/cli and src/util only, not src/{{target}}',
      package: "'{{pkg}}' may only be imported by src/{{owner}} (found in {{importer}})",
    },
  },
  create(context) {
    const onSource = (node) => {
      if (node.source && node.source.type === 'Literal') checkSource(context, node, node.source.value);
    };
    return {
      ImportDeclaration: onSource,
      ExportNamedDeclaration: onSource,
      ExportAllDeclaration: onSource,
      ImportExpression: onSource,
    };
  },
};

export default { rules: { 'import-boundaries': importBoundaries } };
