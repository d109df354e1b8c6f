// Echo pods: tcpshift-echo processes run as Pods (a minimal kubelet) and a minimal Deployment controller.
export { PodRuntime, type PodRuntimeOptions, type RunningPodInfo } from './pod-runtime.js';
export { DeploymentController, type DeploymentControllerOptions } from './deployment-controller.js';
export { DeploymentKind, ECHO_PORT_NAME, PID_ANNOTATION, POD_FINALIZER, type Deployment, type PodTemplate } from './pod-manifest.js';
export { echoBinary } from './echo-process.js';
