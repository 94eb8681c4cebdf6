/** How much of ffmpeg's stderr we keep for the error report. */
export const STDERR_TAIL_BYTES = 4096;

const REDACTIONS: ReadonlyArray<[RegExp, string]> = [
  // Any URL (presigned object URLs carry their signature in the query string), but not the punctuation
  // ffmpeg puts after it ("<url>: Invalid data found").
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]*[^\s'"<>:,.;)]/gi, '[redacted-url]'],
  // Authorization headers and key=value secrets, including AWS SigV4 query parameters.
  [/\b(bearer|basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]'],
  [/\b([\w-]*(?:token|secret|signature|credential|password|api[_-]?key)[\w-]*)([=:]\s*)[^\s&'"]+/gi, '$1$2[redacted]'],
  // Long opaque strings (hex digests, API keys) that may be secrets even without a label. Slashes and dots
  // are left out so that file paths stay readable.
  [/\b[A-Za-z0-9_+=-]{32,}\b/g, '[redacted]'],
];

/** Removes anything that looks like a URL, credential or token from a log excerpt. */
export function redactSecrets(text: string): string {
  return REDACTIONS.reduce((redacted, [pattern, replacement]) => redacted.replace(pattern, replacement), text);
}

/**
 * Keeps the last `limit` bytes of a stream of chunks without buffering the whole log; ffmpeg can write
 * megabytes of warnings on a damaged input.
 */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = STDERR_TAIL_BYTES) {}

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buffer);
    this.size += buffer.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  /** The kept tail, cut at a line start when possible, trimmed and redacted. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    let tail = all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
    if (all.length > this.limit) {
      const firstNewline = tail.indexOf('\n');
      if (firstNewline >= 0) tail = tail.slice(firstNewline + 1);
    }
    return redactSecrets(tail.trim());
  }

  /** The last non-empty line, redacted: usually ffmpeg's reason for giving up. */
  lastLine(): string | undefined {
    const lines = this.text().split('\n').map((line) => line.trim()).filter(Boolean);
    return lines.at(-1);
  }
}
