// The page's link to the API: GraphQL over HTTP, jobUpdated over graphql-ws, and the presigned upload.
import { createClient } from '/web/vendor/graphql-ws/client.js';

/** A request the API refused; `code` is the GraphQL error code (e.g. "UNAUTHENTICATED") when it gave one. */
export class ApiError extends Error {
  constructor(message, code = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

/**
 * A client bound to one API key. `request` resolves with `data`; `subscribe` calls `onJob` for every
 * event and `onError` once on failure, and returns a function that stops it.
 */
export function createApi(apiKey) {
  const authorization = apiKey ? `Bearer ${apiKey}` : null;
  let socket = null;

  return {
    async request(document, variables) {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query: document, variables }),
      });
      const body = await response.json().catch(() => null);
      if (!body) throw new ApiError(`The API answered ${response.status} without a GraphQL response`);
      if (body.errors?.length) throw new ApiError(body.errors.map((error) => error.message).join('; '), body.errors[0].extensions?.code ?? null);
      return body.data;
    },

    subscribe(document, variables, { onData, onError, onComplete }) {
      socket ??= createClient({
        url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
        connectionParams: authorization ? { authorization } : {},
        // A refused key (4403) will not be accepted on a retry; anything else is worth retrying.
        shouldRetry: (event) => event?.code !== 4403,
      });
      return socket.subscribe(
        { query: document, variables },
        {
          next: (result) => (result.errors?.length ? onError(new ApiError(result.errors.map((error) => error.message).join('; '))) : onData(result.data)),
          error: (error) => onError(new ApiError(describeSocketError(error))),
          complete: () => onComplete?.(),
        },
      );
    },

    dispose() {
      socket?.dispose();
      socket = null;
    },
  };
}

function describeSocketError(error) {
  if (Array.isArray(error)) return error.map((item) => item.message).join('; ');
  if (error?.code === 4403) return 'The API refused the key for live updates';
  if (typeof error?.code === 'number') return `Live updates stopped: the connection closed (${error.code})`;
  return error?.message ?? String(error);
}

/**
 * PUTs the file to the presigned URL with exactly the headers the API returned, reporting progress.
 * XMLHttpRequest, because fetch cannot report upload progress.
 */
export function uploadFile(file, upload, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const { name, value } of upload.headers) {
      // Content-Length is the browser's to set (scripts may not); it sends the file's size, which is what was signed.
      if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`The store refused the upload (HTTP ${xhr.status})`));
    });
    xhr.addEventListener('error', () => reject(new Error('The upload failed: the store could not be reached from this browser')));
    xhr.addEventListener('abort', () => reject(new Error('The upload was aborted')));
    xhr.send(file);
  });
}
