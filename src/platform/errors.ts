/**
 * The catalogue of error codes clients may rely on. Messages are for people and may change;
 * codes and their HTTP statuses do not.
 */
export const ERRORS = {
  VALIDATION_FAILED: 400,
  INVALID_CVSS_VECTOR: 400,
  UNKNOWN_SEVERITY: 400,
  UNKNOWN_HANDLER: 400,
  INVALID_CURSOR: 400,
  HTTPS_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TWO_FACTOR_REQUIRED: 401,
  INVALID_TWO_FACTOR_CODE: 401,
  REFRESH_TOKEN_REUSED: 401,
  INSUFFICIENT_SCOPE: 403,
  CSRF_TOKEN_INVALID: 403,
  FORBIDDEN: 403,
  /** The project's policy does not accept attachments (`report.attachments: refused`). */
  ATTACHMENTS_REFUSED: 403,
  NOT_FOUND: 404,
  PROJECT_NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  ADVISORY_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  /** An advisory is drafted from an accepted report only: triaged, fix in progress or fixed. */
  REPORT_NOT_ACCEPTED: 409,
  /** The report already has its advisory. */
  ADVISORY_EXISTS: 409,
  /** Publish a draft, withdraw a published advisory, schedule only a draft: anything else is refused. */
  INVALID_ADVISORY_STATE: 409,
  /** The advisory lacks what publication needs (title, a description, an affected package). */
  ADVISORY_INCOMPLETE: 409,
  /** A CVE JSON 5 record needs a reserved CVE id; cve5 export of an advisory without one. */
  CVE_ID_REQUIRED: 409,
  /** The project's policy names no CNA (advisories.cna), so no CVE record can be written. */
  CNA_NOT_CONFIGURED: 409,
  /** The format cannot say what the advisory says (e.g. OSV and a generic package). */
  EXPORT_NOT_EXPRESSIBLE: 409,
  /** The exported document fails the format's official schema or mandatory tests. */
  EXPORT_INVALID: 409,
  TWO_FACTOR_ALREADY_ENABLED: 409,
  TWO_FACTOR_NOT_ENABLED: 409,
  /** The report already has as many attachments as the server keeps per report. */
  ATTACHMENT_LIMIT_REACHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** A file larger than the attachment size limit (EMBARGO_ATTACHMENT_MAX_BYTES). */
  ATTACHMENT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A file type that is not on the attachment allow-list. */
  ATTACHMENT_TYPE_NOT_ALLOWED: 415,
  /** The file's contents are not what its Content-Type claims (e.g. "image/png" that is no PNG). */
  ATTACHMENT_TYPE_MISMATCH: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  DATABASE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
} as const;
export type ErrorCode = keyof typeof ERRORS;

export type FieldProblem = { field: string; code: string; message: string };

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldProblem[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.status = ERRORS[code];
  }
}

export function notFound(code: 'NOT_FOUND' | 'PROJECT_NOT_FOUND' | 'REPORT_NOT_FOUND' | 'ADVISORY_NOT_FOUND', what: string): AppError {
  return new AppError(code, `${what} not found`);
}

export function validationFailed(fields: FieldProblem[], message = 'The request is not valid.'): AppError {
  return new AppError('VALIDATION_FAILED', message, { fields });
}
