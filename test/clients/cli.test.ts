import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/cli/interrupt.js';
import { startTestApp, TEST_KEYS, useTestApp, type TestApp } from '../support/app.js';
import { createJob, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker } from '../support/worker.js';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.js');

/** Asynchronous: the API and the store answer from this very process. */
async function ffprobe(target: string, extra: string[] = []): Promise<any> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', ...extra, '-show_streams', '-show_format', '-of', 'json', target]);
  return JSON.parse(stdout);
}

describe('the ffly CLI against a real API and worker', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp();
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });

  /** Runs `ffly` as a user would: its own process, configured by FFLY_API_URL and FFLY_API_KEY; stderr is not a TTY. */
  const ffly = (args: string[], key: string = TEST_KEYS[0]) =>
    execa(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FFLY_API_URL: app.url, FFLY_API_KEY: key },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });

  it('transcodes a video into an MP3 and an HLS ladder that plays offline', async () => {
    startWorker(app);
    const source = await media.fixture('h264-aac-360p.mp4');
    const out = await media.subdir('cli-out');

    const result = await ffly(['transcode', source, '--audio', 'mp3:128k:44100:1', '--video', 'hls:480p,360p,240p', '--out', out]);

    expect(result.exitCode, result.stderr).toBe(0);
    // The source is 360p: the service skips 480p and says so, and so does the CLI.
    expect(result.stderr).toMatch(/^Note: 480p is above the source's 360p/m);
    expect(result.stdout.split('\n')).toEqual([path.join(out, 'mp3-128k-44k1-mono.mp3'), path.join(out, 'hls', 'master.m3u8')]);
    // Plain progress lines when stderr is not a terminal: the upload, the phases, the end.
    expect(result.stderr).toMatch(/^upload 100% /m);
    expect(result.stderr).toMatch(/^TRANSCODING \d+%/m);
    expect(result.stderr).toMatch(/^COMPLETED 100%/m);

    const mp3 = (await ffprobe(path.join(out, 'mp3-128k-44k1-mono.mp3'))).streams[0];
    expect(mp3).toMatchObject({ codec_name: 'mp3', sample_rate: '44100', channels: 1 });

    // Offline: ffprobe may open local files only, and no playlist mentions a URL any more.
    const files = await readdir(path.join(out, 'hls'));
    for (const playlist of files.filter((file) => file.endsWith('.m3u8'))) {
      expect(await readFile(path.join(out, 'hls', playlist), 'utf8')).not.toMatch(/https?:/);
    }
    expect(files.some((file) => file.endsWith('.part'))).toBe(false);
    const ladder = await ffprobe(path.join(out, 'hls', 'master.m3u8'), ['-protocol_whitelist', 'file']);
    expect(ladder.format.format_name).toBe('hls');
    const heights = ladder.streams.filter((stream: any) => stream.codec_type === 'video').map((stream: any) => stream.height);
    expect(heights.sort((a: number, b: number) => a - b)).toEqual([240, 360]);
  });

  it('makes a poster, a storyboard that works offline, a waveform and a normalised MP3 from --image, --waveform and a bare --loudness', async () => {
    startWorker(app);
    const source = await media.fixture('h264-aac-360p.mp4');
    const out = await media.subdir('cli-extras');

    const result = await ffly(['transcode', source, '--audio', 'mp3', '--loudness', '--image', 'poster', '--image', 'storyboard:3', '--waveform', '--out', out]);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      path.join(out, 'mp3-192k-16lufs.mp3'),
      path.join(out, 'poster.jpg'),
      path.join(out, 'storyboard', 'storyboard.vtt'),
      path.join(out, 'waveform.json'),
    ]);
    expect((await ffprobe(path.join(out, 'poster.jpg'))).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 360 });
    const vtt = await readFile(path.join(out, 'storyboard', 'storyboard.vtt'), 'utf8');
    expect(vtt).not.toMatch(/https?:/);
    expect(vtt.match(/^sheet\.jpg#xywh=\d+,\d+,\d+,\d+$/gm)).toHaveLength(3);
    expect((await ffprobe(path.join(out, 'storyboard', 'sheet.jpg'))).streams[0]).toMatchObject({ codec_name: 'mjpeg' });
    expect(JSON.parse(await readFile(path.join(out, 'waveform.json'), 'utf8'))).toMatchObject({ version: 2, bits: 8 });
  });

  it('exits non-zero with the job error when the job fails', async () => {
    startWorker(app);
    const file = path.join(media.dir, 'notes.wav');
    await writeFile(file, 'this is a text file pretending to be a wav\n'.repeat(20));

    const result = await ffly(['transcode', file, '--audio', 'mp3', '--out', await media.subdir('failed-out')]);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/FAILED: INPUT_(UNREADABLE|REJECTED): \S/);
    expect(result.stdout).toBe('');
  });

  it('watches a job started elsewhere and downloads its outputs when it completes', async () => {
    startWorker(app);
    const bytes = await readFile(await media.fixture('wav-16bit-stereo-44k.wav'));
    const job = await createJob(app, wavInput(bytes.length));
    await upload(job, bytes);
    await runMutation(app, START_JOB, job.id);
    const out = await media.subdir('watch-out');

    const result = await ffly(['watch', job.id, '--out', out]);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(path.join(out, 'mp3-128k.mp3'));
    expect((await ffprobe(result.stdout)).streams[0]).toMatchObject({ codec_name: 'mp3' });
  });

  it('rejects a malformed output spec before creating anything, with exit code 2', async () => {
    const countJobs = async () => (await app.graphql('{ jobs(first: 100) { edges { cursor } } }')).data.jobs.edges.length;
    const before = await countJobs();

    const result = await ffly(['transcode', await media.fixture('wav-16bit-stereo-44k.wav'), '--audio', 'mp3:fast', '--out', media.dir]);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('ffly: --audio "mp3:fast": "fast" is neither a bitrate like 192k nor a bit depth like 24bit');
    expect(await countJobs()).toBe(before);
  });

  it('names the flag behind a ValidationError from the API, with exit code 2', async () => {
    const wav = await media.fixture('wav-16bit-stereo-44k.wav');
    const opus = await ffly(['transcode', wav, '--audio', 'mp3', '--audio', 'opus:96k:44100', '--out', media.dir]);
    expect(opus.exitCode).toBe(2);
    expect(opus.stderr).toMatch(/^ffly: --audio opus:96k:44100: sample rate 44100 is not supported by OPUS; use one of .+/);

    const mp3 = await ffly(['transcode', wav, '--audio', 'mp3:999k', '--out', media.dir]);
    expect(mp3.exitCode).toBe(2);
    expect(mp3.stderr).toBe('ffly: --audio mp3:999k: bitrate must be from 32 to 320 for MP3');
  });

  it('tells a directory from a missing file', async () => {
    const missing = await ffly(['transcode', path.join(media.dir, 'nothing-here.wav'), '--audio', 'mp3', '--out', media.dir]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(`ffly: ${path.join(media.dir, 'nothing-here.wav')}: no such file`);

    const directory = await ffly(['transcode', media.dir, '--audio', 'mp3', '--out', media.dir]);
    expect(directory.exitCode).toBe(2);
    expect(directory.stderr).toBe(`ffly: ${media.dir}: is a directory; give the path of a media file`);
  });

  it('gives the terminal back on Ctrl-C and prints the whole command that resumes', async () => {
    // Its own API and no worker: the job waits in QUEUED with its bar drawn until Ctrl-C.
    const quiet = await useTestApp();
    const out = await media.subdir('interrupted out');
    const command = [process.execPath, BIN, 'transcode', await media.fixture('wav-16bit-stereo-44k.wav'), '--audio', 'mp3', '--out', out];
    // script(1) runs it on a pseudo-terminal: stderr is a TTY, and \x03 typed there is Ctrl-C.
    const child = execa('script', ['-qefc', command.map(shellQuote).join(' '), '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', FFLY_API_URL: quiet.url, FFLY_API_KEY: TEST_KEYS[0] },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    let screen = '';
    child.stdout!.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    await expect.poll(() => screen, { timeout: 30_000 }).toMatch(/QUEUED +\|/);
    child.stdin!.write('\x03');
    const result = await child;

    expect(result.exitCode, screen).toBe(130);
    const id = /Job (job_[0-9A-Za-z]{22})/.exec(screen)?.[1];
    expect(id, screen).toBeDefined();
    const hint = screen.indexOf(`ffly watch ${id} --out '${out}'`);
    expect(hint, screen).toBeGreaterThan(0);
    expect(screen).toContain(`ffly cancel ${id}`);
    // The bar turned wrapping off (\x1b[?7l); it is back on before the hint, and nothing turns it off again.
    const wrapOff = screen.lastIndexOf('\x1b[?7l');
    const wrapOn = screen.lastIndexOf('\x1b[?7h');
    expect(wrapOff).toBeGreaterThanOrEqual(0);
    expect(wrapOn).toBeGreaterThan(wrapOff);
    expect(wrapOn).toBeLessThan(hint);
    expect(screen.lastIndexOf('\x1b[?25h')).toBeGreaterThan(screen.lastIndexOf('\x1b[?25l')); // the cursor shows again
    const [job] = (await quiet.graphql('{ jobs(first: 1) { edges { node { id status } } } }')).data.jobs.edges;
    expect(job.node).toEqual({ id, status: 'QUEUED' });
  });

  it('lists jobs and cancels one, refusing to cancel it twice', async () => {
    const job = await createJob(app, wavInput(1000));

    const canceled = await ffly(['cancel', job.id]);
    expect(canceled.exitCode).toBe(0);
    expect(canceled.stdout).toBe(`${job.id}\tCANCELED`);

    const again = await ffly(['cancel', job.id]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^ffly: .*CANCELED/);

    const listed = await ffly(['jobs', '--status', 'canceled']);
    expect(listed.exitCode).toBe(0);
    const [header, ...rows] = listed.stdout.split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+DONE\s+CREATED \(UTC\)\s+OUTPUTS\s+SOURCE$/);
    expect(rows.find((row) => row.startsWith(job.id))).toMatch(/CANCELED\s+-\s+\S+ \S+\s+mp3-128k\s+tone\.wav$/);
  });

  it('says which key to set when the API refuses the key, over HTTP and over WebSocket', async () => {
    const listed = await ffly(['jobs'], 'not-a-valid-key-0123456789');
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toBe('ffly: Invalid API key (pass --key or set FFLY_API_KEY)');

    const watched = await ffly(['watch', (await createJob(app, wavInput(1000))).id], 'not-a-valid-key-0123456789');
    expect(watched.exitCode).toBe(1);
    expect(watched.stderr).toBe('ffly: The subscription failed: the API refused the key (pass --key or set FFLY_API_KEY)');
  });
});
