import { stringify } from 'yaml';

/** A kubeconfig for one cluster/user/context, the CA inlined as certificate-authority-data. */
export interface KubeconfigParams {
  server: string;
  caPem: string;
  token: string;
  context?: string;
  namespace?: string;
}

export function kubeconfigYaml(p: KubeconfigParams): string {
  const name = p.context ?? 'tcpshift-sandbox';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: p.server, 'certificate-authority-data': Buffer.from(p.caPem).toString('base64') } }],
    users: [{ name, user: { token: p.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: p.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
