import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * The embedded store's multipart uploads on disk (s3rver has no ListParts, no abort and no checks on
 * completion). One directory per upload: `upload.json` (key, type, when), and per part a data file
 * written under a fresh name plus `<n>.json` (ETag, size, time, data file), renamed into place, so a
 * reader always sees a whole part and a part sent again replaces the old one atomically.
 */

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  /** Headers kept for the final object: Content-Type and x-amz-meta-*. */
  headers: Record<string, string>;
  initiated: string;
}

export interface PartRecord {
  partNumber: number;
  etag: string;
  sizeBytes: number;
  lastModified: string;
  dataFile: string;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;

export function createPartStore(root: string) {
  const uploadDir = (uploadId: string) => path.join(root, uploadId);

  async function readJson<T>(file: string): Promise<T | null> {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async function writeJson(file: string, value: unknown): Promise<void> {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
    await fs.rename(temporary, file);
  }

  return {
    async create(bucket: string, key: string, headers: Record<string, string>): Promise<UploadRecord> {
      const uploadId = randomBytes(16).toString('hex');
      await fs.mkdir(uploadDir(uploadId), { recursive: true, mode: 0o700 });
      const record: UploadRecord = { uploadId, bucket, key, headers, initiated: new Date().toISOString() };
      await writeJson(path.join(uploadDir(uploadId), 'upload.json'), record);
      return record;
    },

    /** The upload, or null when there is none with this id (never created, completed or aborted). */
    async get(uploadId: string): Promise<UploadRecord | null> {
      if (!UPLOAD_ID.test(uploadId)) return null;
      return readJson<UploadRecord>(path.join(uploadDir(uploadId), 'upload.json'));
    },

    async list(): Promise<UploadRecord[]> {
      const names = await fs.readdir(root).catch(() => [] as string[]);
      const records = await Promise.all(names.filter((name) => UPLOAD_ID.test(name)).map((name) => readJson<UploadRecord>(path.join(uploadDir(name), 'upload.json'))));
      return records.filter((record): record is UploadRecord => record !== null);
    },

    /** Stores one part from the body stream; returns its record (ETag: the MD5 of its bytes, as S3). */
    async putPart(uploadId: string, partNumber: number, body: Readable): Promise<PartRecord> {
      const dir = uploadDir(uploadId);
      const dataFile = `${partNumber}.${randomBytes(6).toString('hex')}.data`;
      const md5 = createHash('md5');
      let sizeBytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          sizeBytes += chunk.length;
          callback(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(path.join(dir, dataFile), { mode: 0o600 }));
      } catch (error) {
        await fs.rm(path.join(dir, dataFile), { force: true });
        throw error;
      }
      const metaFile = path.join(dir, `${partNumber}.json`);
      const previous = await readJson<PartRecord>(metaFile);
      const record: PartRecord = { partNumber, etag: md5.digest('hex'), sizeBytes, lastModified: new Date().toISOString(), dataFile };
      await writeJson(metaFile, record);
      if (previous) await fs.rm(path.join(dir, previous.dataFile), { force: true });
      return record;
    },

    /** The parts held now, by part number. */
    async parts(uploadId: string): Promise<PartRecord[]> {
      const names = await fs.readdir(uploadDir(uploadId)).catch(() => [] as string[]);
      const records = await Promise.all(names.filter((name) => /^\d+\.json$/.test(name)).map((name) => readJson<PartRecord>(path.join(uploadDir(uploadId), name))));
      return records.filter((record): record is PartRecord => record !== null).sort((a, b) => a.partNumber - b.partNumber);
    },

    /** The concatenation of the given parts, in order, as one stream. */
    concat(uploadId: string, parts: PartRecord[]): Readable {
      const files = parts.map((part) => path.join(uploadDir(uploadId), part.dataFile));
      return Readable.from(
        (async function* () {
          for (const file of files) yield* createReadStream(file);
        })(),
        { objectMode: false },
      );
    },

    async remove(uploadId: string): Promise<void> {
      await fs.rm(uploadDir(uploadId), { recursive: true, force: true });
    },
  };
}

export type PartStore = ReturnType<typeof createPartStore>;
