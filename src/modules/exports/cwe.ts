import { weaknesses } from '@secvisogram/csaf-validator-lib/cwe.js';
import type { Cwe } from '../advisories/advisory.types.js';

// The CWE catalogue bundled with the CSAF validator is the one CSAF test 6.1.11 checks names against,
// so names taken from it are the ones that pass.
const NAMES = new Map(weaknesses.map((weakness) => [weakness.id, weakness.name]));

/** The official CWE name, or null for an id the catalogue does not know (or a malformed one). */
export function officialCweName(id: string): string | null {
  return NAMES.get(id) ?? null;
}

/** "CWE-79: Improper Neutralization of ..." when the name is known, else the id alone. */
export function cweLabel(cwe: Cwe): string {
  const name = officialCweName(cwe.id) ?? cwe.name;
  return name ? `${cwe.id}: ${name}` : cwe.id;
}
