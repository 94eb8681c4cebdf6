// One job in the list: name, creation time and id, status, a live progress bar, notices, then each
// output with a preview, or the error.
import { formatDuration, formatTime, formatWord } from './format.js';
import { renderOutputs } from './previews.js';

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);
/** Statuses a progress bar would misrepresent: the work stopped, and the percent it reached means nothing now. */
const NO_BAR = new Set(['FAILED', 'CANCELED']);

/** Builds the card from the <template id="job-card"> and returns it with an `update(job)` to call on every event. */
export function createJobCard(template, job, { onCancel }) {
  const card = template.content.firstElementChild.cloneNode(true);
  const part = (name) => card.querySelector(`[data-${name}]`);
  const titleId = `job-${job.id}-title`;
  card.id = `job-${job.id}`;
  card.dataset.jobId = job.id;
  part('title').id = titleId;
  part('title').textContent = job.source.filename;
  part('created').dateTime = job.createdAt;
  part('created').textContent = formatTime(job.createdAt);
  part('id').textContent = job.id;
  part('progress').setAttribute('aria-labelledby', titleId);
  part('cancel').addEventListener('click', () => onCancel(job.id));
  part('cancel').setAttribute('aria-label', `Cancel ${job.source.filename}`);
  let lastStatus = null;
  let outputsShown = false;

  const update = (next) => {
    const progress = next.progress;
    const percent = next.status === 'COMPLETED' ? 100 : (progress?.percent ?? 0);
    const bar = part('progress');
    bar.value = percent;
    bar.textContent = `${Math.floor(percent)} %`;
    bar.hidden = NO_BAR.has(next.status);
    card.dataset.status = next.status;
    part('status').textContent = formatWord(next.status);
    part('detail').textContent = describeProgress(next, percent);
    part('cancel').hidden = TERMINAL.has(next.status);
    // Screen readers hear status changes, not every percent.
    if (next.status !== lastStatus) {
      part('announce').textContent = `${job.source.filename}: ${formatWord(next.status)}`;
      lastStatus = next.status;
    }
    renderNotices(part('notices'), next.notices ?? []);
    const error = part('error');
    error.hidden = next.status !== 'FAILED';
    error.textContent = next.error ? `${next.error.message} (${next.error.code})` : '';
    // Rendered once: later events mint fresh URLs, and swapping them would restart a playing preview.
    const downloads = part('downloads');
    downloads.hidden = next.status !== 'COMPLETED';
    if (next.status === 'COMPLETED' && !outputsShown) {
      renderOutputs(downloads, next);
      outputsShown = true;
    }
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
  if (job.status === 'CANCELED') return `Canceled${job.finishedAt ? ` ${formatTime(job.finishedAt)}` : ''}, before it finished: no outputs`;
  if (job.status === 'FAILED') return `Failed${job.finishedAt ? ` ${formatTime(job.finishedAt)}` : ''}`;
  if (job.status === 'QUEUED') return 'Waiting for a worker';
  if (job.status === 'AWAITING_UPLOAD') return 'Waiting for the upload';
  return '';
}

function renderNotices(list, notices) {
  list.hidden = notices.length === 0;
  if (list.childElementCount === notices.length) return;
  list.replaceChildren(
    ...notices.map((notice) => {
      const item = document.createElement('li');
      item.textContent = notice;
      return item;
    }),
  );
}

function showCardError(element, message) {
  element.hidden = false;
  element.textContent = message;
}
