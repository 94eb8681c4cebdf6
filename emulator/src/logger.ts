/** The standalone emulator's logger: readable in a terminal, JSON lines otherwise; tokens never logged. */
import { pino, type Logger } from 'pino';

const REDACT_PATHS = ['authorization', 'headers.authorization', 'req.headers.authorization', 'token', 'url'];

export function createEmulatorLogger(level: string = process.env.LOG_LEVEL || 'info'): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
  if (!process.stdout.isTTY) return pino(options);
  return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } } });
}

/** A logger that writes nothing: the default of an embedded emulator. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
