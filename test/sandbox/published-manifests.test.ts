// What users pipe and apply into the sandbox, checked with the real kubectl: the README's
// `tcpshift render -o json | kubectl apply -f -` (a List, which kubectl validates through
// /openapi/v2), and `kubectl apply -k` of a base with the built-in kinds user bases hold
// (autoscaling/v1 HPA, PDB, NetworkPolicy, Job, Ingress, ...), read back in every version.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { execBin } from '../support/cli.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';

const BASE = {
  'kustomization.yaml': 'namespace: echo\nresources: [hpa.yaml, kinds.yaml]\n',
  'hpa.yaml': `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: echo-v1}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: echo-v1}
  minReplicas: 2
  maxReplicas: 5
  targetCPUUtilizationPercentage: 70
`,
  'kinds.yaml': `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: echo}
spec: {minAvailable: 1, selector: {matchLabels: {app: echo}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-echo}
spec: {podSelector: {matchLabels: {app: echo}}, ingress: [{ports: [{port: 9000}]}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: migrate, image: busybox}]}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {rules: [{host: echo.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 9000}}}}]}}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: echo}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: echo}
data: {PREFIX: one}
---
apiVersion: v1
kind: Secret
metadata: {name: echo}
stringData: {token: x}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: echo}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: echo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: echo}
subjects: [{kind: ServiceAccount, name: echo}]
`,
};

describe.skipIf(!kubectlBinary)('published manifests into the sandbox', () => {
  let sandbox: Sandbox;
  let base: string;
  const run = (args: string[], input?: string) => kubectl({ kubeconfigPath: sandbox.files.kubeconfig, dir: sandbox.files.dir }, args, input === undefined ? {} : { input });

  beforeAll(async () => {
    sandbox = await startSandbox({ replicas: 0 });
    base = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-base-'));
    for (const [name, text] of Object.entries(BASE)) await writeFile(path.join(base, name), text);
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('tcpshift render -o json | kubectl apply -f - (a v1 List) applies every object', async () => {
    const render = await execBin('tcpshift', ['render', '-f', sandbox.files.shiftYaml, '--weight', '20', '-o', 'json']);
    expect(render.code, render.stderr).toBe(0);
    expect(JSON.parse(render.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    const applied = await run(['apply', '-f', '-'], render.stdout);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/virtualservice\.networking\.istio\.io\/echo configured/);
    const weights = await run(['get', 'virtualservice', 'echo', '-n', 'echo', '-o', 'jsonpath={.spec.tcp[0].route[*].weight}']);
    expect(weights.stdout).toBe('80 20');
  });

  it('kubectl apply -k of a base with an autoscaling/v1 HPA and other built-in kinds; the HPA is read in v2 and v1; a second apply changes nothing', async () => {
    const first = await run(['apply', '-k', base]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(10);
    const v2 = JSON.parse((await run(['get', '--raw', '/apis/autoscaling/v2/namespaces/echo/horizontalpodautoscalers/echo-v1'])).stdout) as { spec: unknown };
    expect(v2.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] });
    const v1 = JSON.parse((await run(['get', '--raw', '/apis/autoscaling/v1/namespaces/echo/horizontalpodautoscalers/echo-v1'])).stdout) as { apiVersion: string; spec: unknown };
    expect(v1).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 70 } });
    const listed = await run(['get', 'hpa,pdb,netpol,job,ingress,sa,cm,secret,role,rolebinding', '-n', 'echo', '-o', 'name']);
    expect(listed.stdout).toContain('horizontalpodautoscaler.autoscaling/echo-v1');
    expect(listed.stdout).toContain('job.batch/migrate');
    expect(listed.stdout).toContain('ingress.networking.k8s.io/web');
    const again = await run(['apply', '-k', base]);
    // kubectl always sends a PodDisruptionBudget's selector (patch strategy "replace"): "configured", nothing changed
    expect(again.stdout.trim().split('\n').filter((line) => !line.endsWith(' unchanged') && !line.startsWith('poddisruptionbudget.policy/'))).toEqual([]);
  });
});
