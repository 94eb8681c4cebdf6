import type { Viewer } from '../auth/api-keys.js';
import type { ApiServices } from './services.js';

/** Per request (or per WebSocket operation): who is asking, and the process's services. */
export interface GraphQLContext {
  viewer: Viewer;
  services: ApiServices;
  /** Where this client reaches the API (PUBLIC_URL, or the request's own origin): base of signed links. */
  publicUrl: string;
}
