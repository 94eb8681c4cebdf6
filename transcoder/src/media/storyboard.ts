import { STORYBOARD_DEFAULT_TILE_WIDTH, STORYBOARD_MAX_TILES, STORYBOARD_SECONDS_PER_TILE } from '../../../protocol/job-spec.js';

/**
 * A storyboard: `tiles` frames, one per `intervalSeconds` of source (taken at the middle of each
 * interval), scaled to one tile size and laid out left to right, top to bottom on one sprite sheet.
 * The WebVTT index has one cue per tile covering its interval; the cue text is the sheet's file name
 * (relative to the VTT) with a media fragment: `sheet.jpg#xywh=x,y,w,h`.
 */
export interface StoryboardGeometry {
  tiles: number;
  intervalSeconds: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  sheetWidth: number;
  sheetHeight: number;
}

export { STORYBOARD_DEFAULT_TILE_WIDTH };
const MAX_COLUMNS = 10;
/** WebP's limit per side; JPEG's and PNG's are higher, so one limit suits every format. */
export const MAX_SHEET_SIDE = 16_383;

export function storyboardTileCount(durationSeconds: number, count: number | null): number {
  const wanted = count ?? Math.ceil(durationSeconds / STORYBOARD_SECONDS_PER_TILE);
  return Math.min(STORYBOARD_MAX_TILES, Math.max(1, wanted));
}

/** Pure. `tileWidth`/`tileHeight` are already fitted to the source (never above it). */
export function storyboardGeometry(
  durationSeconds: number,
  count: number | null,
  tileWidth: number,
  tileHeight: number,
): StoryboardGeometry | { problem: string } {
  const tiles = storyboardTileCount(durationSeconds, count);
  const columns = Math.max(1, Math.min(MAX_COLUMNS, tiles, Math.floor(MAX_SHEET_SIDE / tileWidth)));
  const rows = Math.ceil(tiles / columns);
  if (rows * tileHeight > MAX_SHEET_SIDE) {
    return { problem: `a storyboard of ${tiles} tiles of ${tileWidth}x${tileHeight} does not fit one sheet; ask for a smaller width or fewer tiles` };
  }
  return {
    tiles,
    intervalSeconds: durationSeconds / tiles,
    tileWidth,
    tileHeight,
    columns,
    rows,
    sheetWidth: columns * tileWidth,
    sheetHeight: rows * tileHeight,
  };
}

/**
 * The ffmpeg `select` expression (to be single-quoted in the graph) taking the first frame at or after
 * the middle of each interval: `selected_n` counts the frames taken so far.
 */
export function storyboardSelectExpression(geometry: StoryboardGeometry): string {
  const interval = geometry.intervalSeconds.toFixed(6);
  return `gte(t,(selected_n+0.5)*${interval})*lt(selected_n,${geometry.tiles})`;
}

export interface StoryboardCue {
  startSeconds: number;
  endSeconds: number;
  /** The sheet's URI, relative to the VTT. */
  uri: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export function storyboardCues(geometry: StoryboardGeometry, sheetFile: string, durationSeconds: number): StoryboardCue[] {
  return Array.from({ length: geometry.tiles }, (_, index) => ({
    startSeconds: index * geometry.intervalSeconds,
    // The last cue ends at the source's end exactly, whatever the rounding of the interval.
    endSeconds: index === geometry.tiles - 1 ? durationSeconds : (index + 1) * geometry.intervalSeconds,
    uri: sheetFile,
    x: (index % geometry.columns) * geometry.tileWidth,
    y: Math.floor(index / geometry.columns) * geometry.tileHeight,
    width: geometry.tileWidth,
    height: geometry.tileHeight,
  }));
}

export function writeWebVtt(cues: readonly StoryboardCue[]): string {
  const blocks = cues.map((cue) =>
    `${vttTime(cue.startSeconds)} --> ${vttTime(cue.endSeconds)}\n${cue.uri}#xywh=${cue.x},${cue.y},${cue.width},${cue.height}`,
  );
  return `WEBVTT\n\n${blocks.join('\n\n')}\n`;
}

/** Parses a storyboard VTT back (for verification); throws on anything it does not understand. */
export function parseStoryboardVtt(text: string): StoryboardCue[] {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/).map((block) => block.trim()).filter(Boolean);
  if (!blocks[0]?.startsWith('WEBVTT')) throw new Error('it does not start with WEBVTT');
  return blocks.slice(1).map((block) => {
    const lines = block.split('\n');
    const timingIndex = lines.findIndex((line) => line.includes('-->'));
    const timing = /^(\S+)\s+-->\s+(\S+)/.exec(lines[timingIndex] ?? '');
    const payload = /^([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[timingIndex + 1]?.trim() ?? '');
    if (!timing || !payload) throw new Error(`a cue is malformed: ${JSON.stringify(block.slice(0, 80))}`);
    return {
      startSeconds: parseVttTime(timing[1]!),
      endSeconds: parseVttTime(timing[2]!),
      uri: payload[1]!,
      x: Number(payload[2]),
      y: Number(payload[3]),
      width: Number(payload[4]),
      height: Number(payload[5]),
    };
  });
}

/** 3725.5 -> "01:02:05.500". */
export function vttTime(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  const pad = (value: number, size: number): string => String(value).padStart(size, '0');
  const hours = Math.floor(millis / 3_600_000);
  const minutes = Math.floor((millis % 3_600_000) / 60_000);
  const secs = Math.floor((millis % 60_000) / 1000);
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}.${pad(millis % 1000, 3)}`;
}

function parseVttTime(text: string): number {
  const match = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/.exec(text);
  if (!match) throw new Error(`bad cue time ${text}`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]) + Number(match[4]) / 1000;
}
