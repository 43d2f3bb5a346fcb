import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { notFound } from '../errors.js';
import type { ZodApp } from './app.js';
import { errorResponses } from './schemas.js';

/**
 * The browser app, built by `npm run build` into config.webDist, served on the API's origin so that
 * the session cookie, CSRF header and strict CSP need no cross-origin exceptions. Only the app's own
 * pages fall back to index.html: the API, exports and policy documents keep their routes, and an
 * unknown /api path stays a JSON 404.
 */

/** Client-side routes of the app (web/src/App.tsx); each answers index.html. */
export const WEB_PAGES = ['/', '/login', '/p/:project', '/r/:id', '/advisories', '/hall-of-fame', '/team', '/team/reports/:id', '/team/metrics', '/team/projects/:project', '/team/account'] as const;

/**
 * Pages whose address is also a public JSON answer of the advisories module (public.routes.ts): feeds,
 * CSAF and OSV references and each advisory's own `url` point here, so a browser must get the page
 * while API clients keep their JSON. A request that prefers text/html to JSON (a browser navigating)
 * gets the app; anything else (no Accept, * / *, application/json as the app's own fetches send) gets
 * the JSON route, unchanged. Both answers carry `Vary: Accept`, so no cache hands one to the other.
 */
export const NEGOTIATED_PAGES = ['/p/:project/advisories', '/p/:project/advisories/:id', '/p/:project/hall-of-fame'] as const;
const NEGOTIATED = new Set<string>(NEGOTIATED_PAGES);

/** True when the Accept header names text/html with a higher quality than it gives JSON. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept || !accept.includes('text/html')) return false;
  let html = 0;
  const json = { exact: -1, type: -1, any: 0 };
  for (const item of accept.split(',')) {
    const [range = '', ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (range === 'text/html') html = Math.max(html, q);
    else if (range === 'application/json') json.exact = Math.max(json.exact, q);
    else if (range === 'application/*') json.type = Math.max(json.type, q);
    else if (range === '*/*') json.any = Math.max(json.any, q);
  }
  // The most specific range that matches JSON decides its quality (RFC 9110, section 12.5.1).
  const jsonQuality = json.exact >= 0 ? json.exact : json.type >= 0 ? json.type : json.any;
  return html > 0 && html > jsonQuality;
}

const PAGE_CONSTRAINT = 'webPage';
type ConstraintStrategy = Parameters<ZodApp['addConstraintStrategy']>[0];
type ConstraintStore = Parameters<ReturnType<ConstraintStrategy['storage']>['set']>[1];
/** A find-my-way constraint: the route constrained to `html` wins for browsers, the JSON route otherwise. */
const pageConstraint: ConstraintStrategy = {
  name: PAGE_CONSTRAINT,
  storage: () => {
    const stores = new Map<unknown, ConstraintStore>();
    return { get: (value) => stores.get(value) ?? null, set: (value, store) => void stores.set(value, store) };
  },
  deriveConstraint: (request) => (prefersHtml(request.headers.accept) ? 'html' : undefined),
  mustMatchWhenDerived: false,
};

function addVaryAccept(reply: FastifyReply): void {
  const current = reply.getHeader('vary');
  const values = (Array.isArray(current) ? current.join(',') : String(current ?? '')).split(',').map((value) => value.trim()).filter(Boolean);
  if (!values.some((value) => value === '*' || value.toLowerCase() === 'accept')) reply.header('vary', [...values, 'Accept'].join(', '));
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
/** Vite puts a content hash in every file name under assets/, so those never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const NOT_BUILT = 'The Embargo web app is not built yet. Run `npm run build` (it writes web/dist), then reload this page. The API under /api/v1 works without it.\n';

type Bundle = { indexHtml: string; indexMtime: number; assets: Map<string, string> };

/** Reads the build once, and again whenever index.html changes (a rebuild while the server runs). */
function createBundleReader(dist: string) {
  const indexFile = path.join(dist, 'index.html');
  const assetsDir = path.join(dist, 'assets');
  let bundle: Bundle | null = null;
  return async (): Promise<Bundle | null> => {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- config.webDist, set by the operator
    const indexStat = await stat(indexFile).catch(() => null);
    if (!indexStat) return (bundle = null);
    if (bundle && bundle.indexMtime === indexStat.mtimeMs) return bundle;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- config.webDist, set by the operator
    const names = await readdir(assetsDir).catch(() => [] as string[]);
    // Requests are answered only from this listing, so a request path never reaches the file system.
    const assets = new Map(names.filter((name) => !name.startsWith('.')).map((name) => [name, path.join(assetsDir, name)]));
    for (const name of ['favicon.svg']) assets.set(`/${name}`, path.join(dist, name));
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- config.webDist, set by the operator
    bundle = { indexHtml: await readFile(indexFile, 'utf8'), indexMtime: indexStat.mtimeMs, assets };
    return bundle;
  };
}

function typeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function notBuilt(reply: FastifyReply) {
  return reply.status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').header('retry-after', '30').send(NOT_BUILT);
}

const pageSchema = { tags: ['web'], produces: ['text/html'], response: { 200: z.string().describe('The web app (index.html)'), 503: z.string().describe('The web app is not built') } };

export async function webRoutes(app: ZodApp, context: AppContext): Promise<void> {
  const readBundle = createBundleReader(context.config.webDist);

  async function sendFile(reply: FastifyReply, key: string, cacheControl: string) {
    const bundle = await readBundle();
    if (!bundle) return notBuilt(reply);
    const file = bundle.assets.get(key);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- only paths from the directory listing above, never the request's
    const body = file ? await readFile(file).catch(() => null) : null;
    if (!file || !body) throw notFound('NOT_FOUND', `asset ${key}`);
    return reply.type(typeOf(file)).header('cache-control', cacheControl).send(body);
  }

  async function sendPage(reply: FastifyReply) {
    const bundle = await readBundle();
    if (!bundle) return notBuilt(reply);
    return reply.type(TYPES['.html']!).header('cache-control', REVALIDATE).send(bundle.indexHtml);
  }
  const paramsOf = (url: string) => {
    const names = [...url.matchAll(/:(\w+)/g)].map((match) => match[1]!);
    return names.length > 0 ? { params: z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) } : {};
  };

  for (const url of WEB_PAGES) {
    app.get(url, { schema: { ...pageSchema, summary: `Web app page ${url}`, ...paramsOf(url) }, handler: async (_request, reply) => sendPage(reply) });
  }

  app.addConstraintStrategy(pageConstraint);
  for (const url of NEGOTIATED_PAGES) {
    app.get(url, {
      constraints: { [PAGE_CONSTRAINT]: 'html' },
      // The API document describes the JSON answer at this address; this is its browser twin.
      schema: { ...pageSchema, hide: true, summary: `Web app page ${url} (for browsers)`, ...paramsOf(url) },
      handler: async (_request, reply) => sendPage(reply),
    });
  }
  app.addHook('onSend', async (request, reply) => {
    if (NEGOTIATED.has(request.routeOptions.url ?? '')) addVaryAccept(reply);
  });

  app.get('/assets/:file', {
    schema: {
      tags: ['web'],
      summary: 'Web app scripts and styles (content-hashed, cached for a year)',
      params: z.object({ file: z.string() }),
      response: { 200: z.string().describe('A built asset'), ...errorResponses(404), 503: z.string().describe('The web app is not built') },
    },
    handler: async (request, reply) => sendFile(reply, request.params.file, IMMUTABLE),
  });

  app.get('/favicon.svg', {
    schema: { tags: ['web'], summary: 'Web app icon', produces: ['image/svg+xml'], response: { 200: z.string(), 503: z.string() } },
    handler: async (_request, reply) => sendFile(reply, '/favicon.svg', 'public, max-age=86400'),
  });
}
