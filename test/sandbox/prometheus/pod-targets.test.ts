// The file_sd targets Prometheus reads for the echo pods: one group per serving pod with a metrics
// port, rewritten when the pods change (checked on the injected clock).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodTargetsFile, type MetricsPod } from '../../../src/sandbox/prometheus/pod-targets.js';
import { ManualClock } from '../../../src/util/manual-clock.js';

const pod = (name: string, version: string, metricsPort: number | undefined, terminating = false): MetricsPod => ({ name, namespace: 'echo', version, metricsPort, ready: true, terminating });

describe('Prometheus pod targets file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-pod-targets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists each pod with a metrics port, leaves out terminating ones and those without, and follows changes', async () => {
    const clock = new ManualClock();
    let pods = [pod('echo-v1-a', 'v1', 41000), pod('redis-0', 'v1', undefined), pod('echo-v2-b', 'v2', 42000, true)];
    const file = new PodTargetsFile(path.join(dir, 'targets.json'), () => pods, clock, 1000);
    const read = async (): Promise<unknown> => JSON.parse(await readFile(file.file, 'utf8')) as unknown;
    await file.start();
    expect(await read()).toEqual([{ targets: ['127.0.0.1:41000'], labels: { namespace: 'echo', pod: 'echo-v1-a', version: 'v1' } }]);
    pods = [pod('echo-v1-a', 'v1', 41000), pod('echo-v2-c', 'v2', 43000)];
    await clock.advance(1000);
    await file.stop();
    expect(await read()).toEqual([
      { targets: ['127.0.0.1:41000'], labels: { namespace: 'echo', pod: 'echo-v1-a', version: 'v1' } },
      { targets: ['127.0.0.1:43000'], labels: { namespace: 'echo', pod: 'echo-v2-c', version: 'v2' } },
    ]);
  });
});
