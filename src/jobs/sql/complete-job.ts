import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { LoudnessMeasurement } from '../../../protocol/job-spec.js';
import { jobOutputsTable } from '../../db/schema.js';
import { leaseProblem, type Lease, type LeaseOutcome } from './lease.js';
import { leaseGuard, runTransition } from './transition.js';

export interface CompletedOutput {
  name: string;
  /** Where this attempt uploaded it (under the attempt's own prefix); null when skipped. */
  key: string | null;
  sizeBytes: number | null;
  durationSeconds: number | null;
  skippedReason: string | null;
  /** What the worker measured on the file: picture size (video, image) and loudness. */
  width?: number | null;
  height?: number | null;
  loudness?: LoudnessMeasurement | null;
  /** A rendition the job did not list, produced in place of skipped ones of the same output. */
  substitute?: { outputIndex: number; contentType: string };
}

/**
 * RUNNING -> COMPLETED for the worker that holds the lease, and in the same transaction the outputs
 * become this attempt's: their keys point under the attempt's prefix from now on. Until this commits,
 * no reader mints a URL for them, so what an earlier (stale) attempt uploaded is never served.
 */
export async function completeJob(
  db: Database,
  lease: Lease,
  result: { outputs: CompletedOutput[]; notices: string[]; sourceDurationSeconds: number | null; specOutputNames: string[] },
  /** The guard in place of the job's own lease: a split job's stitch completes it under its task lease. */
  guard: SQL = leaseGuard(lease.leaseId),
): Promise<LeaseOutcome> {
  return db.transaction(async (tx) => {
    const job = await runTransition(tx, {
      id: lease.jobId,
      event: 'completed',
      to: 'COMPLETED',
      set: sql`progress_phase = 'DONE', progress_percent = 100, progress_eta_seconds = 0, progress_updated_at = now(),
        finished_at = now(), lease_expires_at = null, notices = ${JSON.stringify(result.notices)}::jsonb,
        error_code = null, error_message = null, error_detail = null,
        source_duration_seconds = coalesce(${result.sourceDurationSeconds}::double precision, jobs.source_duration_seconds)`,
      where: guard,
    });
    if (!job) return leaseProblem(tx, lease);
    for (const output of result.outputs) {
      if (output.substitute) {
        // Placed where its output's first rendition stands, so outputs stay in request order.
        const prefix = result.specOutputNames[output.substitute.outputIndex] ?? output.name;
        const [sibling] = await tx
          .select({ position: sql<number>`min(${jobOutputsTable.position})` })
          .from(jobOutputsTable)
          .where(and(eq(jobOutputsTable.jobId, job.id), sql`(${jobOutputsTable.name} = ${prefix} or ${jobOutputsTable.name} like ${`${prefix}-%`})`));
        await tx.insert(jobOutputsTable).values({
          jobId: job.id,
          position: (sibling?.position ?? 1000) + 1,
          name: output.name,
          contentType: output.substitute.contentType,
          key: output.key!,
          sizeBytes: output.sizeBytes,
          durationSeconds: output.durationSeconds,
          ...outputFacts(output),
        });
        continue;
      }
      await tx
        .update(jobOutputsTable)
        .set({
          sizeBytes: output.sizeBytes,
          durationSeconds: output.durationSeconds,
          skippedReason: output.skippedReason,
          ...outputFacts(output),
          ...(output.key ? { key: output.key } : {}),
        })
        .where(and(eq(jobOutputsTable.jobId, job.id), eq(jobOutputsTable.name, output.name)));
    }
    return { kind: 'ok', job };
  });
}

function outputFacts(output: CompletedOutput) {
  return { width: output.width ?? null, height: output.height ?? null, loudness: output.loudness ?? null };
}
