import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface EntryPointRun {
  child: ChildProcess;
  output: () => string;
  /** The GraphQL URL it prints once it listens; rejects with its output if it exits (or cannot start) before. */
  ready: Promise<string>;
}

/**
 * The API's entry point as `npm start` runs it (embedded PostgreSQL and s3rver included), in its own
 * process: from this checkout or another `cwd`, optionally as another user.
 */
export function startEntryPoint(env: Record<string, string>, options: { cwd?: string; user?: { uid: number; gid: number } } = {}): EntryPointRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.user,
  });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/\S+\/graphql) \(GraphiQL\)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
    child.once('error', reject);
  });
  return { child, output: () => output, ready };
}
