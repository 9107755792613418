/**
 * What every AWS client of ours is built with, so that the same code talks to AWS or to DynamoDB
 * Local and the S3 server.
 */
export interface ClientOptions {
  region: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** Another KMS endpoint (tests' KMS stand-in); unset on AWS. */
  kmsEndpoint?: string;
}

/**
 * The SDK waits forever by default on a connection that neither answers nor closes. A publish
 * stuck that way would hold its plan's lease (and, locally, the stream poller) until the Lambda
 * timed out; with these limits the call fails, the SDK retries it, and the batch is retried.
 * The request limit is an idle limit on the socket, not a limit on a large upload.
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;

/** Emulators accept any credentials; giving fixed ones keeps the SDK from searching for a profile. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The emulators' credentials when an endpoint is given; else the SDK's own chain (AWS). */
export function localCredentials(endpoint?: string) {
  return endpoint ? EMULATOR_CREDENTIALS : undefined;
}
