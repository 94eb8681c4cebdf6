/**
 * bench:upload — a 1 GiB source through the embedded store, same run: as one presigned PUT, and in
 * parts (16 MiB, four at a time, then startJob completing the upload); then an upload in parts
 * interrupted at 50 % and resumed, counting the bytes sent again. Prints MB/s for each: BENCH_RUNS
 * times (3), median and spread. `BENCH_UPLOAD_BYTES` shortens it.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createApiClient } from '../src/client/api-client.js';
import { JobUploadDocument } from '../src/client/generated/graphql.js';
import { createJob, startJob } from '../src/client/jobs.js';
import { uploadFile } from '../src/client/upload.js';
import { uploadMissingParts } from '../src/client/upload-parts.js';
import { formatSpread, measureRepeatedly, startBenchServer } from './support.js';

const SIZE = Number(process.env.BENCH_UPLOAD_BYTES ?? 1024 ** 3);
const MB = 1e6;

async function writeSource(file: string): Promise<void> {
  // Random 1 MiB blocks, so nothing on the way can compress the body.
  const block = randomBytes(1024 ** 2);
  const out = createWriteStream(file);
  for (let written = 0; written < SIZE; written += block.length) {
    if (!out.write(block.subarray(0, Math.min(block.length, SIZE - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const input = (multipart: boolean) => ({
  source: { filename: 'bench.mp4', contentType: 'video/mp4', sizeBytes: SIZE, multipart },
  outputs: [{ audio: { format: 'MP3' as const } }],
});

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-upload-'));
  const file = path.join(dir, 'source.bin');
  await writeSource(file);
  const bench = await startBenchServer();
  const client = createApiClient({ apiUrl: bench.server.url });
  const rate = (bytes: number, ms: number) => bytes / MB / (ms / 1000);
  try {
    const figures = await measureRepeatedly(
      `bench:upload — ${(SIZE / 1024 ** 3).toFixed(2)} GiB through the embedded store; MB/s and seconds`,
      async () => {
        const single = await createJob(client, input(false));
        let started = performance.now();
        await uploadFile(file, single.source.upload!);
        const singleMs = performance.now() - started;

        const parted = await createJob(client, input(true));
        const plan = parted.source.multipartUpload!;
        started = performance.now();
        await uploadMissingParts(client, parted.id, file, SIZE, plan, { concurrency: 4 });
        const partsMs = performance.now() - started;
        started = performance.now();
        await startJob(client, parted.id);
        const completeMs = performance.now() - started;
        console.log(`${plan.partCount} parts of ${plan.partSizeBytes / 1024 ** 2} MiB, 4 at a time`);

        // Interrupted once half of the bytes are stored: the parts in flight are lost.
        const resumed = await createJob(client, input(true));
        const abort = new AbortController();
        let storedBytes = 0;
        await uploadMissingParts(client, resumed.id, file, SIZE, resumed.source.multipartUpload!, {
          concurrency: 4,
          signal: abort.signal,
          onPartStored: () => {
            storedBytes += plan.partSizeBytes;
            if (storedBytes >= SIZE / 2) abort.abort();
          },
        }).catch(() => {});
        const { job } = await client.request(JobUploadDocument, { id: resumed.id });
        const upload = job!.source.multipartUpload!;
        const held = upload.uploadedParts.reduce((sum, part) => sum + part.sizeBytes, 0);
        let sentAgain = 0;
        started = performance.now();
        const { sentParts } = await uploadMissingParts(client, resumed.id, file, SIZE, upload, { concurrency: 4 });
        const resumeMs = performance.now() - started;
        for (const number of sentParts) sentAgain += number < upload.partCount ? upload.partSizeBytes : SIZE - (upload.partCount - 1) * upload.partSizeBytes;
        await startJob(client, resumed.id);
        return {
          one_put_mb_s: rate(SIZE, singleMs),
          parts_mb_s: rate(SIZE, partsMs),
          complete_s: completeMs / 1000,
          parts_with_complete_mb_s: rate(SIZE, partsMs + completeMs),
          held_percent_at_interruption: (held / SIZE) * 100,
          resent_percent: (sentAgain / SIZE) * 100,
          resume_mb_s: rate(sentAgain, resumeMs),
        };
      },
    );
    const mbs = (value: number) => `${value.toFixed(1)} MB/s`;
    const percent = (value: number) => `${value.toFixed(1)} %`;
    console.log(`one PUT:                 ${formatSpread(figures.one_put_mb_s, mbs)}`);
    console.log(`parts, 4 at a time:      ${formatSpread(figures.parts_mb_s, mbs)}`);
    console.log(`startJob (completing: the store assembles the object): ${formatSpread(figures.complete_s, (value) => `${value.toFixed(1)} s`)}`);
    console.log(`parts with completing:   ${formatSpread(figures.parts_with_complete_mb_s, mbs)}`);
    const share = figures.resent_percent;
    console.log(
      `resume after 50 %: the store held ${formatSpread(figures.held_percent_at_interruption, percent)}; the resumed run sent ` +
        `${formatSpread(share, percent)} of the bytes at ${formatSpread(figures.resume_mb_s, mbs)} — ${share.max <= 55 ? 'within' : 'ABOVE'} the 55 % bound`,
    );
    if (share.max > 55) process.exitCode = 1;
  } finally {
    await client.close();
    await bench.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
