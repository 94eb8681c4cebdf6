import { builder } from '../graphql/builder.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../jobs/errors.js';
import { grantPartUrls, readMultipartUpload, type MultipartUploadView, type UploadPartUrl } from '../jobs/multipart-upload.js';
import { HttpHeaderRef, JobSourceRef } from './job-parts.js';
import { parseJobId } from './job.js';

/** Uploads in parts: `Job.source.multipartUpload` and the `uploadPartUrls` mutation (logic in src/jobs/multipart-upload.ts). */

const UploadedPartRef = builder.objectRef<{ number: number; sizeBytes: number }>('UploadedPart').implement({
  description: 'A part the store holds.',
  fields: (t) => ({ number: t.exposeInt('number'), sizeBytes: t.expose('sizeBytes', { type: 'SafeInt' }) }),
});

const MultipartUploadRef = builder.objectRef<MultipartUploadView>('MultipartUpload').implement({
  description: 'An upload in parts: PUT each part to a URL from uploadPartUrls, in any order, then startJob.',
  fields: (t) => ({
    partSizeBytes: t.expose('partSizeBytes', { type: 'SafeInt', description: 'Every part but the last is exactly this size.' }),
    partCount: t.exposeInt('partCount'),
    uploadedParts: t.field({
      type: [UploadedPartRef],
      description: 'What the store holds now (read from the store itself): a client resumes by sending the rest.',
      resolve: (upload) => upload.uploadedParts,
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'Parts must be uploaded and the job started before then.', resolve: (upload) => upload.expiresAt }),
  }),
});

builder.objectField(JobSourceRef, 'multipartUpload', (t) =>
  t.field({
    type: MultipartUploadRef,
    nullable: true,
    description: 'Non-null only while AWAITING_UPLOAD, for an upload in parts (source.multipart, or any source above 5 GiB).',
    resolve: (job, _args, { services }) => readMultipartUpload(services, job),
  }),
);

const UploadPartUrlRef = builder.objectRef<UploadPartUrl>('UploadPartUrl').implement({
  description: "One part's presigned PUT: send exactly these headers and exactly the part's bytes.",
  fields: (t) => ({
    number: t.exposeInt('number'),
    url: t.exposeString('url'),
    method: t.exposeString('method', { description: '"PUT"' }),
    headers: t.field({
      type: [HttpHeaderRef],
      description: 'Send exactly these headers; they are part of the signature (Content-Length binds the part to its size).',
      resolve: (part) => Object.entries(part.headers).map(([name, value]) => ({ name, value })),
    }),
    expiresAt: t.field({ type: 'DateTime', resolve: (part) => part.expiresAt }),
  }),
});

const UploadPartUrlsRef = builder.objectRef<{ parts: UploadPartUrl[] }>('UploadPartUrls').implement({
  fields: (t) => ({ parts: t.field({ type: [UploadPartUrlRef], resolve: (result) => result.parts }) }),
});

builder.mutationFields((t) => ({
  uploadPartUrls: t.field({
    type: UploadPartUrlsRef,
    description: 'Presigned PUTs for 1 to 100 parts of an upload in parts, in any order, again as often as needed (e.g. after they expire).',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError], union: { name: 'UploadPartUrlsResult' } },
    args: { id: t.arg.id({ required: true }), partNumbers: t.arg.intList({ required: true }) },
    resolve: async (_root, { id, partNumbers }, { services, viewer }) => {
      const jobId = parseJobId(String(id));
      if (!jobId) throw new NotFoundError('No job with this id');
      const result = await grantPartUrls(services, viewer.tenantId, jobId, partNumbers);
      if (result instanceof Error) throw result;
      return result;
    },
  }),
}));
