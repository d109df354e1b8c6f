// A "cluster" for the deploy tests: the sandbox's Kubernetes API emulator with what a cluster
// with Istio and the Gateway API has before tcpshift is installed (their CRDs from schemas/), its
// kubeconfig in a temporary directory, and the real kubectl pointed at it.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApiServer, type ApiServer } from '../../src/sandbox/apiserver/index.js';
import { packagePath } from '../../src/util/package-root.js';
import { kubectl, type KubectlRun } from './kube-kubectl.js';

export interface DeployCluster {
  server: ApiServer;
  dir: string;
  kubeconfigPath: string;
  kubectl(args: string[], input?: string): Promise<KubectlRun>;
  close(): Promise<void>;
}

export async function startDeployCluster(): Promise<DeployCluster> {
  const server = await startApiServer();
  for (const file of ['istio-crds.yaml', 'gateway-api-tcproutes.yaml']) server.installCrds(readFileSync(packagePath('schemas', file), 'utf8'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-deploy-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfigPath);
  const target = { kubeconfigPath, dir };
  return {
    server,
    dir,
    kubeconfigPath,
    kubectl: (args, input) => kubectl(target, args, input === undefined ? {} : { input }),
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
