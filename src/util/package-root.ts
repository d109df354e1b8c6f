import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding tcpshift's package.json, found from this file's location, so data shipped
 * with the package (schemas/, manifests/crd/) is found both from sources and from dist/.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'tcpshift') return (cached = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('tcpshift package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Path of a file shipped with the package, e.g. packagePath('schemas', 'istio-crds.yaml'). */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}

/** tcpshift's version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
