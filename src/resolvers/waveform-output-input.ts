import { builder } from '../graphql/builder.js';

/** The `waveform` member of OutputInput: peaks as audiowaveform JSON (version 2), as peaks.js and wavesurfer read it. */
export const WaveformOutputInput = builder.inputType('WaveformOutputInput', {
  description: 'Peaks as JSON in the audiowaveform format (version 2), which peaks.js and wavesurfer draw as is.',
  fields: (t) => ({
    name: t.string({ description: 'Unique within the job; default "waveform".' }),
    pixelsPerSecond: t.int({ description: '1 to 1000, default 20: min/max pairs per second of audio.' }),
    bits: t.int({ description: '8 or 16, default 8.' }),
  }),
});
