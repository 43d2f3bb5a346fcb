import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Paths are taken from this file's location, so the build works from any working directory.
const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

/**
 * The Embargo web app. The server serves web/dist under a strict CSP (script-src 'self', style-src
 * 'self'), so the build must emit files only: no inline scripts or styles. The team desk, OpenPGP.js
 * and the CVSS calculator are separate chunks, loaded when needed, so the public pages stay small.
 */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    // Vite would inline small assets as data: URLs; keep every asset a file the CSP allows.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development, with the API on :8080.
    // Pages under /p/ are the app's; the advisory list, advisory and hall of fame pages share their
    // address with JSON answers, so a browser's navigation (Accept: text/html) stays here.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '^/advisories\\.(atom|rss)$': 'http://127.0.0.1:8080',
      '/p/': {
        target: 'http://127.0.0.1:8080',
        bypass: (req) => {
          const url = req.url ?? '';
          if (/^\/p\/[^/]+\/?$/.test(url)) return url;
          const navigation = req.headers.accept?.startsWith('text/html') ?? false;
          return navigation && /^\/p\/[^/]+\/(advisories(\/[^/]+)?|hall-of-fame)\/?$/.test(url) ? url : undefined;
        },
      },
    },
    fs: { allow: [`${here}..`] },
  },
});
