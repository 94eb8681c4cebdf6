/** JSON-lines logging (Fly ships stdout); the worker keeps its dependencies few. Never log URLs or tokens. */
export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function createLog(base: Record<string, unknown>, minimum: string = 'info'): Log & { child(fields: Record<string, unknown>): Log } {
  const threshold = LEVELS[minimum as keyof typeof LEVELS] ?? (minimum === 'silent' ? Infinity : 30);
  const make = (context: Record<string, unknown>) => {
    const log: Log = (level, message, fields) => {
      if (LEVELS[level] < threshold) return;
      process.stdout.write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), msg: message, ...context, ...fields })}\n`);
    };
    return log;
  };
  return Object.assign(make(base), { child: (fields: Record<string, unknown>) => make({ ...base, ...fields }) });
}
