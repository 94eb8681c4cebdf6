/**
 * The public ids now live with the job domain (src/jobs/global-id.ts), which webhook payloads use
 * too; this re-export keeps imports written against the old place working until they are updated.
 */
export * from '../jobs/global-id.js';
