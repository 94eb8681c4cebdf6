/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment JobFields on Job {\n  id\n  status\n  attempts\n  createdAt\n  finishedAt\n  notices\n  progress {\n    phase\n    percent\n    speed\n    etaSeconds\n  }\n  source {\n    filename\n    sizeBytes\n    durationSeconds\n  }\n  outputs {\n    name\n    contentType\n    sizeBytes\n    durationSeconds\n    width\n    height\n    loudness {\n      integratedLufs\n      truePeakDb\n      rangeLu\n    }\n    url\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateJob($input: CreateJobInput!) {\n  createJob(input: $input) {\n    __typename\n    ... on Job {\n      ...JobFields\n      source {\n        upload {\n          url\n          method\n          headers {\n            name\n            value\n          }\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      field\n    }\n  }\n}\n\nmutation StartJob($id: ID!) {\n  startJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nquery Job($id: ID!) {\n  job(id: $id) {\n    ...JobFields\n  }\n}\n\nquery Jobs($first: Int, $after: String, $status: [JobStatus!]) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      node {\n        ...JobFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription JobUpdated($id: ID!) {\n  jobUpdated(id: $id) {\n    ...JobFields\n  }\n}": typeof types.JobFieldsFragmentDoc,
};
const documents: Documents = {
    "fragment JobFields on Job {\n  id\n  status\n  attempts\n  createdAt\n  finishedAt\n  notices\n  progress {\n    phase\n    percent\n    speed\n    etaSeconds\n  }\n  source {\n    filename\n    sizeBytes\n    durationSeconds\n  }\n  outputs {\n    name\n    contentType\n    sizeBytes\n    durationSeconds\n    width\n    height\n    loudness {\n      integratedLufs\n      truePeakDb\n      rangeLu\n    }\n    url\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateJob($input: CreateJobInput!) {\n  createJob(input: $input) {\n    __typename\n    ... on Job {\n      ...JobFields\n      source {\n        upload {\n          url\n          method\n          headers {\n            name\n            value\n          }\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      field\n    }\n  }\n}\n\nmutation StartJob($id: ID!) {\n  startJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nquery Job($id: ID!) {\n  job(id: $id) {\n    ...JobFields\n  }\n}\n\nquery Jobs($first: Int, $after: String, $status: [JobStatus!]) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      node {\n        ...JobFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription JobUpdated($id: ID!) {\n  jobUpdated(id: $id) {\n    ...JobFields\n  }\n}": types.JobFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment JobFields on Job {\n  id\n  status\n  attempts\n  createdAt\n  finishedAt\n  notices\n  progress {\n    phase\n    percent\n    speed\n    etaSeconds\n  }\n  source {\n    filename\n    sizeBytes\n    durationSeconds\n  }\n  outputs {\n    name\n    contentType\n    sizeBytes\n    durationSeconds\n    width\n    height\n    loudness {\n      integratedLufs\n      truePeakDb\n      rangeLu\n    }\n    url\n  }\n  error {\n    code\n    message\n  }\n}\n\nmutation CreateJob($input: CreateJobInput!) {\n  createJob(input: $input) {\n    __typename\n    ... on Job {\n      ...JobFields\n      source {\n        upload {\n          url\n          method\n          headers {\n            name\n            value\n          }\n          expiresAt\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      field\n    }\n  }\n}\n\nmutation StartJob($id: ID!) {\n  startJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      field\n    }\n  }\n}\n\nmutation CancelJob($id: ID!) {\n  cancelJob(id: $id) {\n    __typename\n    ... on Job {\n      ...JobFields\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nquery Job($id: ID!) {\n  job(id: $id) {\n    ...JobFields\n  }\n}\n\nquery Jobs($first: Int, $after: String, $status: [JobStatus!]) {\n  jobs(first: $first, after: $after, status: $status) {\n    edges {\n      node {\n        ...JobFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nsubscription JobUpdated($id: ID!) {\n  jobUpdated(id: $id) {\n    ...JobFields\n  }\n}"): typeof import('./graphql.js').JobFieldsFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
