import type { Storage } from '@google-cloud/storage';
import { type ObjectStore, PreconditionFailedError, type StoredObject, type WriteOptions } from '../ports/object-store';

/** ObjectStore over the official Cloud Storage client. */
export class GcsObjectStore implements ObjectStore {
  constructor(private readonly storage: Storage) {}

  async write(bucket: string, name: string, data: Buffer, options: WriteOptions = {}): Promise<StoredObject> {
    const file = this.storage.bucket(bucket).file(name);
    try {
      await file.save(data, {
        resumable: false,
        ...(options.contentType ? { contentType: options.contentType } : {}),
        metadata: {
          ...(options.contentEncoding ? { contentEncoding: options.contentEncoding } : {}),
          ...(options.metadata ? { metadata: options.metadata } : {}),
        },
        ...(options.ifGenerationMatch !== undefined
          ? { preconditionOpts: { ifGenerationMatch: options.ifGenerationMatch } }
          : {}),
      });
    } catch (err) {
      if ((err as { code?: number }).code === 412) throw new PreconditionFailedError(bucket, name);
      throw err;
    }
    const generation = file.metadata.generation;
    return { bucket, name, generation: String(generation ?? ''), size: data.length };
  }

  async read(bucket: string, name: string): Promise<Buffer> {
    const [data] = await this.storage.bucket(bucket).file(name).download();
    return data;
  }

  async *stream(bucket: string, name: string): AsyncIterable<Buffer> {
    for await (const chunk of this.storage.bucket(bucket).file(name).createReadStream()) {
      yield chunk as Buffer;
    }
  }

  async list(bucket: string, prefix?: string): Promise<StoredObject[]> {
    const [files] = await this.storage.bucket(bucket).getFiles(prefix ? { prefix } : {});
    return files.map((f) => ({
      bucket,
      name: f.name,
      generation: String(f.metadata.generation ?? ''),
      size: Number(f.metadata.size ?? 0),
    }));
  }
}
