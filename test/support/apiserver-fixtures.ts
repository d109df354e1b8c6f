// CRD fixtures of our own, next to the real Istio and Gateway API CRDs (schemas/). `Widget`
// exercises the schema features (required, enum, bounds, defaults, int-or-string, preserved and
// embedded fields, selectable fields, printer columns, status subresource); `Shift` mimics the
// TCPShift CRD (tcpshift.io/v1alpha1, short name, columns) without depending on the branch that
// generates the real one.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/sandbox/apiserver/api-server.js';
import { repoRoot } from './cli.js';

export const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.tcpshift.dev' },
  spec: {
    group: 'example.tcpshift.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        selectableFields: [{ jsonPath: '.spec.color' }],
        additionalPrinterColumns: [
          { name: 'Color', type: 'string', jsonPath: '.spec.color' },
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['color'],
                properties: {
                  color: { type: 'string', enum: ['red', 'green', 'blue'] },
                  size: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
                  port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                  name: { type: 'string', maxLength: 8, pattern: '^[a-z]+$' },
                  tags: { type: 'array', maxItems: 3, items: { type: 'string' } },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } },
                },
              },
              status: {
                type: 'object',
                properties: {
                  observedGeneration: { type: 'integer' },
                  phase: { type: 'string' },
                  conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

export const shiftCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'tcpshifts.tcpshift.io' },
  spec: {
    group: 'tcpshift.io',
    scope: 'Namespaced',
    names: { plural: 'tcpshifts', singular: 'tcpshift', kind: 'TCPShift', shortNames: ['tshift'] },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

export function readSchema(file: 'istio-crds.yaml' | 'gateway-api-tcproutes.yaml'): string {
  return readFileSync(path.join(repoRoot, 'schemas', file), 'utf8');
}

/** Every CRD the tests use, as one multi-document YAML. */
export function allTestCrds(): string {
  return [readSchema('istio-crds.yaml'), readSchema('gateway-api-tcproutes.yaml'), stringify(widgetCrd), stringify(shiftCrd)].join('\n---\n');
}

export interface TestApiServer {
  server: ApiServer;
  dir: string;
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** An emulator with every test CRD installed and its kubeconfig written to a temp directory. */
export async function startTestApiServer(options: ApiServerOptions = {}): Promise<TestApiServer> {
  const server = await startApiServer(options);
  server.installCrds(allTestCrds());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-apiserver-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfigPath);
  return {
    server,
    dir,
    kubeconfigPath,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function virtualService(name: string, weights: [number, number] = [100, 0], namespace = 'default'): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, labels: { app: 'echo' } },
    spec: {
      hosts: ['*'],
      gateways: ['echo-gateway'],
      tcp: [
        {
          match: [{ port: 31400 }],
          route: [
            { destination: { host: 'echo.echo.svc.cluster.local', subset: 'v1', port: { number: 9000 } }, weight: weights[0] },
            { destination: { host: 'echo.echo.svc.cluster.local', subset: 'v2', port: { number: 9000 } }, weight: weights[1] },
          ],
        },
      ],
    },
  };
}
