// Each output of a completed job: its download link, and a preview that plays or shows it in place:
// media plays, images show, a waveform is drawn, and a storyboard previews frames on hover over the video.
import { formatBytes, formatDuration } from './format.js';
import { attachStoryboard } from './storyboard.js';
import { drawWaveform } from './waveform.js';

const HLS = 'application/vnd.apple.mpegurl';
const STORYBOARD = 'text/vtt';
const WAVEFORM = 'application/json';
/** hls.js, served by the API itself (no CDN), loaded the first time a card has a ladder to play. */
let hlsModule = null;

/** Fills `list` with one item per output that has a URL: link, size and duration, then the preview. */
export function renderOutputs(list, job) {
  list.replaceChildren();
  let firstVideo = null;
  const storyboards = [];
  for (const output of job.outputs) {
    if (!output.url) continue;
    const item = document.createElement('li');
    item.className = 'output-item';
    const line = document.createElement('div');
    line.className = 'output-line';
    const link = document.createElement('a');
    link.href = output.url;
    link.textContent = output.name;
    link.rel = 'noopener';
    const hls = output.contentType === HLS;
    // Presigned files download as attachments; an HLS link is a master playlist for a player.
    if (hls) link.target = '_blank';
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [
      hls ? 'HLS playlist' : output.contentType === STORYBOARD ? 'storyboard (WebVTT)' : output.contentType,
      output.width && output.height ? `${output.width}×${output.height}` : null,
      formatBytes(output.sizeBytes),
      formatDuration(output.durationSeconds),
      formatLoudness(output.loudness),
    ]
      .filter(Boolean)
      .join(' · ');
    line.append(link, meta);
    item.append(line);
    if (output.contentType === STORYBOARD) storyboards.push({ output, item });
    const preview = createPreview(output);
    if (preview) {
      item.append(preview);
      if (preview.tagName === 'VIDEO') firstVideo ??= preview;
    }
    list.append(item);
  }
  // A storyboard previews frames on hover over the job's video; without one, over a strip of its own.
  for (const [index, { output, item }] of storyboards.entries()) {
    let target = index === 0 ? firstVideo : null;
    if (!target) {
      target = document.createElement('div');
      target.className = 'storyboard-strip';
      target.textContent = 'Hover to scrub the storyboard';
      item.append(target);
    }
    const frame = document.createElement('div');
    frame.className = 'preview-frame';
    target.replaceWith(frame);
    frame.append(target);
    attachStoryboard(target, frame, output.url).catch((error) => note(frame, error.message));
  }
}

/** "-16.0 LUFS, peak -1.2 dBTP" */
function formatLoudness(loudness) {
  if (!loudness) return null;
  return `${loudness.integratedLufs.toFixed(1)} LUFS, peak ${loudness.truePeakDb.toFixed(1)} dBTP`;
}

function note(container, text) {
  const paragraph = document.createElement('p');
  paragraph.className = 'preview-note';
  paragraph.textContent = text;
  container.append(paragraph);
}

/** An <audio>, <video> or <img> for the output, or null for a type that has no preview. */
function createPreview(output) {
  const type = output.contentType ?? '';
  if (type === WAVEFORM) {
    const canvas = document.createElement('canvas');
    canvas.className = 'preview waveform';
    canvas.width = 640;
    canvas.height = 96;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `Waveform of ${output.name}`);
    drawWaveform(canvas, output.url).catch((error) => {
      canvas.dataset.error = error.message;
      canvas.setAttribute('aria-label', `Waveform of ${output.name}: ${error.message}`);
    });
    return canvas;
  }
  if (type.startsWith('image/')) {
    const image = document.createElement('img');
    image.className = 'preview';
    image.alt = `Preview of ${output.name}`;
    image.loading = 'lazy';
    image.src = output.url;
    return image;
  }
  const kind = type.startsWith('audio/') ? 'audio' : type.startsWith('video/') || type === HLS ? 'video' : null;
  if (!kind) return null;
  const media = document.createElement(kind);
  media.className = 'preview';
  media.controls = true;
  media.preload = 'metadata';
  media.setAttribute('aria-label', `Preview of ${output.name}`);
  if (type === HLS) playHls(media, output.url);
  else media.src = output.url;
  return media;
}

/** Media Source Extensions through hls.js where the browser has them; native HLS (Safari) otherwise. */
async function playHls(video, url) {
  const note = (text) => {
    const paragraph = document.createElement('p');
    paragraph.className = 'preview-note';
    paragraph.textContent = text;
    video.replaceWith(paragraph);
  };
  try {
    hlsModule ??= import('/web/vendor/hls.js/hls.min.mjs');
    const { default: Hls } = await hlsModule;
    if (Hls.isSupported()) {
      // No worker: the page's Content-Security-Policy allows scripts from this origin only. Segments
      // load once the preview is played, so a page of ladders does not download them all.
      const hls = new Hls({ enableWorker: false, autoStartLoad: false });
      video.addEventListener('play', () => hls.startLoad(), { once: true });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        hls.destroy();
        note(`The preview stopped: ${data.details}`);
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      return;
    }
  } catch {
    // hls.js could not load; native playback may still work.
  }
  if (video.canPlayType(HLS)) video.src = url;
  else note('This browser cannot play HLS; the link opens the playlist for a player.');
}
