/**
 * Serve mode: the renderer and the engine API on 127.0.0.1 for a browser, guarded by a per-run
 * token printed at start. Today it serves the built renderer and /api/build-info; the full
 * ReaderApi over WebSocket arrives with the UI issue.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { loadBinding, packageRoot } from '../binding/loadBinding.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

export interface ServeOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 5178. */
  port?: number;
  /** Access token; default: 24 random bytes, hex. */
  token?: string;
}

/** Starts the server; resolves with its URL (including the token) and a close function. */
export async function serve(options: ServeOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const root = join(packageRoot(), 'dist', 'renderer');
  const server = createServer((req, res) => void handle(req, res, root, token));
  await new Promise<void>((resolve) => server.listen(options.port ?? 5178, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, root: string, token: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/api/')) {
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, 'application/json', '{"ok":false,"error":{"code":"UNAUTHORIZED","message":"bad token"}}');
    if (url.pathname === '/api/build-info') {
      try {
        return send(res, 200, 'application/json', JSON.stringify({ ok: true, value: loadBinding().buildInfo() }));
      } catch (err) {
        const e = err as { code?: string; message: string };
        return send(res, 200, 'application/json', JSON.stringify({ ok: false, error: { code: e.code ?? 'INTERNAL', message: e.message } }));
      }
    }
    return send(res, 404, 'application/json', '{"ok":false,"error":{"code":"NOT_FOUND","message":"no such endpoint"}}');
  }
  const rel = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
  const file = join(root, rel);
  if (!file.startsWith(root + sep)) return send(res, 403, 'text/plain', 'forbidden');
  try {
    send(res, 200, types[extname(file)] ?? 'application/octet-stream', await readFile(file));
  } catch {
    send(res, 404, 'text/plain', 'not found (did you run "npm run build"?)');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
