import type { RealServerImage } from './real-servers.js';

/**
 * Which container images the sandbox's kubelet can run. It has no container runtime: it runs
 * `tcpshift-echo` processes, which stand for tcpshift's own echo image and for Istio's tcp-echo
 * image (samples/tcp-echo: `registry.istio.io/release/tcp-echo-server`, formerly
 * `docker.io/istio/tcp-echo-server`), whose positional arguments tcpshift-echo understands; and
 * the official `redis` and `eclipse-mosquitto` images as the installed `redis-server` and
 * `mosquitto` (real-servers.ts).
 */
export type RunnableImage = 'tcpshift-echo' | 'istio-tcp-echo' | RealServerImage;

export const RUNNABLE_IMAGES_HELP =
  "the tcpshift sandbox runs only tcpshift's echo image (any registry, repository name tcpshift-echo) and Istio's tcp-echo-server image (registry.istio.io/release/tcp-echo-server, docker.io/istio/tcp-echo-server), both as tcpshift-echo, and the official redis and eclipse-mosquitto images as the installed redis-server and mosquitto";

/** Docker Hub's official images: `redis`, `library/redis`. */
const officialImage = (repository: string, name: string): boolean => repository === name || repository === `library/${name}`;

/** The repository path of an image reference, without registry, tag and digest: `istio/tcp-echo-server`. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? '';
  const parts = withoutDigest.split('/');
  const last = parts.pop() ?? '';
  parts.push(last.split(':')[0] ?? '');
  // A first component with a dot or a port (or `localhost`) is a registry host, as Docker reads it.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '')) parts.shift();
  return parts.join('/');
}

export function runnableImage(image: string | undefined): RunnableImage | undefined {
  if (!image) return undefined;
  const repository = imageRepository(image);
  const name = repository.split('/').pop();
  if (name === 'tcpshift-echo') return 'tcpshift-echo';
  if (repository === 'istio/tcp-echo-server' || repository === 'release/tcp-echo-server') return 'istio-tcp-echo';
  if (officialImage(repository, 'redis')) return 'redis';
  if (officialImage(repository, 'eclipse-mosquitto')) return 'mosquitto';
  return undefined;
}
