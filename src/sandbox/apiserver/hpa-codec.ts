import type { VersionCodec } from './resource-def.js';
import { isRecord, type KubeObject } from './types.js';

/**
 * autoscaling/v1 HorizontalPodAutoscalers are stored as autoscaling/v2 (the storage version), as
 * the real server does (pkg/apis/autoscaling/v1/conversion.go): v1's
 * `targetCPUUtilizationPercentage` is v2's Resource cpu Utilization metric, v1's
 * `currentCPUUtilizationPercentage` the matching current metric. Not converted: the other v2
 * metrics, which the real server keeps in the v1 object's `autoscaling.alpha.kubernetes.io/*`
 * annotations; here a v1 read just does not show them.
 */
type Raw = Record<string, unknown>;
const record = (value: unknown): Raw => (isRecord(value) ? value : {});
const list = (value: unknown): Raw[] => (Array.isArray(value) ? value.filter(isRecord) : []);

function cpuUtilization(metrics: unknown, field: 'target' | 'current'): number | undefined {
  const cpu = list(metrics).find((m) => m.type === 'Resource' && record(m.resource).name === 'cpu');
  const value = record(record(cpu?.resource)[field]).averageUtilization;
  return typeof value === 'number' ? value : undefined;
}

const defined = (entries: Array<[string, unknown]>): Raw => Object.fromEntries(entries.filter(([, v]) => v !== undefined));

/** The object in another version: the given spec and (when it has one) status fields, absent ones left out. */
function convert(object: KubeObject, apiVersion: string, spec: Array<[string, unknown]>, status: Array<[string, unknown]>): KubeObject {
  return { ...object, apiVersion, spec: defined(spec), ...(object.status === undefined ? {} : { status: defined(status) }) };
}

function toV1(stored: KubeObject): KubeObject {
  const spec = record(stored.spec);
  const status = record(stored.status);
  return convert(
    stored,
    'autoscaling/v1',
    [['scaleTargetRef', spec.scaleTargetRef], ['minReplicas', spec.minReplicas], ['maxReplicas', spec.maxReplicas], ['targetCPUUtilizationPercentage', cpuUtilization(spec.metrics, 'target')]],
    [
      ['observedGeneration', status.observedGeneration],
      ['lastScaleTime', status.lastScaleTime],
      ['currentReplicas', status.currentReplicas ?? 0],
      ['desiredReplicas', status.desiredReplicas ?? 0],
      ['currentCPUUtilizationPercentage', cpuUtilization(status.currentMetrics, 'current')],
    ],
  );
}

const cpuMetric = (field: 'target' | 'current', percent: unknown): Raw[] | undefined =>
  typeof percent === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', [field]: field === 'target' ? { type: 'Utilization', averageUtilization: percent } : { averageUtilization: percent } } }] : undefined;

function toV2(wire: KubeObject): KubeObject {
  const spec = record(wire.spec);
  const status = record(wire.status);
  return convert(
    wire,
    'autoscaling/v2',
    [['scaleTargetRef', spec.scaleTargetRef], ['minReplicas', spec.minReplicas], ['maxReplicas', spec.maxReplicas], ['metrics', cpuMetric('target', spec.targetCPUUtilizationPercentage)]],
    [
      ['observedGeneration', status.observedGeneration],
      ['lastScaleTime', status.lastScaleTime],
      ['currentReplicas', status.currentReplicas],
      ['desiredReplicas', status.desiredReplicas],
      ['currentMetrics', cpuMetric('current', status.currentCPUUtilizationPercentage)],
    ],
  );
}

export const hpaV1Codec: VersionCodec = { fromStorage: toV1, toStorage: toV2 };
