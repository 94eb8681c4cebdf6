// A storyboard's WebVTT, read in the browser: each cue is a time range and a tile of a sprite sheet
// ("<sheet URL>#xywh=x,y,w,h", the sheet URL presigned by the API). Hovering over the target shows the
// tile for the hovered time, positioned over the sheet with CSS background offsets.

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{3})/;
const XYWH = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/;

const seconds = (text) => text.split(':').reduce((total, part) => total * 60 + Number(part), 0);

/** The cues whose payload points into a sheet: { start, end, url, x, y, width, height }. */
export function parseStoryboardVtt(vtt) {
  const cues = [];
  let timing = null;
  for (const line of vtt.split(/\r?\n/)) {
    const times = TIMING.exec(line);
    if (times) {
      timing = [seconds(times[1]), seconds(times[2])];
      continue;
    }
    const target = XYWH.exec(line.trim());
    if (timing && target) {
      cues.push({ start: timing[0], end: timing[1], url: target[1], x: Number(target[2]), y: Number(target[3]), width: Number(target[4]), height: Number(target[5]) });
    }
    if (line.trim() === '') timing = null;
  }
  return cues;
}

/** The cue showing at `time` (the last one past the end). */
export function cueAt(cues, time) {
  return cues.find((cue) => time >= cue.start && time < cue.end) ?? cues.at(-1);
}

/**
 * Loads the VTT and shows, while the pointer is over `target`, the tile for the time under it (left
 * edge: the start, right edge: the end). The tile is placed in `frame`, which wraps the target.
 */
export async function attachStoryboard(target, frame, vttUrl) {
  const response = await fetch(vttUrl);
  if (!response.ok) throw new Error(`The storyboard could not be loaded (HTTP ${response.status})`);
  const cues = parseStoryboardVtt(await response.text());
  if (cues.length === 0) return;
  const duration = cues.at(-1).end;
  const tile = document.createElement('div');
  tile.className = 'storyboard-tile';
  tile.hidden = true;
  tile.setAttribute('role', 'img');
  const label = document.createElement('span');
  label.className = 'storyboard-time';
  tile.append(label);
  frame.append(tile);
  frame.dataset.storyboard = 'ready';

  const show = (event) => {
    const box = target.getBoundingClientRect();
    const fraction = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
    const time = fraction * duration;
    const cue = cueAt(cues, time);
    tile.style.width = `${cue.width}px`;
    tile.style.height = `${cue.height}px`;
    tile.style.backgroundImage = `url("${cue.url.replaceAll('"', '%22')}")`;
    tile.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    const left = Math.min(Math.max(event.clientX - box.left - cue.width / 2, 0), Math.max(box.width - cue.width, 0));
    tile.style.left = `${left}px`;
    label.textContent = formatClock(time);
    tile.setAttribute('aria-label', `Storyboard at ${formatClock(time)}`);
    tile.dataset.cue = String(cues.indexOf(cue));
    tile.hidden = false;
  };
  target.addEventListener('pointermove', show);
  target.addEventListener('pointerenter', show);
  target.addEventListener('pointerleave', () => {
    tile.hidden = true;
  });
}

function formatClock(time) {
  const whole = Math.floor(time);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
