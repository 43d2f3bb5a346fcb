import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { changesCsv, csafFile, CSAF_BASE_PATH, CSAF_FEED_PATH, CSAF_KEYS_PATH, CSAF_WHITE_PATH, indexTxt, providerMetadata, publicKeyFile, rolieFeed, whiteListing, yearListing } from './csaf-provider.js';
import { createCsafSigner } from './csaf-signing.js';

/** The CSAF provider's public, unauthenticated distribution (TLP:WHITE only). */
const TAGS = ['csaf'];
const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const CACHE = 'public, max-age=60';

export async function csafRoutes(app: ZodApp, context: AppContext): Promise<void> {
  // Read once at start-up: a configured key that cannot be used stops the server (ConfigError).
  const signer = await createCsafSigner(context);

  app.get(`${CSAF_BASE_PATH}/provider-metadata.json`, {
    schema: { tags: TAGS, summary: 'CSAF provider metadata (CSAF 2.0 section 7.2.1)', response: { 200: z.record(z.string(), z.unknown()) } },
    handler: async (_request, reply) => reply.header('cache-control', CACHE).send(await providerMetadata(context, signer)),
  });

  app.get(`${CSAF_KEYS_PATH}/:file`, {
    schema: {
      tags: TAGS,
      summary: 'The public OpenPGP key that signs the CSAF documents (<FINGERPRINT>.asc)',
      params: z.object({ file: z.string().max(100) }),
      produces: ['application/pgp-keys'],
      response: { 200: z.string(), ...errorResponses(404) },
    },
    handler: async (request, reply) => reply.type('application/pgp-keys').header('cache-control', CACHE).send(publicKeyFile(signer, request.params.file)),
  });

  app.get(CSAF_FEED_PATH, {
    schema: { tags: TAGS, summary: 'ROLIE feed of the TLP:WHITE CSAF documents (CSAF 2.0 requirement 15)', response: { 200: z.record(z.string(), z.unknown()) } },
    handler: async (_request, reply) => reply.header('cache-control', CACHE).send(await rolieFeed(context, signer)),
  });

  app.get(`${CSAF_WHITE_PATH}/`, {
    schema: { tags: TAGS, summary: 'Directory listing of the TLP:WHITE distribution', produces: ['text/html'], response: { 200: z.string() } },
    handler: async (_request, reply) => reply.type(HTML).header('cache-control', CACHE).send(await whiteListing(context)),
  });

  app.get(`${CSAF_WHITE_PATH}/index.txt`, {
    schema: { tags: TAGS, summary: 'Every CSAF document, one relative path per line', produces: ['text/plain'], response: { 200: z.string() } },
    handler: async (_request, reply) => reply.type(TEXT).header('cache-control', CACHE).send(await indexTxt(context)),
  });

  app.get(`${CSAF_WHITE_PATH}/changes.csv`, {
    schema: { tags: TAGS, summary: 'CSAF documents by current release date, newest first', produces: ['text/csv'], response: { 200: z.string() } },
    handler: async (_request, reply) => reply.type('text/csv; charset=utf-8').header('cache-control', CACHE).send(await changesCsv(context)),
  });

  app.get(`${CSAF_WHITE_PATH}/:year/`, {
    schema: { tags: TAGS, summary: "Directory listing of a year's CSAF documents", params: z.object({ year: z.string().max(10) }), produces: ['text/html'], response: { 200: z.string(), ...errorResponses(404) } },
    handler: async (request, reply) => reply.type(HTML).header('cache-control', CACHE).send(await yearListing(context, request.params.year, signer)),
  });

  app.get(`${CSAF_WHITE_PATH}/:year/:file`, {
    schema: {
      tags: TAGS,
      summary: 'A CSAF document (validated before it is served), its .sha256 / .sha512 file or its .asc signature',
      params: z.object({ year: z.string().max(10), file: z.string().max(200) }),
      response: { 200: z.string(), ...errorResponses(404, 409) },
    },
    handler: async (request, reply) => {
      const file = await csafFile(context, request.params.year, request.params.file, signer);
      // Sent as the exact bytes the hash files were computed over.
      return reply.type(file.type).header('cache-control', CACHE).send(file.body);
    },
  });
}
