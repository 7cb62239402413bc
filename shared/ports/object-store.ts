export interface WriteOptions {
  contentType?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
  /** `0` means "only if the object does not exist yet" — the idempotent-create precondition. */
  ifGenerationMatch?: number;
}

export interface StoredObject {
  bucket: string;
  name: string;
  generation: string;
  size: number;
}

/** Cloud Storage as a port. A write resolves only once the object is durable. */
export interface ObjectStore {
  write(bucket: string, name: string, data: Buffer, options?: WriteOptions): Promise<StoredObject>;
  read(bucket: string, name: string): Promise<Buffer>;
  /** Stream an object's bytes, so large landed files are never held whole in memory. */
  stream(bucket: string, name: string): AsyncIterable<Buffer>;
  list(bucket: string, prefix?: string): Promise<StoredObject[]>;
}

/** Raised by `write` when `ifGenerationMatch` does not hold: the object already exists. */
export class PreconditionFailedError extends Error {
  readonly code = 412;
  constructor(bucket: string, name: string) {
    super(`gs://${bucket}/${name} already exists (ifGenerationMatch precondition failed)`);
    this.name = 'PreconditionFailedError';
  }
}

/** In-memory object store for unit tests. */
export class FakeObjectStore implements ObjectStore {
  readonly objects = new Map<string, { data: Buffer; generation: number; options: WriteOptions }>();
  private generation = 1;

  async write(bucket: string, name: string, data: Buffer, options: WriteOptions = {}): Promise<StoredObject> {
    const id = `${bucket}/${name}`;
    const existing = this.objects.get(id);
    if (options.ifGenerationMatch !== undefined) {
      const current = existing ? existing.generation : 0;
      if (current !== options.ifGenerationMatch) throw new PreconditionFailedError(bucket, name);
    }
    const generation = this.generation++;
    this.objects.set(id, { data: Buffer.from(data), generation, options });
    return { bucket, name, generation: String(generation), size: data.length };
  }

  async read(bucket: string, name: string): Promise<Buffer> {
    const o = this.objects.get(`${bucket}/${name}`);
    if (!o) throw Object.assign(new Error(`gs://${bucket}/${name}: no such object`), { code: 404 });
    return o.data;
  }

  async *stream(bucket: string, name: string): AsyncIterable<Buffer> {
    const data = await this.read(bucket, name);
    const chunk = 64 * 1024;
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  }

  async list(bucket: string, prefix = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    for (const [id, o] of this.objects) {
      const name = id.slice(bucket.length + 1);
      if (id.startsWith(`${bucket}/`) && name.startsWith(prefix)) {
        out.push({ bucket, name, generation: String(o.generation), size: o.data.length });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}
