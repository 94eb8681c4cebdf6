/**
 * One API instance for `bench:progress`, in its own process: what src/main.ts runs (loadConfig, then
 * startServer), plus an IPC channel so the benchmark can read this process's memory after a full GC.
 * Run with `--expose-gc`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';

export type InstanceRequest = { type: 'memory' } | { type: 'loop-delay'; reset: boolean } | { type: 'stop' };
export type InstanceReply =
  | { type: 'ready'; url: string }
  | { type: 'memory'; heapUsed: number; rss: number }
  /** Event-loop delay since the last reset, ms: how long ready work waited for the loop. */
  | { type: 'loop-delay'; p50: number; p99: number; max: number }
  | { type: 'stopped' };

const send = (reply: InstanceReply) => process.send!(reply);

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const server = await startServer(config, createLogger({ level: config.logLevel, pretty: false }));
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  process.on('message', async (request: InstanceRequest) => {
    if (request.type === 'loop-delay') {
      const ms = (nanoseconds: number) => nanoseconds / 1e6;
      send({ type: 'loop-delay', p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) });
      if (request.reset) loopDelay.reset();
    }
    if (request.type === 'memory') {
      // Several passes: one full GC can leave garbage that only the next one frees (weak maps, finalizers).
      for (let pass = 0; pass < 3; pass++) {
        globalThis.gc?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
      const { heapUsed, rss } = process.memoryUsage();
      send({ type: 'memory', heapUsed, rss });
    } else if (request.type === 'stop') {
      process.removeAllListeners('disconnect');
      await server.stop();
      send({ type: 'stopped' });
      process.disconnect();
    }
  });
  // Never outlive the benchmark, even when it crashes.
  process.once('disconnect', () => void server.stop().finally(() => process.exit(0)));
  send({ type: 'ready', url: server.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
