import type { ExitEvent, MachineEvent } from '../../protocol/fly-machines.js';

/** The exit details and the restart count of a machine's newest `exit` event. */
export interface MachineExit extends ExitEvent {
  restart_count: number;
  event_id: string;
  timestamp: number;
}

/**
 * The newest exit among `events` (newest first on the wire, but sorted here anyway), or undefined if
 * the machine has not exited since its events were trimmed. Like fly-go's `GetExitCode`, this also reads
 * the older `request.MonitorEvent.exit_event` placement.
 */
export function latestExit(events: readonly MachineEvent[]): MachineExit | undefined {
  const newestFirst = [...events].sort((left, right) => right.timestamp - left.timestamp);
  for (const event of newestFirst) {
    if (event.type !== 'exit') continue;
    const exit = event.request?.exit_event ?? event.request?.MonitorEvent?.exit_event;
    if (!exit) continue;
    return { ...exit, restart_count: event.request?.restart_count ?? 0, event_id: event.id, timestamp: event.timestamp };
  }
  return undefined;
}
