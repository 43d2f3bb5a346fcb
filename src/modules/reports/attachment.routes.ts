import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { AppError } from '../../platform/errors.js';
import type { ZodApp } from '../../platform/http/app.js';
import { errorResponses } from '../../platform/http/schemas.js';
import { requireSignedIn, SESSION_COOKIE } from '../auth/auth.hooks.js';
import { attachmentListSchema, attachmentParamsSchema, attachmentSchema, uploadHeadersSchema } from './attachment.schemas.js';
import { attachmentTooLarge, contentDisposition, getAttachment, listAttachments, uploadAttachment } from './attachment.service.js';
import { ATTACHMENT_TYPES } from './attachment.sniff.js';
import { reportParamsSchema } from './report.schemas.js';

/** The header a file's name travels in, percent-encoded: header values cannot carry UTF-8 as such. */
function decodeFilename(header: string | undefined): string {
  if (!header) return '';
  try {
    return decodeURIComponent(header);
  } catch {
    return header;
  }
}

export async function attachmentRoutes(app: ZodApp, context: AppContext): Promise<void> {
  app.get('/api/v1/reports/:id/attachments', {
    schema: {
      tags: ['reports'],
      summary: "Files of the report (reporter token or team): names, sizes and types only, and whether the caller may add one",
      params: reportParamsSchema,
      response: { 200: attachmentListSchema, ...errorResponses(401, 404) },
    },
    handler: async (request) => listAttachments(context, requireSignedIn(request, 'reports:read'), request.params.id),
  });

  app.get('/api/v1/reports/:id/attachments/:attachmentId', {
    schema: {
      tags: ['reports'],
      summary: 'Download one attachment (always as a download, never rendered inline)',
      params: attachmentParamsSchema,
      response: { 200: z.any().describe('The file, decrypted'), ...errorResponses(401, 404) },
    },
    handler: async (request, reply) => {
      const file = await getAttachment(context, requireSignedIn(request, 'reports:read'), request.params.id, request.params.attachmentId);
      // Whatever the sender put in the file, a browser must neither render it nor guess its type:
      // a download, a type from the allow-list, no sniffing, and a sandbox should it be opened anyway.
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', contentDisposition(file.filename))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox; frame-ancestors 'none'")
        .header('cache-control', 'private, no-store')
        .header('content-length', file.content.length)
        .send(file.content);
    },
  });

  // The upload takes the file itself as the body (no multipart, no base64): its own scope, so that its
  // any-type body parser and its size limit apply to this route alone.
  await app.register(async (scoped: ZodApp) => {
    const maxBytes = context.config.attachmentMaxBytes;
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));
    // A body over the limit is refused while it is read, before the handler: say so with the stable code.
    scoped.setErrorHandler((error) => {
      throw (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? attachmentTooLarge(context) : error;
    });

    scoped.post('/api/v1/reports/:id/attachments', {
      bodyLimit: maxBytes,
      // Each upload may be large: uploads share the intake budget per client address (three files a report).
      config: { rateLimit: { max: context.config.intakeRateLimitPerMinute * 3, timeWindow: 60_000 } },
      // Without any credential the answer is 401 whatever the body: do not read megabytes to say so.
      onRequest: async (request) => {
        if (request.headers.authorization === undefined && request.cookies[SESSION_COOKIE] === undefined) {
          throw new AppError('UNAUTHENTICATED', 'Authenticate with a session or a bearer token.');
        }
      },
      schema: {
        tags: ['reports'],
        summary: 'Attach a file to the report (its reporter, or a team member who may write): the body is the file',
        description:
          `Send the file as the request body with its type in Content-Type and its name, percent-encoded, in X-Filename. ` +
          `Stored types: ${ATTACHMENT_TYPES.join(', ')} (text of any text/* type is stored as text/plain; the file's first bytes must match its claimed type). ` +
          `Files are stored encrypted and only ever served as downloads.`,
        params: reportParamsSchema,
        headers: uploadHeadersSchema,
        response: { 201: attachmentSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
      handler: async (request, reply) => {
        const actor = requireSignedIn(request, 'reports:write');
        const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const info = await uploadAttachment(context, actor, request.params.id, {
          filename: decodeFilename(request.headers['x-filename']),
          claimedType: request.headers['content-type'] as string | undefined,
          content,
        });
        return reply.status(201).send(info);
      },
    });
  });
}
