import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactSqlFromError, serializeError } from './log-errors.js';

export type { Logger };

export interface LoggerSettings {
  /** pino level; `silent` turns logging off (tests). @default 'info' */
  level?: string;
  /** Human-readable lines instead of JSON. @default process.stdout.isTTY */
  pretty?: boolean;
  /** Where JSON lines go (tests read them). @default stdout */
  destination?: DestinationStream;
}

/** Fields that must never reach a log line: presigned URLs, tokens and keys. */
const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  'jobToken',
  'apiKey',
  'url',
  'uploadUrl',
  'downloadUrl',
  'connectionParams.authorization',
];

/**
 * The process logger: readable in a terminal, JSON lines otherwise (Fly's log shipping reads JSON).
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    serializers: { err: serializeError },
    hooks: {
      // `logger.error(error)` makes the error's message the line's `msg`: it must be the redacted one too.
      logMethod(args, method) {
        if (args[0] instanceof Error) args[0] = redactSqlFromError(args[0]);
        return method.apply(this, args);
      },
    },
  };
  const pretty = settings.pretty ?? (settings.destination === undefined && process.stdout.isTTY === true);
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } },
    });
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
