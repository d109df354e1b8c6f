import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The end-to-end files (tens of seconds each) start first, so the run does not end with one of
 * them on a worker while the other has nothing left. Within each group vitest's own order: the
 * longest first when it knows durations from a previous run, else the largest file first (a fresh
 * clone in CI, where the 30-line demo-locality e2e would otherwise start last).
 */
class EndToEndFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const endToEnd = (file: TestSpecification): boolean => file.moduleId.includes('/test/e2e/');
    return [...sorted.filter(endToEnd), ...sorted.filter((file) => !endToEnd(file))];
  }
}

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
    sequence: { sequencer: EndToEndFirst },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real sockets and child processes: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
