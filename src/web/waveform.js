// A waveform output drawn on a canvas: audiowaveform JSON (version 2, min/max pairs per pixel and
// channel, 8- or 16-bit), every channel in its own band, peaks scaled to the canvas width.

/** Checks the shape the page relies on; throws with what is wrong. */
export function readPeaks(json) {
  const channels = json?.channels ?? 1;
  if (json?.version !== 2 || !Array.isArray(json.data) || !(json.bits === 8 || json.bits === 16)) {
    throw new Error('not audiowaveform JSON (version 2)');
  }
  if (json.data.length !== json.length * 2 * channels) throw new Error('its data does not hold length × channels min/max pairs');
  return { channels, length: json.length, full: json.bits === 16 ? 32768 : 128, data: json.data };
}

/** Fetches the peaks at `url` and draws them on `canvas`; resolves once drawn. */
export async function drawWaveform(canvas, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The waveform could not be loaded (HTTP ${response.status})`);
  const peaks = readPeaks(await response.json());
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.fillStyle = getComputedStyle(canvas).color || '#3b82f6';
  const band = height / peaks.channels;
  for (let channel = 0; channel < peaks.channels; channel++) {
    const middle = band * channel + band / 2;
    for (let x = 0; x < width; x++) {
      // The pixels of the peaks that fall into this column of the canvas.
      const from = Math.floor((x * peaks.length) / width);
      const to = Math.max(from + 1, Math.floor(((x + 1) * peaks.length) / width));
      let low = 0;
      let high = 0;
      for (let index = from; index < to && index < peaks.length; index++) {
        const offset = (index * peaks.channels + channel) * 2;
        low = Math.min(low, peaks.data[offset]);
        high = Math.max(high, peaks.data[offset + 1]);
      }
      const top = middle - (high / peaks.full) * (band / 2);
      const bottom = middle - (low / peaks.full) * (band / 2);
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }
  canvas.dataset.peaks = String(peaks.length);
}
