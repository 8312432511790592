import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Pki } from '../pki/index.ts';

const LIMIT = 64 * 1024;

/**
 * OCSP is the hottest public endpoint: every relying party asks it about every card.
 * This answers `POST /pki/ocsp` and `GET /pki/ocsp/<base64>` before the web framework's
 * request lifecycle (routing, hooks, logging), which otherwise costs more than the
 * responder itself; everything else goes to the application. The same routes exist in
 * the application too, so they are documented in the OpenAPI document and behave the
 * same under `inject`. Errors of the transport (wrong method or type, too large) are
 * left to the application, which answers them with problem+json.
 */
export function ocspServerFactory(pki: Pki) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
    createServer((req, res) => {
      const url = req.url ?? '';
      if (!url.startsWith('/pki/ocsp')) return handler(req, res);
      if (req.method === 'GET' && url.startsWith('/pki/ocsp/')) {
        let text = url.slice('/pki/ocsp/'.length);
        try {
          text = decodeURIComponent(text);
        } catch {
          // The responder answers malformedRequest.
        }
        return answer(pki, res, Buffer.from(text, 'base64'));
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const length = Number(req.headers['content-length'] ?? Number.NaN);
      if (
        req.method !== 'POST' ||
        url !== '/pki/ocsp' ||
        type !== 'application/ocsp-request' ||
        !(length <= LIMIT)
      )
        return handler(req, res);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= LIMIT) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > LIMIT) {
          res.writeHead(413, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ code: 'REQUEST_TOO_LARGE', status: 413, title: 'REQUEST_TOO_LARGE' }));
          return;
        }
        answer(pki, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      });
    });
}

function answer(pki: Pki, res: ServerResponse, request: Uint8Array): void {
  pki.ocsp(request).then(
    (body) => {
      res.writeHead(200, {
        'content-type': 'application/ocsp-response',
        'content-length': body.length,
        'cache-control': 'no-cache',
      });
      res.end(body);
    },
    () => {
      // ocsp() answers every request itself (internalError included); this is a last resort.
      res.writeHead(500);
      res.end();
    },
  );
}
