import { z } from 'zod';

export const errorSchema = z.object({
  error: z.looseObject({
    code: z.string().describe('Stable error code from the catalogue; clients rely on it'),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  }),
});

/** Declares the error answers a route can give, for the OpenAPI document and the serializer. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema]));
}
