/**
 * The artifact port: where rendered files go. Writes skip any object whose bytes are unchanged,
 * so that ETags stay stable for conditional GETs and a quiet plan costs no PUTs.
 */
import { createHash } from 'node:crypto';

export interface Artifact {
  /** S3 key = public URL path without the leading slash. */
  key: string;
  /** Text (UTF-8) or binary (the spreadsheet). */
  body: string | Uint8Array;
  contentType: string;
  cacheControl?: string;
  /**
   * The publisher knows these bytes differ from the stored ones (they show an update no
   * published file shows yet): written without asking the store what is there. A wrong mark
   * costs one identical PUT (same bytes, same ETag), never a wrong file.
   */
  changed?: boolean;
}

export interface WriteResult {
  written: string[];
  skipped: string[];
  bytesWritten: number;
}

export interface StoredObject {
  body: string;
  /** MD5 of the body, as S3 reports it for single-part PUTs. */
  etag: string;
}

/** What publishing a plan needs: writes that skip unchanged bytes. */
export interface ArtifactWriter {
  /**
   * Writes the artifacts that differ from what is stored under `prefix` (a LIST of the prefix,
   * or of the few folders written into, tells what is there; every artifact key must start with
   * it), and those marked `changed` without looking.
   */
  write(prefix: string, artifacts: Artifact[]): Promise<WriteResult>;
}

/** A writer that can also read back (the site's root is assembled from stored records). */
export interface ArtifactStore extends ArtifactWriter {
  /** ETags of everything under a prefix. */
  etags(prefix: string): Promise<Map<string, string>>;
  read(key: string): Promise<StoredObject | undefined>;
}

export const DEFAULT_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';

export const md5 = (body: string | Uint8Array) =>
  (typeof body === 'string' ? createHash('md5').update(body, 'utf8') : createHash('md5').update(body)).digest('hex');

/** The bytes an artifact is stored as. */
export const artifactBytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
