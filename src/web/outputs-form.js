// The outputs part of the form: one row per output, built from the <template>s in index.html,
// read into the API's OutputInput list, and able to point at the control a ValidationError names.

const LOSSLESS = new Set(['FLAC', 'WAV']);

const KIND_WORDS = { audio: 'audio', video: 'video', image: 'images', waveform: 'waveform' };

/** Wires the rows in `list`; each template (audio, video, and optionally image and waveform) holds one <li>. */
export function createOutputsEditor(list, audioTemplate, videoTemplate, { imageTemplate, waveformTemplate } = {}) {
  const add = (template) => {
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector('[data-remove]').addEventListener('click', () => {
      row.remove();
      renumber();
    });
    row.addEventListener('change', () => syncRow(row));
    list.append(row);
    syncRow(row);
    renumber();
    return row;
  };

  // Row titles and remove buttons say which output they belong to ("Output 2").
  const renumber = () => {
    const rows = [...list.children];
    rows.forEach((row, index) => {
      row.querySelector('[data-title]').textContent = `Output ${index + 1} · ${KIND_WORDS[row.dataset.kind]}`;
      const remove = row.querySelector('[data-remove]');
      remove.setAttribute('aria-label', `Remove output ${index + 1}`);
      remove.disabled = rows.length === 1;
    });
  };

  return {
    addAudio: () => add(audioTemplate),
    addVideo: () => add(videoTemplate),
    addImage: () => add(imageTemplate),
    addWaveform: () => add(waveformTemplate),
    /** The rows as OutputInput objects, in order; empty controls are left out (the API's default). */
    read: () => [...list.children].map(readRow),
    /** Marks the control a ValidationError field names ("input.outputs.1.audio.sampleRate"); returns its label text. */
    markInvalid(field) {
      const match = /^input\.outputs\.(\d+)(?:\.(audio|video|image|waveform)\.(\w+))?/.exec(field ?? '');
      const row = match && list.children[Number(match[1])];
      if (!row) return null;
      const control = (match[3] && row.querySelector(`[name="${match[3]}"]`)) || row.querySelector('select, input');
      control.setAttribute('aria-invalid', 'true');
      control.focus();
      const label = control.closest('label')?.querySelector('span')?.textContent ?? control.name;
      return `Output ${Number(match[1]) + 1}, ${label.toLowerCase()}`;
    },
    clearInvalid() {
      for (const control of list.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
    },
  };
}

/**
 * Shows only the controls that apply: bitrate for lossy audio, bit depth for lossless, qualities unless
 * passthrough, the time for a poster and the count for thumbnails and storyboards.
 */
function syncRow(row) {
  if (row.dataset.kind === 'image') {
    const kind = row.querySelector('[name="kind"]').value;
    row.querySelector('[name="atSeconds"]').closest('label').hidden = kind !== 'POSTER';
    const count = row.querySelector('[name="count"]');
    count.closest('label').hidden = kind === 'POSTER';
    count.max = kind === 'THUMBNAILS' ? '100' : '400';
    count.placeholder = kind === 'THUMBNAILS' ? '10' : 'One per 5 s';
  } else if (row.dataset.kind === 'waveform') {
    // Nothing depends on another control.
  } else if (row.dataset.kind === 'audio') {
    const lossless = LOSSLESS.has(row.querySelector('[name="format"]').value);
    row.querySelector('[name="bitrateKbps"]').closest('label').hidden = lossless;
    row.querySelector('[name="bitDepth"]').closest('label').hidden = !lossless;
  } else {
    row.querySelector('[data-qualities]').hidden = row.querySelector('[name="preset"]').value === 'PASSTHROUGH';
  }
}

function readRow(row) {
  const value = (name) => row.querySelector(`[name="${name}"]`).value;
  const number = (name) => {
    const control = row.querySelector(`[name="${name}"]`);
    return control.closest('label').hidden || control.value === '' ? undefined : Number(control.value);
  };
  if (row.dataset.kind === 'audio') {
    const loudness = number('loudness');
    return {
      audio: {
        format: value('format'),
        bitrateKbps: number('bitrateKbps'),
        sampleRate: number('sampleRate'),
        channels: number('channels'),
        bitDepth: number('bitDepth'),
        ...(loudness === undefined ? {} : { loudness: { integratedLufs: loudness } }),
      },
    };
  }
  if (row.dataset.kind === 'image') {
    return {
      image: { kind: value('kind'), format: value('format'), width: number('width'), atSeconds: number('atSeconds'), count: number('count') },
    };
  }
  if (row.dataset.kind === 'waveform') {
    return { waveform: { pixelsPerSecond: number('pixelsPerSecond'), bits: number('bits') } };
  }
  const preset = value('preset');
  const qualities = [...row.querySelectorAll('[name="quality"]:checked')].map((box) => box.value);
  return { video: { preset, ...(preset !== 'PASSTHROUGH' && qualities.length > 0 ? { qualities } : {}) } };
}
