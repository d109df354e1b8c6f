import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // A worker runs file after file without re-importing the modules: loading src/ and
    // @kubernetes/client-node (800 files) again for each of the ~170 test files cost more time
    // than the tests themselves (43 unit files: 78 s of CPU isolated, 27 s not). Safe because the
    // code keeps no global state (injected Clock and Logger, a prom-client Registry per owner) and
    // no test mocks modules; a test that changes process.env puts it back.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real sockets and child processes: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
