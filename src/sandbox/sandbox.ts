import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeClient, NotFoundError, type KubeObject } from '../kube/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { packagePath } from '../util/package-root.js';
import { writePrivateFile } from '../util/private-file.js';
import { startApiServer, type ApiServer } from './apiserver/index.js';
import { lockDir, type DirLock } from './dir-lock.js';
import type { FaultMode, FaultOptions } from './faults/index.js';
import { ISTIO_GATEWAY_CLASS } from './mesh/gateway-api-gateways.js';
import { DEFAULT_DRAIN_MS, startMeshGateway, type Cluster, type IstioTcpMetrics, type MeshGateway } from './mesh/index.js';
import { PodFaults, type FaultTarget } from './pod-faults.js';
import { DeploymentController, PodRuntime } from './pods/index.js';
import { ECHO_HOST, GATEWAY_PORT, SANDBOX_NAMESPACE, sandboxObjects, SERVICE_PORT, VERSIONS, type SandboxProvider } from './sandbox-objects.js';
import { gatewayEntries, SandboxInfoFile, type SandboxInfo } from './sandbox-info.js';
import { sandboxShiftYaml } from './sandbox-shift.js';
import { locatePrometheus } from './prometheus/prometheus-process.js';
import { startSandboxTelemetry, type SandboxPrometheusOptions } from './sandbox-telemetry.js';

export type { SandboxInfo };

export interface SandboxOptions {
  /** Where kubeconfig, sandbox.json, shift.yaml and the lock go; a temporary directory (removed on stop) when absent. */
  dir?: string;
  /** Gateway drain duration. Default 45 s (Istio's drainDuration). */
  drainMs?: number;
  /** The gateway's EDS merge window (Envoy's update_merge_window): how long a weight-only endpoint update may wait. Default 1 s. */
  edsMergeWindowMs?: number;
  logger?: Logger;
  clock?: Clock;
  /** Loopback port of the gateway's 31400 listener; 0 (default): any free port. */
  gatewayListenPort?: number;
  /** Pods per version. Default 2. */
  replicas?: number;
  /** Echo prefix per version, like Istio's tcp-echo (`{v1: 'one', v2: 'two'}`). */
  prefixes?: Partial<Record<string, string>>;
  /** The echo banner (`--banner`); default full. */
  banner?: 'full' | 'none';
  /** `--drain-grace` of the echo processes: how long a deleted pod keeps echoing. Default 2 s. */
  podDrainGraceMs?: number;
  /** Route with a VirtualService (istio, default) or a TCPRoute (gateway-api). */
  provider?: SandboxProvider;
  /** Random source of the gateway's weighted choice. */
  random?: () => number;
  /** How long to wait for every pod to be Ready and routed. Default 30 s. */
  readyTimeoutMs?: number;
  /** Istio's `tcp_reporting_duration` for the gateway's TCP metrics. Default 5 s. */
  tcpReportingMs?: number;
  /** Start a real Prometheus scraping the gateway and the pods (`sandbox up --prometheus`). */
  prometheus?: SandboxPrometheusOptions;
}


export interface SandboxPod {
  name: string;
  version: string;
  pid: number;
  /** The echo's own loopback port (not the gateway's). */
  port: number;
  ready: boolean;
  terminating: boolean;
}

export interface SandboxFiles {
  dir: string;
  kubeconfig: string;
  sandboxJson: string;
  shiftYaml: string;
}

export interface Sandbox {
  readonly info: SandboxInfo;
  readonly files: SandboxFiles;
  readonly drainMs: number;
  readonly provider: SandboxProvider;
  /** The API emulator (faults, requestCounts, objects). */
  readonly api: ApiServer;
  /** A client of the API (over HTTPS), for convenience. */
  readonly kube: KubeClient;
  readonly gateway: MeshGateway;
  /** Istio's standard TCP metrics the gateway reports (served at `info.gatewayStats`). */
  readonly tcpMetrics: IstioTcpMetrics;
  /** The pid of a dead sandbox whose stale lock on `dir` was taken over. */
  readonly tookOverStaleLock: number | undefined;
  /** Put a fault proxy in the given mode in front of those pods' endpoints; `pass` forwards untouched. */
  setFault(target: FaultTarget, mode: FaultMode, options?: FaultOptions): Promise<void>;
  pods(): SandboxPod[];
  /** `kubectl delete pod NAME`: resolves once the pod has drained, exited and its object is gone. */
  deletePod(name: string): Promise<void>;
  /** Stop every child process, close every port; idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_POD_DRAIN_GRACE_MS = 2000;

/** The clusters the gateway must have endpoints in before the sandbox counts as up. */
function versionClusters(provider: SandboxProvider): Array<{ version: string; cluster: Cluster }> {
  return VERSIONS.map((version) => {
    const host = provider === 'istio' ? ECHO_HOST : `echo-${version}.${SANDBOX_NAMESPACE}.svc.cluster.local`;
    const subset = provider === 'istio' ? version : undefined;
    return { version, cluster: { name: `outbound|${SERVICE_PORT}|${subset ?? ''}|${host}`, host, subset, port: SERVICE_PORT } };
  });
}

/** Things to undo, last started first stopped. */
class Teardown {
  private readonly steps: Array<() => Promise<void>> = [];
  add(step: () => Promise<void>): void {
    this.steps.unshift(step);
  }
  async run(logger: Logger): Promise<void> {
    for (const step of this.steps.splice(0)) {
      await step().catch((error: unknown) => logger.warn('sandbox stop step failed', { error: (error as Error).message }));
    }
  }
}

async function prepareDir(dir: string | undefined, teardown: Teardown): Promise<{ dir: string; lock: DirLock | undefined }> {
  if (dir === undefined) {
    const temp = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-sandbox-'));
    teardown.add(() => rm(temp, { recursive: true, force: true }));
    return { dir: temp, lock: undefined };
  }
  const absolute = path.resolve(dir);
  await mkdir(absolute, { recursive: true });
  const lock = await lockDir(absolute);
  teardown.add(() => lock.release());
  // A sandbox that was killed left its sandbox.json: nobody must read its dead addresses.
  await rm(path.join(absolute, 'sandbox.json'), { force: true });
  return { dir: absolute, lock };
}

/** The Istio, Gateway API (Gateway, GatewayClass, TCPRoute) and TCPShift CRDs, from the files shipped with the package. */
async function installCrds(api: ApiServer): Promise<void> {
  const files = [
    packagePath('schemas', 'istio-crds.yaml'),
    packagePath('schemas', 'gateway-api-gatewayclasses.yaml'),
    packagePath('schemas', 'gateway-api-gateways.yaml'),
    packagePath('schemas', 'gateway-api-tcproutes.yaml'),
    packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'),
  ];
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  for (const text of texts) api.installCrds(text);
}

/** Built-in kinds (namespace, Services, Deployments) go first: the pods can start while the CRDs are installed. */
const isBuiltin = (o: KubeObject): boolean => o.apiVersion === 'v1' || o.apiVersion === 'apps/v1';

async function waitUntil(clock: Clock, ready: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = clock.monotonic() + timeoutMs;
  while (!ready()) {
    if (clock.monotonic() > deadline) throw new Error(`sandbox not up after ${timeoutMs} ms: ${what()}`);
    await clock.sleep(25);
  }
}

/** Start the whole sandbox: API emulator, echo pods, mesh gateway; resolves once every pod is routed. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const teardown = new Teardown();
  try {
    return await assemble(options, clock, logger, teardown);
  } catch (error) {
    await teardown.run(logger);
    throw error;
  }
}

interface Started {
  clock: Clock;
  logger: Logger;
  teardown: Teardown;
}

/** The kubelet, the Deployment controller and the fault proxies in front of the pods they run. */
async function startPods(kube: KubeClient, options: SandboxOptions, { clock, logger, teardown }: Started): Promise<{ pods: PodRuntime; faults: PodFaults }> {
  // The fault proxies and the kubelet refer to each other: proxies are made for pods the kubelet runs.
  const faults: PodFaults = new PodFaults(() => pods.list());
  teardown.add(() => faults.close());
  const pods: PodRuntime = new PodRuntime({
    kube,
    clock,
    logger: logger.child({ component: 'pods' }),
    drainGraceMs: options.podDrainGraceMs ?? DEFAULT_POD_DRAIN_GRACE_MS,
    beforeServing: (pod) => faults.podStarting(pod),
    afterExit: (pod) => void faults.podExited(pod),
  });
  await pods.start();
  teardown.add(() => pods.stop());
  const controller = new DeploymentController({ kube, runtime: pods, clock, logger: logger.child({ component: 'deployments' }) });
  await controller.start();
  teardown.add(() => controller.stop());
  return { pods, faults };
}

/** Until every pod of both versions is an endpoint of the gateway. */
async function waitForRouting(gateway: MeshGateway, provider: SandboxProvider, replicas: number, timeoutMs: number, clock: Clock): Promise<void> {
  const clusters = versionClusters(provider);
  await waitUntil(
    clock,
    () => clusters.every(({ cluster }) => gateway.endpoints(cluster).length === replicas),
    timeoutMs,
    () => clusters.map(({ version, cluster }) => `${version}: ${gateway.endpoints(cluster).length}/${replicas} endpoints`).join(', '),
  );
}

/** sandbox.json (last: its presence means the sandbox is up) and shift.yaml. */
async function writeSandboxFiles(api: ApiServer, gateway: MeshGateway, files: SandboxFiles, infoFile: SandboxInfoFile, options: SandboxOptions & { provider: SandboxProvider; drainMs: number; telemetry: Pick<SandboxInfo, 'gatewayStats' | 'prometheus'> }): Promise<SandboxInfo> {
  const listener = gateway.listener(GATEWAY_PORT);
  if (!listener) throw new Error(`the gateway has no listener for port ${GATEWAY_PORT}`);
  const info: SandboxInfo = {
    kubeconfig: files.kubeconfig,
    apiServer: api.url,
    namespace: SANDBOX_NAMESPACE,
    gateway: { host: listener.host, port: listener.port, gatewayPort: GATEWAY_PORT },
    ...options.telemetry,
    gateways: gatewayEntries(gateway),
    edsMergeWindowMs: gateway.edsMergeWindowMs,
    pid: process.pid,
  };
  const address = `${info.gateway.host}:${info.gateway.port}`;
  const shift = await sandboxShiftYaml({ provider: options.provider, address, drainMs: options.drainMs, files, ...(options.prefixes ? { prefixes: options.prefixes } : {}) });
  await writeFile(files.shiftYaml, shift);
  await infoFile.write(info);
  return info;
}

async function assemble(options: SandboxOptions, clock: Clock, logger: Logger, teardown: Teardown): Promise<Sandbox> {
  const started: Started = { clock, logger, teardown };
  const provider = options.provider ?? 'istio';
  const replicas = options.replicas ?? 2;
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  // A missing Prometheus fails before anything starts.
  if (options.prometheus) locatePrometheus(options.prometheus.program);
  const { dir, lock } = await prepareDir(options.dir, teardown);
  const files: SandboxFiles = { dir, kubeconfig: path.join(dir, 'kubeconfig'), sandboxJson: path.join(dir, 'sandbox.json'), shiftYaml: path.join(dir, 'shift.yaml') };
  const telemetry = await startSandboxTelemetry(dir, clock, logger.child({ component: 'telemetry' }), options.tcpReportingMs);
  teardown.add(() => telemetry.stop());

  const api = await startApiServer({ clock, logger: logger.child({ component: 'apiserver' }) });
  teardown.add(() => api.close());
  const objects = sandboxObjects({ replicas, provider, ...(options.prefixes ? { prefixes: options.prefixes } : {}), ...(options.banner ? { banner: options.banner } : {}) });
  api.objects.apply(objects.filter(isBuiltin));
  const kubeconfigText = api.kubeconfig({ namespace: SANDBOX_NAMESPACE });
  await writePrivateFile(files.kubeconfig, kubeconfigText);
  const kube = KubeClient.connect({ kubeconfigText }, { clock });
  teardown.add(() => Promise.resolve(kube.close()));

  const { pods, faults } = await startPods(kube, options, started);
  // The echo processes are starting (separate processes): install the CRDs meanwhile.
  await installCrds(api);
  // Istio installs its GatewayClass `istio`: Gateway API Gateways of that class are served.
  api.objects.apply([...objects.filter((o) => !isBuiltin(o)), ISTIO_GATEWAY_CLASS]);

  const infoFile = new SandboxInfoFile(files.sandboxJson);
  const gateway: MeshGateway = await startMeshGateway({
    kube,
    // (sandbox.json exists only once `gateway` is assigned below)
    onChange: () => {
      if (infoFile.current) infoFile.refresh(gateway);
    },
    drainMs,
    ...(options.edsMergeWindowMs !== undefined ? { edsMergeWindowMs: options.edsMergeWindowMs } : {}),
    gatewayApi: true,
    clock,
    logger: logger.child({ component: 'gateway' }),
    listenPorts: { [GATEWAY_PORT]: options.gatewayListenPort ?? 0 },
    upstreamFor: (endpoint) => faults.upstreamFor(endpoint),
    observer: telemetry.metrics,
    ...(options.random ? { random: options.random } : {}),
  });
  teardown.add(() => gateway.close());
  await waitForRouting(gateway, provider, replicas, options.readyTimeoutMs ?? 30_000, clock);

  const prometheus = options.prometheus ? await telemetry.startPrometheus(options.prometheus, () => pods.list()) : undefined;
  const info = await writeSandboxFiles(api, gateway, files, infoFile, { ...options, provider, drainMs, telemetry: { gatewayStats: telemetry.gatewayStats, ...(prometheus ? { prometheus } : {}) } });
  teardown.add(async () => {
    await infoFile.close();
    await rm(files.sandboxJson, { force: true });
  });
  logger.info('sandbox up', { dir, apiServer: api.url, gateway: `${info.gateway.host}:${info.gateway.port}`, drainMs });

  let stopping: Promise<void> | undefined;
  return {
    info,
    files,
    drainMs,
    provider,
    api,
    kube,
    gateway,
    tcpMetrics: telemetry.metrics,
    tookOverStaleLock: lock?.tookOverFrom,
    setFault: (target, mode, faultOptions) => faults.set(target, mode, faultOptions),
    pods: () => pods.list().map(({ name, version, pid, port, ready, terminating }) => ({ name, version, pid, port, ready, terminating })),
    async deletePod(name) {
      try {
        await kube.pods.delete(name, SANDBOX_NAMESPACE);
      } catch (error) {
        if (error instanceof NotFoundError) throw new Error(`pod ${name} not found in namespace ${SANDBOX_NAMESPACE}`, { cause: error });
        throw error;
      }
      await pods.whenGone(name, SANDBOX_NAMESPACE);
    },
    stop() {
      stopping ??= teardown.run(logger).then(() => logger.info('sandbox stopped', { dir }));
      return stopping;
    },
  };
}
