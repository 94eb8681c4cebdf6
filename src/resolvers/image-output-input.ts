import { IMAGE_FORMATS, IMAGE_KINDS } from '../../protocol/job-spec.js';
import { builder } from '../graphql/builder.js';

/** The `image` member of OutputInput: posters, thumbnails and storyboards, cut from the job's one decode. */

export const ImageKindEnum = builder.enumType('ImageKind', {
  description:
    'POSTER: one frame. THUMBNAILS: `count` evenly spaced frames, one output each ("<name>-1" ...). STORYBOARD: one sprite sheet plus a WebVTT index (the output) whose cues point into the sheet with #xywh=.',
  values: IMAGE_KINDS,
});

export const ImageFormatEnum = builder.enumType('ImageFormat', { values: IMAGE_FORMATS });

export const ImageOutputInput = builder.inputType('ImageOutputInput', {
  fields: (t) => ({
    name: t.string({ description: 'Unique within the job; defaults "poster", "thumbnails", "storyboard". THUMBNAILS outputs are "<name>-1" ... "<name>-<count>".' }),
    kind: t.field({ type: ImageKindEnum, required: true }),
    format: t.field({ type: ImageFormatEnum, description: 'Default JPEG.' }),
    width: t.int({ description: "16 to 3840; the height keeps the aspect ratio. Never above the source's width." }),
    atSeconds: t.float({ description: 'POSTER only: which frame; default 10 % into the source.' }),
    count: t.int({ description: 'THUMBNAILS: 1 to 100, default 10. STORYBOARD: tiles, default one per 5 s, at most 400.' }),
  }),
});
