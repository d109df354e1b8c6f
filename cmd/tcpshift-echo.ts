#!/usr/bin/env node
// tcpshift-echo entry: the versioned echo backend; the only place that exits.
import { runEchoCli } from '../src/cli/echo.js';
import { processIo } from '../src/cli/process-io.js';

const io = processIo((code) => process.exit(code));
const code = await runEchoCli(process.argv.slice(2), io);
process.stdout.write('', () => process.exit(code));
