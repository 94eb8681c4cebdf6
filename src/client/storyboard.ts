import { localFileName } from './m3u8.js';

/**
 * A storyboard's WebVTT as the API serves it: each cue's payload is a sprite-sheet URL with an
 * `#xywh=x,y,w,h` fragment. Pure: the CLI rewrites it for offline use, and the page's own copy
 * (src/web/storyboard.js) reads the same shape.
 */
export interface StoryboardCue {
  start: number;
  end: number;
  /** The sheet's URL, without the fragment. */
  url: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{3})/;
const XYWH = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/;

/** "00:01:02.500" or "01:02.500" -> 62.5 */
export function parseVttTime(text: string): number {
  return text.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

/** The cues whose payload points into a sheet; anything else in the file is ignored. */
export function parseStoryboardVtt(vtt: string): StoryboardCue[] {
  const cues: StoryboardCue[] = [];
  let timing: [number, number] | null = null;
  for (const line of vtt.split(/\r?\n/)) {
    const times = TIMING.exec(line);
    if (times) {
      timing = [parseVttTime(times[1]!), parseVttTime(times[2]!)];
      continue;
    }
    const target = XYWH.exec(line.trim());
    if (timing && target) {
      cues.push({ start: timing[0], end: timing[1], url: target[1]!, x: Number(target[2]), y: Number(target[3]), width: Number(target[4]), height: Number(target[5]) });
    }
    if (line.trim() === '') timing = null;
  }
  return cues;
}

/**
 * The VTT with every sheet URL replaced by a local file name (its last path segment), and the sheets
 * to fetch under those names, so a downloaded storyboard works offline from its folder.
 */
export function rewriteStoryboardForOffline(vtt: string): { text: string; sheets: Array<{ url: string; fileName: string }> } {
  const sheets = new Map<string, string>();
  const text = vtt
    .split(/\r?\n/)
    .map((line) => {
      const target = XYWH.exec(line.trim());
      if (!target || !URL.canParse(target[1]!)) return line;
      const url = target[1]!;
      let fileName = sheets.get(url);
      if (!fileName) {
        fileName = localFileName(url, `sheet-${sheets.size + 1}`);
        sheets.set(url, fileName);
      }
      return `${fileName}#xywh=${target[2]},${target[3]},${target[4]},${target[5]}`;
    })
    .join('\n');
  return { text, sheets: [...sheets].map(([url, fileName]) => ({ url, fileName })) };
}
