#!/usr/bin/env node
// tcpshift CLI entry: wires the real process into the CLI; the only place that exits.
import { runCli } from '../src/cli/program.js';
import { processIo } from '../src/cli/process-io.js';

const io = processIo((code) => process.exit(code));
const code = await runCli(process.argv.slice(2), io);
// Let piped stdout drain before exiting: process.exit() can cut buffered writes short.
process.stdout.write('', () => process.exit(code));
