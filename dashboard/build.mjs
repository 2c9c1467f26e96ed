// Builds the dashboard into one folder that mosquitto serves with http_dir:
//   index.html (the stylesheet inlined) and app.js (one classic script with
//   mqtt and chart.js bundled: no CDN, nothing fetched at run time).
// mosquitto's small HTTP server sends no Content-Type, so nothing here relies
// on one: no ES module script, no separate stylesheet.
// Usage: node build.mjs [--out DIR]   (default: dist/)
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : join(here, 'dist'));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'eof',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});

const css = readFileSync(join(here, 'src/style.css'), 'utf8');
const html = readFileSync(join(here, 'src/index.html'), 'utf8').replace('<!-- style -->', `<style>\n${css}</style>`);
writeFileSync(join(out, 'index.html'), html);
console.log(`dashboard built in ${out}`);
