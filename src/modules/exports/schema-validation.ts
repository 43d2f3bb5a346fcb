import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { SchemaUnavailableError } from './export.errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared reference corpus beside the repository, which holds the official schemas. */
export const DEFAULT_CORPUS_DIR = path.resolve(repoRoot, '../shared/corpus');

export type ValidatorOptions = { corpusDir?: string };

/** `rule` names the check: "schema" for the JSON Schema, otherwise a linter or conformance test id. */
export type ValidationIssue = { path: string; message: string; rule: string };
export type ValidationResult = { valid: boolean; errors: ValidationIssue[] };

export function readCorpusJson(corpusDir: string, relative: string): Record<string, unknown> {
  const file = path.join(corpusDir, relative);
  /* eslint-disable security/detect-non-literal-fs-filename -- the schema corpus directory and the schema names are constants of the exporters */
  if (!existsSync(file)) throw new SchemaUnavailableError(file);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  /* eslint-enable security/detect-non-literal-fs-filename */
}

export function toResult(errors: ValidationIssue[]): ValidationResult {
  return { valid: errors.length === 0, errors };
}

export function schemaIssues(errors: ErrorObject[] | null | undefined, prefix = ''): ValidationIssue[] {
  return (errors ?? []).map((error) => {
    const detail = error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
    return { path: `${prefix}${error.instancePath}` || '/', message: `${error.message ?? error.keyword}${detail}`, rule: 'schema' };
  });
}

/** Compiling the CVE and CSAF schemas takes a while: build once per corpus directory. */
export function perCorpusDir<T>(build: (corpusDir: string) => T): (corpusDir: string) => T {
  const cache = new Map<string, T>();
  return (corpusDir) => {
    let value = cache.get(corpusDir);
    if (value === undefined) {
      value = build(corpusDir);
      cache.set(corpusDir, value);
    }
    return value;
  };
}

/** RFC 3339 UTC without the noise of ".000" when a date has no milliseconds. */
export function timestamp(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
