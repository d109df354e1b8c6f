// Policy over every workload of every overlay: what a cluster admission policy (Pod Security
// "restricted", a platform team's checks) or an incident would ask of the pods. Container-level
// settings win over pod-level ones, so the checks use the effective value.
import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../src/spec/address.js';
import { ProbeAllowlist } from '../../src/probe/index.js';
import { parseDuration } from '../../src/util/duration.js';
import {
  OVERLAYS,
  allContainers,
  flagValue,
  kustomizeSkipReason,
  ofKind,
  renderOverlay,
  selects,
  theObject,
  type Container,
  type Deployment,
  type PodDisruptionBudget,
  type PodSpec,
  type Service,
} from '../support/deploy-kustomize.js';

/** tcpshift-echo half-closes each connection at the end of the drain grace and waits this long for the peer's FIN. */
const ECHO_FIN_LINGER_S = 2;
/** The controller's SIGTERM contract: stop probing, checkpoint status, release the Lease, within about 30 s. */
const CONTROLLER_SHUTDOWN_S = 30;
const CONTROLLER_ARGS = ['controller', '--identity', '$(POD_NAME)', '--metrics-port', '9090', '--health-port', '8081'];

interface Workload {
  deployment: Deployment;
  pod: PodSpec;
  containers: Container[];
}

async function workloads(overlay: (typeof OVERLAYS)[number]): Promise<Workload[]> {
  return ofKind<Deployment>(await renderOverlay(overlay), 'Deployment').map((deployment) => ({
    deployment,
    pod: deployment.spec.template.spec,
    containers: allContainers(deployment.spec.template.spec),
  }));
}

function seconds(duration: string | undefined): number {
  const ms = duration === undefined ? undefined : parseDuration(duration);
  if (ms === undefined) throw new Error(`not a duration: ${String(duration)}`);
  return ms / 1000;
}

function namedPort(container: Container, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Hard spread over nodes: a DoNotSchedule hostname constraint or required anti-affinity on hostname. */
function spreadsHardOverNodes(pod: PodSpec): boolean {
  const hostname = 'kubernetes.io/hostname';
  const spread = (pod.topologySpreadConstraints ?? []).some((c) => c.topologyKey === hostname && c.whenUnsatisfiable === 'DoNotSchedule');
  const antiAffinity = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t) => t.topologyKey === hostname);
  return spread || antiAffinity;
}

if (kustomizeSkipReason) console.log(`policy tests skipped: ${kustomizeSkipReason}`);

describe.skipIf(kustomizeSkipReason !== undefined).each(OVERLAYS)('policy, overlay %s', (overlay) => {
  it('every container: non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault', async () => {
    for (const { deployment, pod, containers } of await workloads(overlay)) {
      for (const c of containers) {
        const where = `${deployment.metadata.name}/${c.name}`;
        const sc = c.securityContext ?? {};
        expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, where).toBe(true);
        expect(sc.runAsUser ?? pod.securityContext?.runAsUser, where).not.toBe(0);
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(sc.privileged ?? false, where).toBe(false);
        expect(sc.capabilities?.drop, where).toContain('ALL');
        expect(sc.capabilities?.add ?? [], where).toEqual([]);
        expect(sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      }
    }
  });

  it('every container: a writable /tmp from an emptyDir (the only writable path), requests for CPU and memory, a memory limit', async () => {
    for (const { deployment, pod, containers } of await workloads(overlay)) {
      for (const c of containers) {
        const where = `${deployment.metadata.name}/${c.name}`;
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(tmp, where).toBeDefined();
        expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, where).toBeDefined();
        expect(Object.keys(c.resources?.requests ?? {}).sort(), where).toEqual(['cpu', 'memory']);
        expect(c.resources?.limits?.memory, where).toBeDefined();
      }
    }
  });

  it('every container: readiness on /readyz and liveness on /healthz, on a port the container declares', async () => {
    for (const { deployment, containers } of await workloads(overlay)) {
      for (const c of containers) {
        const where = `${deployment.metadata.name}/${c.name}`;
        expect(c.readinessProbe?.httpGet?.path, where).toBe('/readyz');
        expect(c.livenessProbe?.httpGet?.path, where).toBe('/healthz');
        expect(namedPort(c, c.readinessProbe?.httpGet?.port), where).toBeDefined();
        expect(namedPort(c, c.livenessProbe?.httpGet?.port), where).toBe(namedPort(c, c.readinessProbe?.httpGet?.port));
      }
    }
  });

  it('every Deployment: covered by exactly one PodDisruptionBudget that still lets a node drain', async () => {
    const objects = await renderOverlay(overlay);
    const budgets = ofKind<PodDisruptionBudget>(objects, 'PodDisruptionBudget');
    for (const { deployment } of await workloads(overlay)) {
      expect(selects(deployment.spec.selector, deployment.spec.template.metadata.labels), deployment.metadata.name).toBe(true);
      const covering = budgets.filter((b) => b.metadata.namespace === deployment.metadata.namespace && selects(b.spec.selector, deployment.spec.template.metadata.labels));
      expect(covering.map((b) => b.metadata.name), deployment.metadata.name).toEqual([deployment.metadata.name]);
      const replicas = deployment.spec.replicas ?? 1;
      const { maxUnavailable, minAvailable } = covering[0]!.spec;
      const evictable = typeof maxUnavailable === 'number' ? maxUnavailable : replicas - Number(minAvailable);
      expect(evictable, deployment.metadata.name).toBeGreaterThanOrEqual(1);
      if (replicas >= 2) expect(evictable, deployment.metadata.name).toBeLessThan(replicas);
    }
  });

  it('echo: the grace period outlasts preStop sleep + drain grace + FIN linger; the sidecar drains at least as long, and ends before it', async () => {
    const echo = (await workloads(overlay)).filter((w) => w.deployment.metadata.labels?.app === 'echo');
    expect(echo).toHaveLength(2);
    for (const { deployment, pod, containers } of echo) {
      const c = containers[0]!;
      const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const drainGrace = seconds(flagValue(c.args ?? [], '--drain-grace'));
      expect(preStop, 'preStop sleep for endpoint propagation').toBeGreaterThanOrEqual(3);
      expect(drainGrace).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds ?? 30, deployment.metadata.name).toBeGreaterThan(preStop + drainGrace + ECHO_FIN_LINGER_S);
      const proxyConfig = deployment.spec.template.metadata.annotations?.['proxy.istio.io/config'] ?? '';
      const sidecarDrain = seconds(/terminationDrainDuration:\s*(\S+)/.exec(proxyConfig)?.[1]);
      expect(sidecarDrain).toBeGreaterThanOrEqual(preStop + drainGrace + ECHO_FIN_LINGER_S);
      expect(sidecarDrain).toBeLessThan(pod.terminationGracePeriodSeconds ?? 30);
    }
  });

  it('echo: serves on the ports its probes and Service use; no API token mounted', async () => {
    for (const { deployment, pod, containers } of (await workloads(overlay)).filter((w) => w.deployment.metadata.labels?.app === 'echo')) {
      const c = containers[0]!;
      expect(Number(flagValue(c.args ?? [], '--port')), deployment.metadata.name).toBe(namedPort(c, 'tcp-echo'));
      expect(Number(flagValue(c.args ?? [], '--health-port'))).toBe(namedPort(c, c.readinessProbe?.httpGet?.port));
      expect(pod.automountServiceAccountToken).toBe(false);
    }
  });

  it('controller: the contract\'s command line and downward-API env, probes on the health port, metrics Service on the metrics port, no sidecar', async () => {
    const objects = await renderOverlay(overlay);
    const controller = theObject<Deployment>(objects, 'Deployment', 'tcpshift-controller');
    const c = controller.spec.template.spec.containers[0]!;
    const args = c.args ?? [];
    const probeAllow = args.indexOf('--probe-allow');
    expect(probeAllow).toBeGreaterThan(0);
    expect([...args.slice(0, probeAllow), ...args.slice(probeAllow + 2)]).toEqual(CONTROLLER_ARGS);
    for (const [name, fieldPath] of [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace']]) {
      expect(c.env?.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath).toBe(fieldPath);
    }
    expect(namedPort(c, c.readinessProbe?.httpGet?.port)).toBe(Number(flagValue(args, '--health-port')));
    const metricsPort = Number(flagValue(args, '--metrics-port'));
    const service = theObject<Service>(objects, 'Service', 'tcpshift-controller-metrics');
    expect(selects({ matchLabels: service.spec.selector }, controller.spec.template.metadata.labels)).toBe(true);
    expect(service.spec.ports.map((p) => namedPort(c, p.targetPort))).toEqual([metricsPort]);
    expect(controller.spec.template.metadata.annotations?.['sidecar.istio.io/inject']).toBe('false');
    expect(controller.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(CONTROLLER_SHUTDOWN_S);
  });
});

interface NetworkPolicy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    egress: Array<{ to?: Array<{ namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: unknown }>; ports?: Array<{ protocol: string; port: number }> }>;
  };
}

describe.skipIf(kustomizeSkipReason !== undefined).each(OVERLAYS)('probe destinations, overlay %s', (overlay) => {
  it("the sample TCPShift's probe address is within the controller's --probe-allow, and its egress NetworkPolicy lets exactly those namespaces through", async () => {
    const objects = await renderOverlay(overlay);
    const controller = theObject<Deployment>(objects, 'Deployment', 'tcpshift-controller');
    const allow = ProbeAllowlist.parse(flagValue(controller.spec.template.spec.containers[0]?.args ?? [], '--probe-allow') ?? '');
    const shift = theObject<{ spec: { probe: { address: string } } } & Deployment>(objects, 'TCPShift', 'echo');
    const address = parseHostPort(shift.spec.probe.address);
    expect(address && allow.allowsName(address.host), shift.spec.probe.address).toBe(true);

    const policy = theObject<NetworkPolicy & Deployment>(objects, 'NetworkPolicy', 'tcpshift-controller-egress');
    expect(policy.metadata.namespace).toBe(controller.metadata.namespace);
    expect(selects(policy.spec.podSelector, controller.spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    const namespaces = policy.spec.egress.filter((rule) => rule.ports === undefined).flatMap((rule) => (rule.to ?? []).map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']));
    const allowed = allow.text.split(',').filter((e) => e.startsWith('namespace:')).map((e) => e.slice('namespace:'.length));
    expect(namespaces.sort()).toEqual(allowed.sort());
    const dns = policy.spec.egress.find((rule) => rule.ports?.some((p) => p.port === 53));
    expect(dns?.ports).toEqual(expect.arrayContaining([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]));
  });
});

describe.skipIf(kustomizeSkipReason !== undefined).each(['prod', 'asm'] as const)('high availability, overlay %s', (overlay) => {
  it('the controller and each echo version run at least two replicas, spread over nodes (hard) and zones', async () => {
    for (const { deployment, pod } of await workloads(overlay)) {
      expect(deployment.spec.replicas, deployment.metadata.name).toBeGreaterThanOrEqual(2);
      expect(spreadsHardOverNodes(pod), deployment.metadata.name).toBe(true);
      expect((pod.topologySpreadConstraints ?? []).map((c) => c.topologyKey), deployment.metadata.name).toContain('topology.kubernetes.io/zone');
    }
  });

  it('a rolling update never takes the controller below its replica count', async () => {
    const controller = theObject<Deployment>(await renderOverlay(overlay), 'Deployment', 'tcpshift-controller') as Deployment & { spec: { strategy?: { rollingUpdate?: { maxUnavailable?: number } } } };
    expect(controller.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });
});
