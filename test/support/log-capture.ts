import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/** A real pino logger (the process's settings: redaction, serializers) whose JSON lines a test reads. */
export function captureLogs(level = 'info'): { logger: Logger; lines(): string[]; records(): Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ level, pretty: false, destination });
  const lines = () => chunks.join('').split('\n').filter((line) => line !== '');
  return { logger, lines, records: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}
