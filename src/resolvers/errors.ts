import { builder } from '../graphql/builder.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../jobs/errors.js';
import { JobStatusEnum } from './enums.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the client can act on, returned as a member of a result union.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, written for a person.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is invalid; nothing was created or changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', {
      nullable: true,
      description: 'Path of the offending input, e.g. "input.outputs.0.audio.sampleRate".',
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such job for this tenant.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: () => ({}),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  description: 'The job is in a status that does not allow this operation.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidStateError,
  fields: (t) => ({
    status: t.field({ type: JobStatusEnum, resolve: (error) => error.status, description: 'The status the job is in.' }),
  }),
});
