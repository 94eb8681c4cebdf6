import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path/posix';
import { rewritePlaylist, verifyHlsToken } from '../jobs/hls-links.js';
import { findCompletedOutputKey } from '../jobs/reader.js';
import type { ApiServices } from '../graphql/services.js';
import { sendJson } from './app.js';
import { RequestError } from './read-json.js';

export const HLS_ROUTE_PREFIX = '/hls/';

/**
 * GET /hls/<token>/<path>.m3u8: serves a completed job's HLS playlists with segment URIs presigned.
 * The token names one job and one rendition and expires; a canceled or deleted job serves nothing.
 */
export function createHlsRoute(services: ApiServices) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [token, ...rest] = url.pathname.slice(HLS_ROUTE_PREFIX.length).split('/');
    const relative = path.normalize(rest.map(decodePathSegment).join('/'));
    const claims = token ? verifyHlsToken(services.signingKey, token) : null;
    if (!claims || request.method !== 'GET' || !relative.endsWith('.m3u8') || relative.startsWith('..') || relative.startsWith('/')) {
      return sendJson(response, 404, { error: 'Not found or link expired' });
    }
    const key = await findCompletedOutputKey(services.db, claims.jobId, claims.outputName);
    if (!key) return sendJson(response, 404, { error: 'Not found or link expired' });

    const directory = path.dirname(key);
    const playlist = await services.store.getText(path.join(directory, relative));
    if (playlist === null) return sendJson(response, 404, { error: 'Not found' });
    const ttl = Math.max(1, Math.floor((claims.expiresAt - Date.now()) / 1000));
    const body = await rewritePlaylist(playlist, async (uri) => {
      const key = path.join(directory, path.dirname(relative), uri);
      if (!key.startsWith(`${directory}/`)) throw new Error('playlist URI escapes its rendition');
      return (await services.store.presignGet(key, { expiresInSeconds: ttl })).url;
    });
    response.writeHead(200, {
      'content-type': 'application/vnd.apple.mpegurl',
      'cache-control': 'private, no-store',
      'access-control-allow-origin': '*',
    });
    response.end(body);
  };
}

/** A malformed escape is the client's mistake: a 400, not a URIError stack. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RequestError(400, 'Malformed percent-encoding in the path');
  }
}
