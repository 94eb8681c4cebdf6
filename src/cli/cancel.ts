import type { ApiClient } from '../client/api-client.js';
import { cancelJob } from '../client/jobs.js';

/** `ffly cancel <id>`: cancels a job that has not ended; a running ffmpeg is stopped. */
export async function cancel(client: ApiClient, id: string): Promise<number> {
  const job = await cancelJob(client, id);
  process.stdout.write(`${job.id}\t${job.status}\n`);
  return 0;
}
