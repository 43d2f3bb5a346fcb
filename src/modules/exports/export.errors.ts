import { AppError } from '../../platform/errors.js';

/**
 * Why an advisory cannot be exported as asked. These are conflicts with the advisory's current state
 * (fix the advisory, then export again): 409 with a code of their own from the shared catalogue
 * (CVE_ID_REQUIRED, EXPORT_NOT_EXPRESSIBLE); `reason` repeats which one.
 */
export type ExportFailure = 'CVE_ID_REQUIRED' | 'NOT_EXPRESSIBLE';

export class ExportError extends AppError {
  override name = 'ExportError';

  constructor(
    readonly reason: ExportFailure,
    readonly format: 'osv' | 'cve5' | 'csaf',
    message: string,
  ) {
    super(reason === 'CVE_ID_REQUIRED' ? 'CVE_ID_REQUIRED' : 'EXPORT_NOT_EXPRESSIBLE', message, { reason, format });
  }
}

/** A CVE record exists only for a CVE id the CNA has reserved through CVE Services. */
export class CveIdRequiredError extends ExportError {
  override name = 'CveIdRequiredError';

  constructor(readonly advisoryId: string) {
    super('CVE_ID_REQUIRED', 'cve5', `Advisory ${advisoryId} has no CVE id: a CVE id must be reserved first, then the record can be published.`);
  }
}

/**
 * The official schemas are read from the shared reference corpus; without it nothing can be checked,
 * and an export that was not checked must not be published. A 500 whose message stays in the logs.
 */
export class SchemaUnavailableError extends AppError {
  override name = 'SchemaUnavailableError';

  constructor(readonly file: string) {
    super('INTERNAL_ERROR', `schema not found: ${file}`, { file });
  }
}
