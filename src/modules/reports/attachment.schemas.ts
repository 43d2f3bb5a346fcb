import { z } from 'zod';

/** What anyone who may read a report learns of its files: names, sizes and types, never contents. */
export const attachmentSchema = z.object({
  id: z.uuid(),
  filename: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  createdAt: z.string().describe('ISO 8601 instant, UTC'),
});

/** Whether this caller may add a file now, and within which limits: the UI offers uploads from this alone. */
export const uploadRulesSchema = z.object({
  allowed: z.boolean(),
  /** Why not: the project's policy refuses files, the caller's role cannot add them, or the report is full. */
  refusedBecause: z.enum(['policy', 'role', 'limit']).nullable(),
  maxBytes: z.number().int(),
  maxCount: z.number().int(),
  remaining: z.number().int(),
  types: z.array(z.string()),
});

export const attachmentListSchema = z.object({ items: z.array(attachmentSchema), upload: uploadRulesSchema });

export const attachmentParamsSchema = z.object({ id: z.string(), attachmentId: z.string() });

/** The file is the request body; its name travels percent-encoded (UTF-8) in a header, never in the URL we log. */
export const uploadHeadersSchema = z.looseObject({
  'content-type': z.string().max(200).optional().describe("The file's type: text/*, application/pdf, image/png, image/jpeg or application/zip (application/octet-stream: let the server tell)"),
  'x-filename': z.string().max(2000).optional().describe("The file's name, percent-encoded UTF-8 (encodeURIComponent)"),
});

export type AttachmentView = z.input<typeof attachmentSchema>;
export type UploadRules = z.input<typeof uploadRulesSchema>;
export type AttachmentList = z.input<typeof attachmentListSchema>;
