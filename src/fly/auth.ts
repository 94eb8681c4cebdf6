/**
 * The `Authorization` value for a Fly token. Tokens from `fly tokens create` already read `FlyV1 fm2_…`
 * and are sent as they are; a bare macaroon (`fm1r_…`, `fm2_…`, possibly comma-joined) gets the `FlyV1`
 * scheme like fly-go gives it; anything else is an OAuth or personal token sent as `Bearer`.
 */
export function authorizationHeader(token: string): string {
  const trimmed = token.trim();
  if (trimmed === '') throw new TypeError('a Fly API token is required');
  if (/^(FlyV1|Bearer)\s/.test(trimmed)) return trimmed;
  if (/^fm\d[a-z]?_/.test(trimmed)) return `FlyV1 ${trimmed}`;
  return `Bearer ${trimmed}`;
}
