// Uploads in parts from the page: big files go up four parts at a time, and a reload resumes them.
import { JobUploadDocument, UploadPartUrlsDocument } from './operations.js';

/** Files above this go up in parts (as the CLI does). */
export const MULTIPART_ABOVE_BYTES = 64 * 1024 * 1024;
const PARTS_AT_ONCE = 4;
const URL_BATCH = 16;

/** Where the page remembers which job a file was being uploaded for: name, size and modification time identify it. */
const resumeKey = (file) => `ffly.upload:${file.name}:${file.size}:${file.lastModified}`;

export function rememberUpload(file, jobId) {
  try {
    localStorage.setItem(resumeKey(file), jobId);
  } catch {
    // Without storage the upload still works; it just cannot resume after a reload.
  }
}

export function forgetUpload(file) {
  try {
    localStorage.removeItem(resumeKey(file));
  } catch {
    // Nothing was kept.
  }
}

/**
 * The job an earlier visit created for this very file and could not finish uploading, with what the
 * store holds of it; null when there is none (or it can no longer take its upload).
 */
export async function findResumableUpload(api, file) {
  let jobId = null;
  try {
    jobId = localStorage.getItem(resumeKey(file));
  } catch {
    return null;
  }
  if (!jobId) return null;
  const { job } = await api.request(JobUploadDocument, { id: jobId }).catch(() => ({ job: null }));
  const upload = job?.status === 'AWAITING_UPLOAD' ? job.source.multipartUpload : null;
  if (!upload || Date.parse(upload.expiresAt) < Date.now()) {
    forgetUpload(file);
    return null;
  }
  return { jobId, upload };
}

/** Sends the parts the store lacks, `PARTS_AT_ONCE` at a time; `onProgress(loaded, total)` covers the whole file. */
export async function uploadMissingParts(api, jobId, file, upload, onProgress) {
  const held = new Set(upload.uploadedParts.map((part) => part.number));
  const queue = [];
  for (let number = 1; number <= upload.partCount; number++) if (!held.has(number)) queue.push(number);
  const partSize = upload.partSizeBytes;
  let done = upload.uploadedParts.reduce((sum, part) => sum + part.sizeBytes, 0);
  const inFlight = new Map();
  const report = () => onProgress(done + [...inFlight.values()].reduce((sum, bytes) => sum + bytes, 0), file.size);
  report();

  const urls = new Map();
  async function urlFor(number) {
    const cached = urls.get(number);
    if (cached && Date.parse(cached.expiresAt) - Date.now() > 60_000) return cached;
    const wanted = [number, ...queue].slice(0, URL_BATCH);
    const { uploadPartUrls: result } = await api.request(UploadPartUrlsDocument, { id: jobId, partNumbers: wanted });
    if (result.__typename !== 'UploadPartUrls') throw new Error(result.message);
    for (const part of result.parts) urls.set(part.number, part);
    return urls.get(number);
  }

  async function sender() {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
      const start = (number - 1) * partSize;
      const blob = file.slice(start, Math.min(start + partSize, file.size));
      await putPart(await urlFor(number), blob, (loaded) => {
        inFlight.set(number, loaded);
        report();
      });
      inFlight.delete(number);
      done += blob.size;
      report();
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARTS_AT_ONCE, Math.max(queue.length, 1)) }, sender));
}

/** One part's PUT with exactly the headers given; the browser sets Content-Length (signed) from the blob. */
function putPart(part, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(part.method, part.url);
    for (const { name, value } of part.headers) if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`The store refused part ${part.number} (HTTP ${xhr.status})`))));
    xhr.addEventListener('error', () => reject(new Error('The upload failed: the store could not be reached from this browser')));
    xhr.send(blob);
  });
}
