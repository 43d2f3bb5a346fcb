import { ECOSYSTEMS, type Ecosystem } from '../policy/policy.schema.js';

/**
 * How OSV's query API names packages: ecosystems, package names as they are matched, package URLs.
 * Whether a version is affected is decided by the index (osv-index.ts).
 */

/** How a package name is matched: PyPI names are compared normalised (PEP 503), the others exactly. */
export function packageKey(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

export function isEcosystem(value: string): value is Ecosystem {
  return (ECOSYSTEMS as readonly string[]).includes(value);
}

/** OSV spells ecosystems with fixed case ("PyPI"); clients do not always. */
export function ecosystemNamed(value: string): Ecosystem | null {
  return ECOSYSTEMS.find((ecosystem) => ecosystem.toLowerCase() === value.toLowerCase()) ?? null;
}

const PURL_TYPES: Record<string, Ecosystem> = { pypi: 'PyPI', npm: 'npm', cargo: 'crates.io', golang: 'Go', maven: 'Maven' };

/**
 * A package URL as OSV reads it in queries: "pkg:pypi/jinja2@2.4.1", "pkg:npm/%40acme/widgets@1.0.0",
 * "pkg:maven/org.acme/core@1.2". Qualifiers and subpath are ignored; null when it names no ecosystem.
 */
export function parsePurl(purl: string): { ecosystem: Ecosystem; name: string; version: string | null } | null {
  // Subpath ("#...") and qualifiers ("?...") say nothing about which package it is.
  const bare = purl.trim().split('#')[0]!.split('?')[0]!;
  const match = /^pkg:([a-zA-Z][a-zA-Z0-9.+-]*)\/(.+)$/.exec(bare);
  if (!match) return null;
  const ecosystem = PURL_TYPES[match[1]!.toLowerCase()];
  if (!ecosystem) return null;
  let path = match[2]!;
  let version: string | null = null;
  const at = path.lastIndexOf('@');
  // A leading "@" is an npm scope written without percent-encoding, not a version.
  if (at > 0) {
    version = decode(path.slice(at + 1));
    path = path.slice(0, at);
  }
  const segments = path.split('/').filter(Boolean).map(decode);
  if (segments.length === 0 || segments.some((segment) => segment === null) || (version === null && at > 0)) return null;
  const parts = segments as string[];
  let name: string;
  if (ecosystem === 'Maven') {
    if (parts.length !== 2) return null;
    name = `${parts[0]}:${parts[1]}`;
  } else if (ecosystem === 'npm' || ecosystem === 'Go') {
    name = parts.join('/');
  } else {
    if (parts.length !== 1) return null;
    name = parts[0]!;
  }
  return { ecosystem, name, version };
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
