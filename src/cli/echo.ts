import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { EchoSettingError, resolveEchoSettings, startEchoServer, textLogger, type EchoFlags, type EchoSettings } from '../echo/index.js';
import { jsonLogger, type Logger } from '../util/logger.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { watchProcessExit } from './process-watch.js';

const HELP_AFTER = `
Examples:
  # Like the socat servers of the examples (banner, then every byte echoed verbatim):
  #   socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat      (banner printed by a script first)
  tcpshift-echo --port 9000 --version v1 --pod echo-v1-0

  # A drop-in for Istio's tcp-echo-server (samples/tcp-echo): its positional form, no banner,
  # complete lines answered as "one <line>", no health server (the version label is the prefix)
  tcpshift-echo 9000,9001,9002 one

  # The same with flags, and the health server on 8080
  tcpshift-echo --port 9000,9001 --version v1 --prefix one --banner none

  # Like long-echo: close a connection after 20 s without client data (NC_MAX_IDLE in seconds)
  NC_MAX_IDLE=20 VERSION=v2 tcpshift-echo

  # Free ports, UDP as well, JSON logs: the first line ({"msg":"listening","ports":[...],
  # "healthPort":...}) says which ports were bound
  tcpshift-echo --port 0 --health-port 0 --udp --log-format json --version v2

  # Loopback only (default: every interface, as a container wants)
  tcpshift-echo --host 127.0.0.1 --port 9000 --version v1

  # Try it
  nc localhost 9000
  curl -s localhost:8080/readyz; curl -s localhost:8080/metrics

Environment: PORT, VERSION, POD_NAME (default: the host name), PREFIX, NC_MAX_IDLE (seconds).
  Flags win over the environment.
Logs: one line per connection end (peer, version, duration, bytes, reason) on stdout.
Signals: SIGTERM or SIGINT: /readyz turns 503, the listeners close, connections keep echoing for
  --drain-grace, then each gets a FIN and the process exits 0. A second signal closes everything
  at once (exit 143 after SIGTERM, 130 after SIGINT).
Exit codes: 0 drained, 1 cannot listen (e.g. port in use), 2 invalid flag or variable.
`;

function echoProgram(io: CliIo): Command {
  return new Command('tcpshift-echo')
    .description('Versioned TCP/UDP echo server: the v1/v2 backend tcpshift shifts traffic between.')
    .argument('[ports]', "Istio tcp-echo-server form: comma-separated ports (instead of --port)")
    .argument('[prefix]', 'Istio tcp-echo-server form: the prefix (instead of --prefix); no banner, no health server')
    .option('--port <ports>', 'TCP ports, comma-separated; 0 picks a free port (env PORT, default 9000)')
    .option('--host <address>', 'IP address to listen on, e.g. 127.0.0.1 (default: every interface, as a container wants)')
    .option('--version <version>', 'version this server answers as, e.g. v2 (env VERSION; required)')
    .option('--pod <name>', 'pod name shown in the banner (env POD_NAME, default the host name)')
    .option('--prefix <prefix>', 'answer each complete line as "<prefix> <line>" (env PREFIX)')
    .option('--banner <mode>', 'full: send the banner on connect; none: send nothing (default full)')
    .option('--idle-timeout <duration>', 'close connections without client data for this long; 0: never (env NC_MAX_IDLE, seconds)')
    .option('--health-port <port>', 'HTTP /healthz, /readyz, /metrics; 0 picks a free port (default 8080)')
    .option('--drain-grace <duration>', 'after SIGTERM, keep echoing this long before the FIN (default 10s)')
    .option('--udp', 'echo UDP datagrams on the same port numbers')
    .option('--max-connections <n>', 'close connections past this many at once; 0: no limit (default 0)')
    .option('--max-line-bytes <n>', 'close a connection whose line grows longer (default 65536)')
    .option('--log-format <format>', 'text or json, one record per line on stdout (default text)')
    .option('--parent-pid <pid>', 'close everything and exit when this process is gone (for supervisors such as the sandbox)')
    .option('--ephemeral-ports', 'bind a free port for each port asked (TCP and health) and log both in the listening record (for supervisors such as the sandbox)')
    .addHelpText('after', HELP_AFTER)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** tcpshift-echo's command line: serve until interrupted, then drain; returns the exit code. */
export async function runEchoCli(argv: readonly string[], io: CliIo): Promise<number> {
  let settings: EchoSettings;
  try {
    settings = parseArgs(argv, io);
  } catch (err) {
    return invalidInput(err, io);
  }
  return serve(settings, io);
}

function parseArgs(argv: readonly string[], io: CliIo): EchoSettings {
  const program = echoProgram(io).parse([...argv], { from: 'user' });
  try {
    return resolveEchoSettings(program.opts<EchoFlags>(), io.env, os.hostname(), program.args);
  } catch (err) {
    throw err instanceof EchoSettingError ? new UsageError(err.message) : err;
  }
}

/** Exit code for a parse failure; nothing has been bound or logged yet. */
function invalidInput(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? ExitCode.Ok : ExitCode.Invalid;
  }
  if (!(err instanceof UsageError)) throw err;
  io.stderr.write(`error: ${err.message}\n(run with --help for usage)\n`);
  return ExitCode.Invalid;
}

async function serve(settings: EchoSettings, io: CliIo): Promise<number> {
  const logger: Logger = settings.logFormat === 'json' ? jsonLogger('info', io.stdout) : textLogger(io.stdout, io.clock);
  let server;
  try {
    server = await startEchoServer({ ...settings.server, logger, clock: io.clock });
  } catch (err) {
    io.stderr.write(`error: cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Error;
  }
  const parent = settings.parentPid === undefined ? undefined : watchProcessExit(settings.parentPid, io.clock);
  const endings: Array<Promise<'signal' | 'parent'>> = [interrupted(io.interrupts).then(() => 'signal' as const)];
  if (parent) endings.push(parent.gone.then(() => 'parent' as const));
  const cause = await Promise.race(endings);
  parent?.cancel();
  if (cause === 'parent') {
    // The supervisor died without stopping us (SIGKILL): nobody will route to or stop this
    // server any more, so close at once rather than linger as an orphan.
    logger.info('stopping', { cause: `parent process ${settings.parentPid} is gone` });
    await server.close();
    return ExitCode.Ok;
  }
  logger.info('stopping', { cause: io.interrupts.reason instanceof Error ? io.interrupts.reason.message : 'interrupted' });
  await server.drain();
  return ExitCode.Ok;
}

function interrupted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
