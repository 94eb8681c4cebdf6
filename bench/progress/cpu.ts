import fs from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) one process has used so far, ms; 0 when it is gone or /proc is missing. */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU time of a process and its direct children (PostgreSQL's postmaster and its backends), ms. */
export function processTreeCpuMs(pid: number): number {
  let total = processCpuMs(pid);
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) total += processCpuMs(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

function safeReaddir(directory: string): string[] {
  try {
    return fs.readdirSync(directory);
  } catch {
    return [];
  }
}

/** CPU used by each named process between `start()` and the `stop()` it returns, ms. */
export function cpuMeter(processes: Record<string, () => number>) {
  const before = Object.fromEntries(Object.entries(processes).map(([name, read]) => [name, read()]));
  return {
    stop(): Record<string, number> {
      return Object.fromEntries(Object.entries(processes).map(([name, read]) => [name, read() - before[name]!]));
    },
  };
}
