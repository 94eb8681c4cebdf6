import type { LoudnessMeasurement } from '../../protocol/job-spec.js';
import { builder } from '../graphql/builder.js';

/** Loudness normalisation asked for on an audio output, and the loudness measured on an output file. */

export const LoudnessInput = builder.inputType('LoudnessInput', {
  description: 'Normalise to this loudness (EBU R128 in two passes: measure, then a linear loudnorm with the measured values).',
  fields: (t) => ({
    integratedLufs: t.float({ required: true, description: '-70 to -5, e.g. -16 (podcasts), -23 (EBU R128 broadcast).' }),
    truePeakDb: t.float({ description: '-9 to 0; default -1.' }),
  }),
});

/** What the worker measured on the output file (EBU R128), as stored in job_outputs.loudness. */
export const LoudnessRef = builder.objectRef<LoudnessMeasurement>('Loudness').implement({
  description: 'Loudness measured on the output file itself (EBU R128).',
  fields: (t) => ({
    integratedLufs: t.exposeFloat('integratedLufs'),
    truePeakDb: t.exposeFloat('truePeakDb'),
    rangeLu: t.exposeFloat('rangeLu', { description: 'Loudness range (LRA) in LU.' }),
  }),
});
