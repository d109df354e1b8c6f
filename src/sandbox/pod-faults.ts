import { faultSetting, startFaultProxy, type FaultMode, type FaultOptions, type FaultProxy } from './faults/index.js';
import type { Endpoint, UpstreamTarget } from './mesh/index.js';
import type { RunningPodInfo } from './pods/index.js';
import { SANDBOX_NAMESPACE } from './sandbox-objects.js';

/** Which pods a fault applies to: every pod of a version of the sandbox's echo (namespace `echo`, also pods started later), or one pod. */
export type FaultTarget = { version: string } | { pod: string };

const isEchoVersion = (pod: RunningPodInfo, version: string): boolean => pod.namespace === SANDBOX_NAMESPACE && pod.version === version;

interface Setting {
  mode: FaultMode;
  options: FaultOptions;
}

/**
 * Fault proxies (src/sandbox/faults) in front of pod endpoints. A pod gets its proxy when a fault
 * first targets it (a version target also covers pods started later, before they serve); from
 * then on the gateway dials the proxy instead of the pod. In pass mode a proxy only forwards.
 * Connections opened before a pod had a proxy go straight to the pod and are not affected: set
 * `pass` on a target up front to be able to fault its long-lived connections later.
 */
export class PodFaults {
  private readonly proxies = new Map<string, Promise<FaultProxy>>();
  private readonly ready = new Map<string, FaultProxy>();
  private readonly byVersion = new Map<string, Setting>();
  private readonly byPod = new Map<string, Setting>();

  constructor(private readonly pods: () => RunningPodInfo[]) {}

  /** Where the gateway dials for an endpoint. */
  upstreamFor(endpoint: Endpoint): UpstreamTarget {
    const proxy = this.ready.get(endpoint.pod);
    if (!proxy) return { host: endpoint.address, port: endpoint.port };
    // refuse (and reset, for new connections) stand in for a pod that refuses: the gateway's metrics say UF.
    return { host: proxy.host, port: proxy.port, ...(proxy.mode === 'refuse' || proxy.mode === 'reset' ? { refuses: true } : {}) };
  }

  async set(target: FaultTarget, mode: FaultMode, options: FaultOptions = {}): Promise<void> {
    faultSetting(mode, options); // throws on a bad mode or options
    const setting = { mode, options };
    const live = this.pods().filter((p) => !p.terminating);
    let pods: RunningPodInfo[];
    if ('pod' in target) {
      const pod = live.find((p) => p.name === target.pod);
      if (!pod) throw new Error(`no running pod ${target.pod} (pods: ${live.map((p) => p.name).join(', ') || 'none'})`);
      this.byPod.set(pod.name, setting);
      pods = [pod];
    } else {
      this.byVersion.set(target.version, setting);
      pods = live.filter((p) => isEchoVersion(p, target.version));
      for (const p of pods) this.byPod.delete(p.name);
    }
    await Promise.all(pods.map(async (p) => (await this.proxyFor(p)).setMode(mode, options)));
  }

  /** A pod is about to serve: give it its proxy if a fault targets its version. */
  async podStarting(pod: RunningPodInfo): Promise<void> {
    const setting = pod.namespace === SANDBOX_NAMESPACE ? this.byVersion.get(pod.version) : undefined;
    if (setting) (await this.proxyFor(pod)).setMode(setting.mode, setting.options);
  }

  /** A pod's process has exited: its proxy goes too. */
  async podExited(pod: RunningPodInfo): Promise<void> {
    this.byPod.delete(pod.name);
    const proxy = this.proxies.get(pod.name);
    this.proxies.delete(pod.name);
    this.ready.delete(pod.name);
    if (proxy) await (await proxy).close();
  }

  /** The mode each proxied pod is in now. */
  modes(): Record<string, FaultMode> {
    return Object.fromEntries([...this.ready].map(([pod, proxy]) => [pod, proxy.mode]));
  }

  async close(): Promise<void> {
    const all = [...this.proxies.values()];
    this.proxies.clear();
    this.ready.clear();
    await Promise.all(all.map(async (p) => (await p).close()));
  }

  private proxyFor(pod: RunningPodInfo): Promise<FaultProxy> {
    const existing = this.proxies.get(pod.name);
    if (existing) return existing;
    const proxy: Promise<FaultProxy> = startFaultProxy({ target: { host: '127.0.0.1', port: pod.port } }).then((p) => {
      if (this.proxies.get(pod.name) === proxy) this.ready.set(pod.name, p);
      else void p.close(); // the pod went away meanwhile
      return p;
    });
    this.proxies.set(pod.name, proxy);
    return proxy;
  }
}
