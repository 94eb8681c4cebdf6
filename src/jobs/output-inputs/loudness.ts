import { z } from 'zod';
import { DEFAULT_TRUE_PEAK_DB, type LoudnessTarget } from '../../../protocol/job-spec.js';

/** `AudioOutputInput.loudness`: EBU R128 targets, with the true peak defaulted. */

export const MIN_INTEGRATED_LUFS = -70;
export const MAX_INTEGRATED_LUFS = -5;

export const loudnessInputSchema = z
  .object({
    integratedLufs: z
      .number()
      .finite()
      .min(MIN_INTEGRATED_LUFS, `must be from ${MIN_INTEGRATED_LUFS} to ${MAX_INTEGRATED_LUFS} LUFS`)
      .max(MAX_INTEGRATED_LUFS, `must be from ${MIN_INTEGRATED_LUFS} to ${MAX_INTEGRATED_LUFS} LUFS`),
    truePeakDb: z.number().finite().min(-9, 'must be from -9 to 0 dBTP').max(0, 'must be from -9 to 0 dBTP').nullish(),
  })
  .nullish();

export function loudnessTarget(input: z.infer<typeof loudnessInputSchema>): LoudnessTarget | null {
  if (!input) return null;
  return { integratedLufs: input.integratedLufs, truePeakDb: input.truePeakDb ?? DEFAULT_TRUE_PEAK_DB };
}

/** The part of a default name that says the output is normalised: -16 LUFS -> "16lufs", -23.5 -> "23-5lufs". */
export function loudnessLabel(target: LoudnessTarget): string {
  return `${String(Math.round(Math.abs(target.integratedLufs) * 10) / 10).replace('.', '-')}lufs`;
}
