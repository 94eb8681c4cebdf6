import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for ffly's own clients (`npm run codegen`): the client preset reads the committed
 * schema and the operations in src/client/*.graphql and writes src/client/generated/, which is
 * committed and checked for drift by test/clients/codegen-drift.test.ts.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['src/client/*.graphql'],
  // ESM imports with ".js" suffixes, as NodeNext resolution requires.
  emitLegacyCommonJSImports: false,
  generates: {
    'src/client/generated/': {
      preset: 'client',
      // Fragments only share field lists here; masking would hide fields behind getFragmentData().
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as query strings: graphql-ws and fetch send strings, and the web page can embed them.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: 'string', SafeInt: 'number', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
