// Tests against real servers from Debian's packages (redis-server, mosquitto, openssh-server,
// prometheus, librsvg2-bin). Outside CI a missing program skips the test with the package to
// install; `.ci/run` installs them and sets TCPSHIFT_REQUIRE_SERVERS=1, so in CI a missing
// program fails instead of skipping silently.
import { accessSync, constants } from 'node:fs';
import { programPath } from '../../src/sandbox/pods/real-servers.js';

/** The program's absolute path (an absolute name if it is executable; else found on PATH and /usr/sbin, as the sandbox kubelet finds it), or undefined. */
export function findProgram(name: string): string | undefined {
  if (!name.includes('/')) return programPath(name);
  try {
    accessSync(name, constants.X_OK);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * The program's path, or undefined after saying which Debian package to install; throws instead
 * when TCPSHIFT_REQUIRE_SERVERS=1 (CI), so a test that needs it cannot skip there.
 * Use as: `const redis = programOrSkip('redis-server', 'redis-server'); describe.skipIf(!redis)(...)`.
 */
export function programOrSkip(name: string, debianPackage: string = name): string | undefined {
  const found = findProgram(name);
  if (found !== undefined) return found;
  const message = `${name} not found: install Debian's ${debianPackage} package (apt-get install -y ${debianPackage})`;
  if (process.env.TCPSHIFT_REQUIRE_SERVERS === '1') throw new Error(`${message}; TCPSHIFT_REQUIRE_SERVERS=1 requires it`);
  console.warn(`skipping: ${message}`);
  return undefined;
}
