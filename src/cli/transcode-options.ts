/** The flags of `ffly transcode`, whether its source is a file or a URL. */
export interface TranscodeOptions {
  audio: string[];
  video: string[];
  image: string[];
  waveform?: boolean;
  /** `true` for a bare --loudness (-16 LUFS). */
  loudness?: string | boolean;
  out: string;
  /** Overrides the media type guessed from the file's extension. */
  contentType?: string;
}
