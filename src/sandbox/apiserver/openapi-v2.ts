import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `/openapi/v2`, just enough for kubectl's client-side validation of `List` documents. kubectl
 * (k8s.io/kubectl/pkg/cmd/util/factory_client_access.go `Validator`) validates a List, whose kind
 * no OpenAPI v3 document names, with its OpenAPI v2 validator; that fetches /openapi/v2 as
 * protobuf (client-go discovery `OpenAPISchema`: gnostic `openapi_v2.Document`) and skips every
 * item whose kind it has no definition for (k8s.io/kubectl/pkg/util/openapi/validation
 * `validateResource`: "resource is not present, let's just skip validation"). So the document
 * declares no definitions: the items are validated by the server (fieldValidation, from the v3
 * documents), exactly as kubectl does for single objects. JSON is served to clients that ask
 * for it.
 */
const PROTOBUF_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const SWAGGER = '2.0';

/** gnostic openapi_v2.Document with only `swagger` (field 1, a length-delimited string). */
function protobufDocument(): Buffer {
  const text = Buffer.from(SWAGGER, 'utf8');
  return Buffer.concat([Buffer.from([(1 << 3) | 2, text.length]), text]);
}

export function sendOpenApiV2(req: IncomingMessage, res: ServerResponse): void {
  if ((req.headers.accept ?? '').includes('protobuf')) {
    const body = protobufDocument();
    res.writeHead(200, { 'Content-Type': PROTOBUF_TYPE, 'Content-Length': body.length });
    res.end(body);
    return;
  }
  const body = JSON.stringify({ swagger: SWAGGER, info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
