#!/usr/bin/env node
// Turns the running server's OpenAPI document into scan targets for scripts/security/scan.sh, so a
// new route is scanned without anyone editing the scan.
//
//   node scripts/security/targets.mjs OPENAPI.json BASE_URL PROJECT REPORT_ID USER_ID [REFRESH_TOKEN]
//
// Prints one target per line, tab-separated: name, method, url, auth, body, sqlmap url.
//   auth: "admin" (bearer token of the demo admin), "reporter" (the demo report's access token),
//         "none", or "refresh"/"login" (run last: they throttle or revoke sessions)
//   body: JSON for POST/PATCH/PUT, "-" otherwise
//   sqlmap url: the url with sqlmap's injection marker (*) after each path parameter of a GET
// Path parameters are filled with the demo data; query parameters get a valid sample value each, so
// every parameter is present for the scanners to attack. Routes that would end the scan's own
// session, rotate the demo tokens or need a live second factor are left out (SKIP, and DELETE).
import { readFileSync } from 'node:fs';

const [file, base, project, reportId, userId, refreshToken = 'scan'] = process.argv.slice(2);
if (!file || !base || !project || !reportId || !userId) {
  console.error('usage: targets.mjs OPENAPI.json BASE_URL PROJECT REPORT_ID USER_ID');
  process.exit(2);
}
const openapi = JSON.parse(readFileSync(file, 'utf8'));

/** Method and path (OpenAPI form) of routes the scan must not call, with the reason. */
const SKIP = new Map([
  ['POST /api/v1/auth/logout', 'ends the session the scan uses'],
  ['POST /api/v1/auth/sessions/revoke-all', 'ends the session the scan uses'],
  ['POST /api/v1/auth/password', 'changing the password revokes the scan session'],
  ['POST /api/v1/auth/2fa/setup', 'needs an authenticator app'],
  ['POST /api/v1/auth/2fa/confirm', 'needs a live TOTP code'],
  ['POST /api/v1/auth/2fa/disable', 'needs a live TOTP code'],
  ['POST /api/v1/reports/{id}/access-token', 'rotates the reporter token the scan uses'],
  ['GET /assets/{file}', 'answered from the build listing only; no file name to guess'],
]);

const TEXT = 'The CSV sniffer mis-detects quoted delimiters in large files';
/** Sample values by property or parameter name; anything else is made from its schema. */
const SAMPLES = {
  project,
  id: reportId,
  ecosystem: 'PyPI',
  year: new Date().getUTCFullYear(),
  title: 'Quoted delimiter confusion in the CSV sniffer',
  description: TEXT,
  stepsToReproduce: '1. Save the attached file. 2. Run quillcsv sniff on it.',
  impact: 'Rows are split in the wrong place.',
  environment: 'Python 3.12 on Linux',
  proofOfConcept: 'a,"b,c",d',
  suggestedFix: 'Track quotes before splitting.',
  affectedVersions: ['2.1.0'],
  contactEmail: 'reporter@example.org',
  credit: { type: 'name', value: 'Scan Reporter' },
  body: 'Any update on this report?',
  internal: false,
  to: 'acknowledged',
  reason: 'Confirmed on 2.1.0.',
  severity: 'high',
  cvss31: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
  handlerId: userId,
  backupHandlerId: userId,
  name: 'security scan',
  scopes: ['reports:read'],
  expiresInDays: 1,
  email: 'admin@example.org',
  password: 'wrong password for the scan',
  refreshToken,
  // Query parameters
  state: 'new',
  q: 'csv',
  stream: `report:${reportId}`,
  action: 'report.created',
  actorId: userId,
  since: '2020-01-01T00:00:00Z',
  until: '2100-01-01T00:00:00Z',
  handler: 'me',
  overdue: 'false',
  months: 12,
  limit: 10,
};
/** Properties left out of sample bodies: no valid value exists without more setup. */
const OMIT = new Set(['pgpPublicKey', 'duplicateOf', 'forwardedTo', 'cvss40', 'code', 'cursor']);

function sample(name, schema = {}) {
  if (Object.hasOwn(SAMPLES, name)) return SAMPLES[name];
  if (schema.enum) return schema.enum[0];
  const variant = schema.anyOf?.find((option) => option.type !== 'null');
  if (variant) return sample(name, variant);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return false;
  if (type === 'array') return [sample(name, schema.items)];
  if (type === 'object') return bodyFor(schema);
  if (schema.format === 'uuid') return reportId;
  if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
  if (schema.format === 'email') return 'reporter@example.org';
  return 'scan';
}

function bodyFor(schema) {
  const out = {};
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    if (!OMIT.has(name)) out[name] = sample(name, property);
  }
  return out;
}

function authFor(method, path) {
  if (path === '/api/v1/auth/login') return 'login';
  if (path === '/api/v1/auth/refresh') return 'refresh';
  if (method === 'POST' && path === '/api/v1/projects/{project}/reports') return 'none';
  return 'admin';
}

const lines = [];
const slug = (method, path) => `${method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-+$/, '');
for (const [path, operations] of Object.entries(openapi.paths ?? {})) {
  for (const [lower, operation] of Object.entries(operations)) {
    const method = lower.toUpperCase();
    if (!['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method) || SKIP.has(`${method} ${path}`)) continue;
    // DELETE routes only revoke sessions and tokens, including the ones the scan itself uses.
    if (method === 'DELETE') continue;
    const parameters = operation.parameters ?? [];
    let unknown = false;
    const fill = (marker) =>
      path.replace(/\{(\w+)\}/g, (_, name) => {
        if (!Object.hasOwn(SAMPLES, name)) unknown = true;
        return encodeURIComponent(String(SAMPLES[name] ?? 'scan')) + marker;
      });
    const url = fill('');
    const markedUrl = method === 'GET' ? fill('*') : url;
    if (unknown) {
      console.error(`targets: skipping ${method} ${path} (no sample for a path parameter)`);
      continue;
    }
    const query = new URLSearchParams();
    for (const parameter of parameters) {
      if (parameter.in !== 'query' || OMIT.has(parameter.name)) continue;
      query.set(parameter.name, String(sample(parameter.name, parameter.schema)));
    }
    const schema = operation.requestBody?.content?.['application/json']?.schema;
    const body = ['POST', 'PATCH', 'PUT'].includes(method) ? JSON.stringify(schema ? bodyFor(schema) : {}) : '-';
    const search = query.size > 0 ? `?${query}` : '';
    const full = `${base}${url}${search}`;
    const marked = `${base}${markedUrl}${search}`;
    const auth = authFor(method, path);
    lines.push([slug(method, path), method, full, auth, body, marked]);
    // The reporter's own view and thread run through other code than the team's: scan both.
    if ((method === 'GET' && path === '/api/v1/reports/{id}') || (method === 'POST' && path === '/api/v1/reports/{id}/messages')) {
      lines.push([`${slug(method, path)}-reporter`, method, full, 'reporter', method === 'POST' ? JSON.stringify({ body: SAMPLES.body }) : '-', marked]);
    }
  }
}
const ORDER = { admin: 0, reporter: 1, none: 2, refresh: 3, login: 4 };
lines.sort((a, b) => ORDER[a[3]] - ORDER[b[3]]);
for (const line of lines) console.log(line.join('\t'));
