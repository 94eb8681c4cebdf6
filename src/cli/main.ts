import { Command, CommanderError } from 'commander';
import { createApiClient, type ApiClient } from '../client/api-client.js';
import { ApiError, describeError } from '../client/errors.js';
import { cancel } from './cancel.js';
import { listJobsCommand } from './list-jobs.js';
import { transcode } from './transcode.js';
import { UsageError } from './usage-error.js';
import { watch } from './watch.js';

const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/** Exit codes: 0 success, 1 a failed job or request, 2 a mistake on the command line, 130 Ctrl-C. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Runs the `ffly` command line and resolves with the exit code. Progress bars and errors go to
 * stderr; results (local paths, tables, URLs) to stdout, so the output can be piped.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let exitCode: number = EXIT.ok;
  let client: ApiClient | null = null;
  const connect = (command: Command): ApiClient => {
    const { api, key } = command.optsWithGlobals<{ api?: string; key?: string }>();
    const apiUrl = api ?? env.FFLY_API_URL ?? DEFAULT_API_URL;
    if (!URL.canParse(apiUrl)) throw new UsageError(`--api "${apiUrl}": not a URL`);
    client = createApiClient({ apiUrl, apiKey: key ?? env.FFLY_API_KEY ?? null });
    return client;
  };
  const collect = (value: string, previous: string[] = []) => [...previous, value];

  const program = new Command('ffly')
    .description('Transcode audio and video with an ffly API: upload, follow live progress, download the outputs.')
    .option('--api <url>', `API base URL (default: $FFLY_API_URL or ${DEFAULT_API_URL})`)
    .option('--key <key>', 'API key (default: $FFLY_API_KEY; prefer the variable, arguments show up in ps)')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('transcode')
    .description('Create a job for <file> (uploaded) or <url> (fetched by the service), follow it live and download every output into --out')
    .argument('<file>', 'the audio or video file to transcode, or an http(s) URL the service fetches it from')
    .option('--audio <spec>', 'an audio output, repeatable: <format>[:<bitrate>k|<depth>bit[:<sampleRate>[:<channels>]]], e.g. mp3:192k:44100:2, flac:24bit, opus', collect)
    .option('--video <spec>', 'a video output, repeatable: <preset>[:<quality>,...] with preset hls, web or passthrough, e.g. hls:720p,360p', collect)
    .option(
      '--image <spec>',
      'images, repeatable: poster[:<seconds>] (default 10 % in), thumbnails[:<count>] (default 10, one file each) or storyboard[:<tiles>] (a sprite sheet and its WebVTT index)',
      collect,
    )
    .option('--waveform', 'the waveform as peaks (audiowaveform JSON, for peaks.js and wavesurfer)')
    .option('--loudness [lufs]', 'normalise every audio output to this loudness (EBU R128); a bare --loudness means -16 LUFS')
    .requiredOption('--out <dir>', 'where to download the outputs (an HLS ladder goes into a folder per output)')
    .option('--content-type <type>', 'media type of the file (default: from its extension)')
    .action(async (file: string, options, command: Command) => {
      exitCode = await transcode(connect(command), file, { audio: [], video: [], image: [], ...options });
    });

  program
    .command('jobs')
    .description('List the newest jobs')
    .option('--status <list>', 'only these statuses, comma-separated, e.g. running,queued')
    .option('--limit <n>', 'how many, 1 to 100', '20')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options, command: Command) => {
      exitCode = await listJobsCommand(connect(command), options);
    });

  program
    .command('watch')
    .description('Follow a job live until it ends; with --out, download its outputs when it completes')
    .argument('<id>', 'the job id')
    .option('--out <dir>', 'download the outputs here once the job completes')
    .action(async (id: string, options, command: Command) => {
      exitCode = await watch(connect(command), id, options);
    });

  program
    .command('cancel')
    .description('Cancel a job that has not ended')
    .argument('<id>', 'the job id')
    .action(async (id: string, _options, command: Command) => {
      exitCode = await cancel(connect(command), id);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Commander has already printed its own message (and the help) for a bad command line.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const refused = error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN');
    process.stderr.write(`ffly: ${describeError(error)}${refused ? ' (pass --key or set FFLY_API_KEY)' : ''}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  } finally {
    await (client as ApiClient | null)?.close();
  }
}
