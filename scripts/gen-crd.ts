// Regenerate manifests/crd/tcpshift.io_tcpshifts.yaml from the zod schemas (npm run gen:crd).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CRD_PATH, renderCrdYaml } from '../src/spec/tcpshift-crd.js';
import { packagePath } from '../src/util/package-root.js';

const file = packagePath(...CRD_PATH);
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, renderCrdYaml());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
