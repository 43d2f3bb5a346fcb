#!/usr/bin/env node
// Prints what the browser downloads for the web app, read from Vite's manifest: the initial JavaScript
// (entry plus its static imports: what every public page loads) and each chunk loaded on demand.
// Fails when the initial JavaScript exceeds the budget (gzip), so the public pages stay light.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const dist = path.resolve(import.meta.dirname, '../web/dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8'));
const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
if (!entryKey) {
  console.error('web-size: no entry in web/dist/.vite/manifest.json');
  process.exit(1);
}

const sizeOf = (file) => {
  const bytes = readFileSync(path.join(dist, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const initial = new Set();
const visit = (key) => {
  if (initial.has(key)) return;
  initial.add(key);
  for (const imported of manifest[key].imports ?? []) visit(imported);
};
visit(entryKey);

const rows = Object.entries(manifest)
  .filter(([, chunk]) => chunk.file.endsWith('.js'))
  .map(([key, chunk]) => ({ key, file: chunk.file, initial: initial.has(key), ...sizeOf(chunk.file) }))
  .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzip - a.gzip);
const css = [...initial].flatMap((key) => manifest[key].css ?? []).map((file) => ({ file, ...sizeOf(file) }));

const initialJs = rows.filter((row) => row.initial).reduce((sum, row) => ({ raw: sum.raw + row.raw, gzip: sum.gzip + row.gzip }), { raw: 0, gzip: 0 });
console.log('\nWeb app sizes (gzip level 9)');
for (const row of rows) console.log(`  ${row.initial ? 'initial ' : 'on demand'}  ${kb(row.gzip).padStart(10)} gzip  ${kb(row.raw).padStart(10)} raw  ${row.file}`);
for (const row of css) console.log(`  initial css ${kb(row.gzip).padStart(8)} gzip  ${kb(row.raw).padStart(10)} raw  ${row.file}`);
console.log(`\nInitial JavaScript of the public pages: ${kb(initialJs.gzip)} gzip (${kb(initialJs.raw)} raw); budget ${BUDGET_KB} KB gzip.`);
if (initialJs.gzip > BUDGET_KB * 1024) {
  console.error(`Over budget by ${kb(initialJs.gzip - BUDGET_KB * 1024)}: move code behind a dynamic import().`);
  process.exit(1);
}
