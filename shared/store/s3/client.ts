/** The S3 client, apart from the DynamoDB one so that only the code that writes to S3 loads its SDK. */
import { S3Client } from '@aws-sdk/client-s3';
import { type ClientOptions, localCredentials, REQUEST_TIMEOUTS } from '../../aws/client-options.ts';

export function createS3Client(options: ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.s3Endpoint,
    forcePathStyle: Boolean(options.s3Endpoint),
    credentials: localCredentials(options.s3Endpoint),
    requestHandler: REQUEST_TIMEOUTS,
    // s3rver predates the SDK's default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
