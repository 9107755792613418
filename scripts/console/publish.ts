/**
 * `npm run console:publish`: builds the signing console and puts its files under `console/`
 * of the feeds bucket (BUCKET_NAME, with the operator's AWS credentials; S3_ENDPOINT for an
 * emulator), where CloudFront serves them with the console's headers. The local runtime does
 * the same at every start. Run it after each deployment that changes the console.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildConsole } from '#infra/console-assets';
import { createS3Client } from '#shared/store/s3/client';

const bucket = process.env.BUCKET_NAME;
if (!bucket) {
  console.error('BUCKET_NAME is not set: the feeds bucket (the stack output BucketName).');
  process.exit(2);
}
const s3 = createS3Client({ region: process.env.AWS_REGION ?? 'eu-west-1', s3Endpoint: process.env.S3_ENDPOINT });
for (const file of await buildConsole()) {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body, ContentType: file.contentType, CacheControl: 'no-cache' }),
  );
  console.log(`put s3://${bucket}/${file.key} (${file.body.length} bytes)`);
}
