// The API emulator with the real TCPShift CRD, a namespace for the shifts, one real echo server
// on loopback for light probes, and a `tcpshift controller --probe-mode light` process leading:
// the setup of the e2e tests that run many shifts (or a small budget) without the sandbox.
import { readFileSync } from 'node:fs';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { packagePath } from '../../src/util/package-root.js';
import type { KubeObject } from '../../src/kube/index.js';
import { startTestApiServer, virtualService, type TestApiServer } from './apiserver-fixtures.js';
import { startControllerProcess, type ControllerProcess } from './controller-e2e.js';
import { createRoutingChain } from './routing-chain.js';
import { shiftDocument } from './shift-fixtures.js';

export interface LightProbeEnv {
  api: TestApiServer;
  echo: EchoServer;
  controller: ControllerProcess;
  /** A VirtualService NAME at 100/0 and a TCPShift NAME of it probing the echo server (short drain). */
  createShift(name: string, changes?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function startLightProbeEnv(options: { namespace: string; identity: string; args?: string[] }): Promise<LightProbeEnv> {
  const api = await startTestApiServer();
  api.server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  for (const ns of [options.namespace, 'echo', 'tcpshift-system']) api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  createRoutingChain(api.server.objects, options.namespace);
  const echo = await startEchoServer({ version: 'v1', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  api.server.resetRequestCounts();
  const controller = await startControllerProcess(api.kubeconfigPath, {
    identity: options.identity,
    leaseNamespace: 'tcpshift-system',
    args: ['--probe-mode', 'light', ...(options.args ?? [])],
  });
  await controller.leading();
  return {
    api,
    echo,
    controller,
    createShift(name, changes = {}) {
      api.server.objects.create(virtualService(name, [100, 0], options.namespace) as unknown as KubeObject);
      const document = shiftDocument({
        'metadata.name': name,
        'metadata.namespace': options.namespace,
        'spec.target.virtualService': name,
        'spec.probe.address': `127.0.0.1:${echo.ports[0]}`,
        'spec.analysis.drainDuration': '300ms',
        ...changes,
      });
      api.server.objects.create(document as unknown as KubeObject);
    },
    async close() {
      await controller.stop();
      await echo.close();
      await api.close();
    },
  };
}
