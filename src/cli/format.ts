/** Human-readable numbers for the CLI's bars and tables. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** 1234567 -> "1.2 MB" (decimal units, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** 75 -> "1:15", 3725 -> "1:02:05"; unknown -> "--:--". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** ffmpeg's speed in times real time: 3.14 -> "3.1x"; unknown -> "-". */
export function formatSpeed(speed: number | null | undefined): string {
  return speed === null || speed === undefined ? '-' : `${speed.toFixed(1)}x`;
}

/** Pads every column to its widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '))
    .join('\n');
}
