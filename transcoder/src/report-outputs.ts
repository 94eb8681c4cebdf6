import type { ClaimedJob, CompleteRequest } from '../../protocol/worker-api.js';
import type { FfmpegPlan, VerifiedRendition } from './media/index.js';

type OutputReport = CompleteRequest['outputs'][number];

/**
 * The `outputs` of a completion for the claim's renditions named in `names` (the ones this task is
 * responsible for), from a plan and what verification found: produced, skipped with the reason, or a
 * substitute quality the claim did not list (as a single run reports them).
 */
export function reportOutputs(job: ClaimedJob, names: ReadonlySet<string>, plan: FfmpegPlan, renditions: readonly VerifiedRendition[]): OutputReport[] {
  const listed = job.outputs.filter((output) => names.has(output.name));
  return [
    ...listed.map((output): OutputReport => {
      const verified = renditions.find((rendition) => rendition.name === output.name);
      if (verified) return { name: output.name, sizeBytes: verified.sizeBytes, durationSeconds: verified.durationSeconds, skippedReason: null, ...measured(verified) };
      const reason = plan.dropped.find((drop) => drop.name === output.name)?.reason ?? 'not produced';
      return { name: output.name, sizeBytes: null, durationSeconds: null, skippedReason: reason };
    }),
    ...plan.renditions
      .filter((planned) => !job.outputs.some((output) => output.name === planned.name))
      .map((planned): OutputReport => {
        const verified = renditions.find((rendition) => rendition.name === planned.name)!;
        return {
          name: planned.name,
          sizeBytes: verified.sizeBytes,
          durationSeconds: verified.durationSeconds,
          skippedReason: null,
          substitute: { outputIndex: planned.outputIndex, fileName: planned.fileName, contentType: planned.contentType },
          ...measured(verified),
        };
      }),
  ];
}

/** What verification found out about a rendition beyond its size: picture, loudness, storyboard. */
function measured(verified: VerifiedRendition): Partial<OutputReport> {
  return {
    contentType: verified.contentType,
    // A still image has no duration (a storyboard's VTT does: it covers the source).
    ...(verified.contentType.startsWith('image/') ? { durationSeconds: null } : {}),
    ...(verified.width !== undefined ? { width: verified.width, height: verified.height ?? null } : {}),
    ...(verified.loudness ? { loudness: verified.loudness } : {}),
    ...(verified.storyboard ? { storyboard: verified.storyboard } : {}),
  };
}
