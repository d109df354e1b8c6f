import { KubeConfig } from '@kubernetes/client-node';
import { KubeError } from './errors.js';

/**
 * Where the cluster credentials come from, kubectl style: an explicit kubeconfig file (or its
 * text), the in-cluster service account, or the default chain (KUBECONFIG, ~/.kube/config,
 * in-cluster); `context` picks a context other than the current one.
 */
export interface KubeConfigSource {
  /** Path of a kubeconfig file (--kubeconfig). */
  kubeconfig?: string;
  /** Kubeconfig YAML text. */
  kubeconfigText?: string;
  /** Context to use (--context). */
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST, /var/run/secrets/...). */
  inCluster?: boolean;
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (source.kubeconfigText !== undefined) kc.loadFromString(source.kubeconfigText);
    else if (source.kubeconfig !== undefined) kc.loadFromFile(source.kubeconfig);
    else if (source.inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (e) {
    const where = source.kubeconfig ?? (source.inCluster ? 'the in-cluster service account' : 'the kubeconfig');
    throw new KubeError(`cannot load ${where}: ${(e as Error).message}`, 0, undefined, { cause: e });
  }
  if (source.context !== undefined) {
    if (!kc.getContextObject(source.context)) {
      throw new KubeError(`context "${source.context}" not found in kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, 0);
    }
    kc.setCurrentContext(source.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeError('no cluster configured: give --kubeconfig or run in a cluster', 0);
  checkUsable(cluster);
  return kc;
}

/**
 * With nothing to load, client-node's loadFromDefault makes up a cluster at http://localhost:8080
 * (KubeConfig.loadFromClusterAndUser's default) and the first request fails with "HTTP protocol
 * is not allowed when skipTLSVerify is not set or false": say what is missing instead. A plain
 * HTTP server that is written in a kubeconfig is refused the same way, before any request.
 */
function checkUsable(cluster: { name: string; server: string; skipTLSVerify?: boolean }): void {
  if (cluster.name === 'cluster' && cluster.server === 'http://localhost:8080') {
    throw new KubeError('no kubeconfig found (KUBECONFIG is not set, there is no ~/.kube/config, and this is not a pod in a cluster)', 0);
  }
  if (cluster.server.startsWith('http://') && cluster.skipTLSVerify !== true) {
    throw new KubeError(`cluster ${cluster.name} of the kubeconfig is plain HTTP (${cluster.server}); client-node sends no credentials over HTTP: use its https:// address`, 0);
  }
}
