// The ffly web page: pick a file and outputs, upload with a progress bar, follow each job live.
import { ApiError, createApi, uploadFile } from './api.js';
import { formatBytes, formatWord } from './format.js';
import { createJobCard } from './job-card.js';
import { CancelJobDocument, CreateJobDocument, JobsDocument, JobUpdatedDocument, StartJobDocument } from './operations.js';
import { createOutputsEditor } from './outputs-form.js';
import { findResumableUpload, forgetUpload, MULTIPART_ABOVE_BYTES, rememberUpload, uploadMissingParts } from './upload-parts.js';

const KEY_STORAGE = 'ffly.apiKey';
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);
const element = (id) => document.getElementById(id);

const keyInput = element('api-key');
const fileInput = element('file');
const urlInput = element('source-url');
const submit = element('submit');
const formError = element('form-error');
const jobList = element('job-list');
const statusFilter = element('status-filter');
const loadMore = element('load-more');
const PAGE_SIZE = 10;
const outputs = createOutputsEditor(element('output-list'), element('audio-output'), element('video-output'), {
  imageTemplate: element('image-output'),
  waveformTemplate: element('waveform-output'),
});

/** Live subscriptions by job id, each a function that stops it. */
const following = new Map();
const cards = new Map();
let api = createApi(readKey());

function readKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return ''; // Storage can be disabled; the field still works for this visit.
  }
}

function saveKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Not persisted, but used for this visit.
  }
}

function showError(target, message) {
  target.textContent = message;
  target.hidden = !message;
}

const showFormError = (message) => showError(formError, message);
const showJobsError = (message) => showError(element('jobs-error'), message);

/** A ValidationError reads as "Output 2, sample rate: 44100 is not supported ..." with that control focused. */
function showValidationError({ field, message }) {
  // The API starts its messages with the input path, which the label replaces.
  const reason = field && message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
  if (field?.startsWith('input.source')) {
    const control = field === 'input.source.url' ? urlInput : fileInput;
    control.setAttribute('aria-invalid', 'true');
    control.focus();
    return showFormError(`${control === urlInput ? 'Source URL' : 'Source file'}: ${reason}`);
  }
  const where = outputs.markInvalid(field);
  showFormError(where ? `${where}: ${reason}` : message);
}

function describe(error) {
  if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return `${error.message}: enter a valid API key.`;
  return error instanceof Error ? error.message : String(error);
}

/** Updates the job's card, or adds one: at the top for a new job, at the bottom for an older page. */
function showJob(job, { older = false } = {}) {
  let card = cards.get(job.id);
  if (!card) {
    card = createJobCard(element('job-card'), job, { onCancel: cancel });
    cards.set(job.id, card);
    if (older) jobList.append(card.element);
    else jobList.prepend(card.element);
    element('jobs-empty').hidden = true;
  }
  card.update(job);
}

function follow(id) {
  if (following.has(id)) return;
  const stop = api.subscribe(JobUpdatedDocument, { id }, {
    onData: ({ jobUpdated }) => showJob(jobUpdated),
    onError: (error) => cards.get(id)?.showError(describe(error)),
    onComplete: () => following.delete(id),
  });
  following.set(id, stop);
}

async function cancel(id) {
  try {
    const { cancelJob } = await api.request(CancelJobDocument, { id });
    if (cancelJob.__typename === 'Job') showJob(cancelJob);
    else cards.get(id)?.showError(cancelJob.message);
  } catch (error) {
    cards.get(id)?.showError(describe(error));
  }
}

/** Counts list loads, so an answer for a key or filter that has since changed is dropped. */
let listGeneration = 0;
/** Where the next page starts (the last page's endCursor), or null when there is none. */
let nextCursor = null;

/** The newest jobs of this key's tenant in the chosen status, followed live while they run. */
function loadJobs() {
  listGeneration += 1;
  for (const stop of following.values()) stop();
  following.clear();
  cards.clear();
  jobList.replaceChildren();
  nextCursor = null;
  loadMore.hidden = true;
  const empty = element('jobs-empty');
  empty.hidden = false;
  empty.textContent = statusFilter.value
    ? `No ${formatWord(statusFilter.value).toLowerCase()} jobs.`
    : 'No jobs yet: your jobs show up here with live progress.';
  return loadPage(null);
}

/** Appends the page after `after` (older jobs) to the list. */
async function loadPage(after) {
  const generation = listGeneration;
  loadMore.disabled = true;
  try {
    const status = statusFilter.value ? [statusFilter.value] : null;
    const { jobs } = await api.request(JobsDocument, { first: PAGE_SIZE, after, status });
    if (generation !== listGeneration) return;
    for (const { node } of jobs.edges) {
      showJob(node, { older: true });
      if (!TERMINAL.has(node.status) && node.status !== 'AWAITING_UPLOAD') follow(node.id);
    }
    nextCursor = jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null;
    loadMore.hidden = nextCursor === null;
    showJobsError('');
  } catch (error) {
    if (generation === listGeneration) showJobsError(`Cannot list jobs: ${describe(error)}`);
  } finally {
    loadMore.disabled = false;
  }
}

function showUpload(loaded, total) {
  const percent = total > 0 ? (loaded / total) * 100 : 0;
  element('upload').hidden = false;
  element('upload-progress').value = percent;
  element('upload-progress').textContent = `${Math.floor(percent)} %`;
  element('upload-detail').textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
}

async function submitJob(event) {
  event.preventDefault();
  showFormError('');
  outputs.clearInvalid();
  fileInput.removeAttribute('aria-invalid');
  urlInput.removeAttribute('aria-invalid');
  const url = urlInput.value.trim();
  if (url) return submitUrlJob(url);
  const file = fileInput.files[0];
  if (!file) return showValidationError({ field: 'input.source', message: 'choose a file to transcode, or give its URL' });

  submit.disabled = true;
  try {
    if (file.size > MULTIPART_ABOVE_BYTES) await submitInParts(file);
    else await submitInOnePut(file);
  } finally {
    submit.disabled = false;
  }
}

async function submitInOnePut(file) {
  let created = null;
  try {
    const contentType = /^(audio|video)\//.test(file.type) ? file.type : 'application/octet-stream';
    const { createJob } = await api.request(CreateJobDocument, {
      input: { source: { filename: file.name, contentType, sizeBytes: file.size }, outputs: outputs.read() },
    });
    if (createJob.__typename === 'ValidationError') return showValidationError(createJob);
    created = createJob;
    showJob(createJob);
    showUpload(0, file.size);
    await uploadFile(file, createJob.source.upload, showUpload);
    element('upload-detail').textContent = `${file.name} uploaded`;
    await start(createJob.id);
    created = null;
  } catch (error) {
    showFormError(describe(error));
    // A job whose upload or start failed can never run: cancel it rather than leave it waiting.
    if (created) cancel(created.id);
  }
}

/**
 * A big file goes up in parts. The job it was created for is remembered for this file (name, size,
 * modification time): choosing the same file again, after a failure or a reload, sends only the parts
 * the store does not hold yet, for that job and with the outputs it was created with.
 */
async function submitInParts(file) {
  try {
    let resumable = await findResumableUpload(api, file);
    if (resumable) {
      element('upload-detail').textContent = `Resuming the upload of ${file.name} for job ${resumable.jobId}`;
    } else {
      const contentType = /^(audio|video)\//.test(file.type) ? file.type : 'application/octet-stream';
      const { createJob } = await api.request(CreateJobDocument, {
        input: { source: { filename: file.name, contentType, sizeBytes: file.size, multipart: true }, outputs: outputs.read() },
      });
      if (createJob.__typename === 'ValidationError') return showValidationError(createJob);
      showJob(createJob);
      rememberUpload(file, createJob.id);
      resumable = { jobId: createJob.id, upload: createJob.source.multipartUpload };
    }
    await uploadMissingParts(api, resumable.jobId, file, resumable.upload, showUpload);
    element('upload-detail').textContent = `${file.name} uploaded`;
    await start(resumable.jobId);
    forgetUpload(file);
  } catch (error) {
    // The job is kept: what reached the store is reused when the same file is chosen again.
    showFormError(`${describe(error)}. Choose the same file again to resume the upload.`);
  }
}

async function start(id) {
  const { startJob } = await api.request(StartJobDocument, { id });
  if (startJob.__typename !== 'Job') throw new Error(startJob.message);
  showJob(startJob);
  follow(startJob.id);
}

/** A URL source: nothing to upload, the job is QUEUED at once and the service fetches it (FETCHING). */
async function submitUrlJob(url) {
  submit.disabled = true;
  try {
    const { createJob } = await api.request(CreateJobDocument, { input: { source: { url }, outputs: outputs.read() } });
    if (createJob.__typename === 'ValidationError') return showValidationError(createJob);
    urlInput.value = '';
    showJob(createJob);
    follow(createJob.id);
  } catch (error) {
    showFormError(describe(error));
  } finally {
    submit.disabled = false;
  }
}

keyInput.value = readKey();
let currentKey = keyInput.value;
keyInput.addEventListener('change', () => {
  const key = keyInput.value.trim();
  // A change event can repeat for the same key (typing, then leaving the field): keep the list as it is.
  if (key === currentKey) return;
  currentKey = key;
  saveKey(key);
  api.dispose();
  api = createApi(key);
  loadJobs();
});
element('add-audio').addEventListener('click', () => outputs.addAudio().querySelector('select').focus());
element('add-video').addEventListener('click', () => outputs.addVideo().querySelector('select').focus());
element('add-image').addEventListener('click', () => outputs.addImage().querySelector('select').focus());
element('add-waveform').addEventListener('click', () => outputs.addWaveform().querySelector('input').focus());
element('job-form').addEventListener('submit', submitJob);
statusFilter.addEventListener('change', () => loadJobs());
loadMore.addEventListener('click', () => nextCursor && loadPage(nextCursor));
outputs.addAudio();
loadJobs();
