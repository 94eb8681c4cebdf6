// One job in the list: name, status, a live progress bar, then download links or the error.
import { formatBytes, formatDuration, formatWord } from './format.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

/** Builds the card from the <template id="job-card"> and returns it with an `update(job)` to call on every event. */
export function createJobCard(template, job, { onCancel }) {
  const card = template.content.firstElementChild.cloneNode(true);
  const part = (name) => card.querySelector(`[data-${name}]`);
  const titleId = `job-${job.id}-title`;
  card.id = `job-${job.id}`;
  part('title').id = titleId;
  part('title').textContent = job.source.filename;
  part('progress').setAttribute('aria-labelledby', titleId);
  part('cancel').addEventListener('click', () => onCancel(job.id));
  part('cancel').setAttribute('aria-label', `Cancel ${job.source.filename}`);
  let lastStatus = null;

  const update = (next) => {
    const progress = next.progress;
    const percent = next.status === 'COMPLETED' ? 100 : (progress?.percent ?? 0);
    const bar = part('progress');
    bar.value = percent;
    bar.textContent = `${Math.floor(percent)} %`;
    card.dataset.status = next.status;
    part('status').textContent = formatWord(next.status);
    part('detail').textContent = describeProgress(next, percent);
    part('cancel').hidden = TERMINAL.has(next.status);
    // Screen readers hear status changes, not every percent.
    if (next.status !== lastStatus) {
      part('announce').textContent = `${job.source.filename}: ${formatWord(next.status)}`;
      lastStatus = next.status;
    }
    const error = part('error');
    error.hidden = next.status !== 'FAILED';
    error.textContent = next.error ? `${next.error.message} (${next.error.code})` : '';
    renderDownloads(part('downloads'), next);
  };
  update(job);
  return { element: card, update, showError: (message) => showCardError(part('error'), message) };
}

function describeProgress(job, percent) {
  if (job.status === 'RUNNING' && job.progress) {
    const parts = [formatWord(job.progress.phase), `${Math.floor(percent)} %`];
    if (job.progress.speed) parts.push(`${job.progress.speed.toFixed(1)}× real time`);
    if (job.progress.etaSeconds !== null && job.progress.etaSeconds !== undefined) parts.push(`${formatDuration(job.progress.etaSeconds)} left`);
    return parts.join(' · ');
  }
  if (job.status === 'COMPLETED') {
    const duration = formatDuration(job.source.durationSeconds);
    return [`${job.outputs.length} output${job.outputs.length === 1 ? '' : 's'}`, duration && `source ${duration}`].filter(Boolean).join(' · ');
  }
  if (job.status === 'QUEUED') return 'Waiting for a worker';
  if (job.status === 'AWAITING_UPLOAD') return 'Waiting for the upload';
  return '';
}

function renderDownloads(list, job) {
  list.replaceChildren();
  list.hidden = job.status !== 'COMPLETED';
  if (list.hidden) return;
  for (const output of job.outputs) {
    if (!output.url) continue;
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = output.url;
    link.textContent = output.name;
    const hls = output.contentType === 'application/vnd.apple.mpegurl';
    // Presigned files download as attachments; an HLS link is a master playlist for a player.
    if (hls) link.target = '_blank';
    link.rel = 'noopener';
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [hls ? 'HLS playlist' : output.contentType, formatBytes(output.sizeBytes), formatDuration(output.durationSeconds)]
      .filter(Boolean)
      .join(' · ');
    item.append(link, meta);
    list.append(item);
  }
}

function showCardError(element, message) {
  element.hidden = false;
  element.textContent = message;
}
