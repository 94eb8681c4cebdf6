import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path/posix';
import { STORYBOARD_VTT_FILE } from '../../protocol/job-spec.js';
import { findCompletedOutputKey } from '../jobs/reader.js';
import { rewriteStoryboardVtt, verifyStoryboardToken } from '../jobs/storyboard-links.js';
import type { ApiServices } from '../graphql/services.js';
import { sendJson } from './app.js';

export const STORYBOARD_ROUTE_PREFIX = '/storyboards/';

/**
 * GET /storyboards/<token>/storyboard.vtt: a completed job's storyboard index, with every cue's sheet
 * URI presigned (its #xywh= fragment kept), so the VTT resolves from its URL alone. The token names one
 * job and one rendition and expires; a canceled or deleted job serves nothing.
 */
export function createStoryboardRoute(services: ApiServices) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [token, file, ...rest] = url.pathname.slice(STORYBOARD_ROUTE_PREFIX.length).split('/');
    const claims = token ? verifyStoryboardToken(services.signingKey, token) : null;
    if (!claims || (request.method !== 'GET' && request.method !== 'HEAD') || file !== STORYBOARD_VTT_FILE || rest.length > 0) {
      return sendJson(response, 404, { error: 'Not found or link expired' });
    }
    const key = await findCompletedOutputKey(services.db, claims.jobId, claims.outputName);
    if (!key || !key.endsWith(`/${STORYBOARD_VTT_FILE}`)) return sendJson(response, 404, { error: 'Not found or link expired' });

    const vtt = await services.store.getText(key);
    if (vtt === null) return sendJson(response, 404, { error: 'Not found' });
    const directory = path.dirname(key);
    const ttl = Math.max(1, Math.floor((claims.expiresAt - Date.now()) / 1000));
    const body = await rewriteStoryboardVtt(vtt, async (uri) => {
      const sheet = path.join(directory, uri);
      if (!sheet.startsWith(`${directory}/`)) throw new Error('storyboard URI escapes its rendition');
      return (await services.store.presignGet(sheet, { expiresInSeconds: ttl })).url;
    });
    response.writeHead(200, {
      'content-type': 'text/vtt; charset=utf-8',
      'cache-control': 'private, no-store',
      // A <track> or player on another origin loads it (its sheet URLs are presigned anyway).
      'access-control-allow-origin': '*',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
