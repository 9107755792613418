/**
 * The S3 adapter of the artifact port: writes rendered artifacts to S3, skipping any object whose bytes are unchanged so that ETags
 * stay stable for conditional GETs and a quiet plan costs no PUTs.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type Artifact,
  type ArtifactStore,
  artifactBytes,
  DEFAULT_CACHE_CONTROL,
  md5,
  type StoredObject,
  type WriteResult,
} from '../artifacts.ts';

/** Up to this many folders are listed one by one; beyond, one listing of the whole prefix. */
const FOLDER_LISTINGS = 8;
/**
 * S3 bills a HEAD as a GET, a twelfth of a LIST ($0.0004 against $0.005 per 1,000). A publish
 * after one update renders a few dozen artifacts into several folders (a LIST each) or, past
 * FOLDER_LISTINGS, pages through the whole plan (a LIST per 1,000 objects): a HEAD per artifact
 * is cheaper up to this many, and as quick (they run in parallel, the LIST pages one after another).
 */
const HEAD_PRICE_IN_LISTS = 0.08;
const HEAD_CHECKS = 100;

/**
 * Objects read back (the publisher's snapshot, the months' files, the catalog records) are kept,
 * up to this many, so that a warm function asks for the next read with If-None-Match: an
 * unchanged object (a 304, billed as the GET it is) is neither transferred nor decoded again, and
 * the same StoredObject comes back, which callers may memoize their parse on. A snapshot is a
 * few MB at most, a month's part under 1 MB: this bounds the memory kept to a few hundred MB.
 */
const REMEMBERED_OBJECTS = 64;

export class S3ArtifactStore implements ArtifactStore {
  private readonly remembered = new Map<string, StoredObject>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly concurrency = 8,
  ) {}

  /**
   * ETags of everything under a prefix: one LIST instead of a HEAD per object. With a
   * delimiter, only the objects directly in that folder.
   */
  async etags(prefix: string, delimiter?: '/'): Promise<Map<string, string>> {
    const tags = new Map<string, string>();
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }),
      );
      for (const object of out.Contents ?? []) {
        if (object.Key && object.ETag) tags.set(object.Key, object.ETag.replace(/"/g, ''));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return tags;
  }

  /**
   * What is stored where the artifacts go. A publish after one update writes into a few folders
   * (the plan's root, a year, an area, a commitment) of a plan that may hold tens of thousands of
   * objects: listing those folders, in parallel, reads a few dozen keys instead of paging
   * through all of them. Many folders (a full render) list the whole prefix instead.
   */
  private async storedEtags(prefix: string, artifacts: Artifact[]): Promise<Map<string, string>> {
    const folders = new Set(
      artifacts.map((artifact) => {
        const folder = artifact.key.slice(0, artifact.key.lastIndexOf('/') + 1);
        return folder.length >= prefix.length ? folder : prefix;
      }),
    );
    const lists = folders.size > FOLDER_LISTINGS ? FOLDER_LISTINGS + 1 : folders.size;
    if (artifacts.length <= HEAD_CHECKS && artifacts.length * HEAD_PRICE_IN_LISTS < lists) {
      return this.headEtags(artifacts.map((artifact) => artifact.key));
    }
    if (folders.size > FOLDER_LISTINGS) return this.etags(prefix);
    const listed = await Promise.all([...folders].map((folder) => (folder.endsWith('/') ? this.etags(folder, '/') : this.etags(folder))));
    return new Map(listed.flatMap((tags) => [...tags]));
  }

  /** ETags of the keys that exist, one HEAD each, several at a time (strongly consistent, as a LIST). */
  private async headEtags(keys: string[]): Promise<Map<string, string>> {
    const tags = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
          if (out.ETag) tags.set(key, out.ETag.replace(/"/g, ''));
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if ((error as Error).name !== 'NotFound' && status !== 404) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(2 * this.concurrency, keys.length) }, worker));
    return tags;
  }

  async read(key: string): Promise<StoredObject | undefined> {
    const known = this.remembered.get(key);
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(known ? { IfNoneMatch: `"${known.etag}"` } : {}) }),
      );
      const stored = { body: await out.Body!.transformToString('utf8'), etag: (out.ETag ?? '').replace(/"/g, '') };
      if (this.remembered.size >= REMEMBERED_OBJECTS) this.remembered.clear();
      this.remembered.set(key, stored);
      return stored;
    } catch (error) {
      if (known && (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 304) return known;
      this.remembered.delete(key);
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async write(prefix: string, artifacts: Artifact[]): Promise<WriteResult> {
    const outside = artifacts.find((artifact) => !artifact.key.startsWith(prefix));
    if (outside) throw new Error(`artifact ${outside.key} is outside the prefix ${prefix} it is compared against`);
    // Nothing to ask about (every artifact marked changed) sends no request.
    const existing = await this.storedEtags(
      prefix,
      artifacts.filter((artifact) => !artifact.changed),
    );
    const result: WriteResult = { written: [], skipped: [], bytesWritten: 0 };
    // Single-part PUTs with SSE-S3 have the body's MD5 as ETag, on AWS and on the S3 server.
    const changed = artifacts.filter((artifact) => {
      const same = !artifact.changed && existing.get(artifact.key) === md5(artifact.body);
      if (same) result.skipped.push(artifact.key);
      return !same;
    });
    let next = 0;
    const worker = async () => {
      while (next < changed.length) {
        const artifact = changed[next++]!;
        const body = artifactBytes(artifact.body);
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: artifact.key,
            Body: body,
            ContentType: artifact.contentType,
            CacheControl: artifact.cacheControl ?? DEFAULT_CACHE_CONTROL,
          }),
        );
        result.written.push(artifact.key);
        result.bytesWritten += body.length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, changed.length) }, worker));
    return result;
  }
}
