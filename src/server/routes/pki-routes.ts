import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../core/index.ts';
import { type CaName, toPem } from '../../pki/index.ts';
import { problemSchema, sendProblem } from '../problem.ts';
import type { System } from '../system.ts';

const CAS: readonly CaName[] = ['root', 'signature', 'authentication'];

function caFrom(file: string, extensions: readonly string[]): { ca: CaName; ext: string } {
  const dot = file.lastIndexOf('.');
  const ca = file.slice(0, dot) as CaName;
  const ext = file.slice(dot + 1);
  if (dot < 0 || !CAS.includes(ca) || !extensions.includes(ext))
    throw new AppError(
      'PKI_UNKNOWN_CA',
      'not-found',
      `no such file; the CAs are ${CAS.join(', ')} (as ${extensions.map((e) => `.${e}`).join(' or ')})`,
    );
  return { ca, ext };
}

/**
 * Certificate status for anyone: the CA certificates, CRLs and an RFC 6960 OCSP
 * responder (GET and POST), so openssl or any standard client can check a card.
 */
export async function pkiRoutes(app: FastifyInstance, opts: { system: System }): Promise<void> {
  const { pki } = opts.system;
  const tags = ['pki'];
  const fileParams = {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', maxLength: 40 } },
  } as const;
  const binary = { type: 'string', format: 'binary' } as const;

  app.get(
    '/pki/ca/:file',
    {
      config: { access: { public: true } },
      schema: {
        tags,
        summary: 'A CA certificate: root.crt, signature.crt, authentication.crt (DER) or .pem',
        security: [],
        params: fileParams,
        response: { 200: binary, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const { ca, ext } = caFrom((request.params as { file: string }).file, ['crt', 'cer', 'pem']);
      const der = await pki.caCertificate(ca);
      reply.header('cache-control', 'public, max-age=3600');
      if (ext === 'pem') return reply.type('application/x-pem-file').send(toPem(der));
      return reply.type('application/pkix-cert').send(Buffer.from(der));
    },
  );

  app.get(
    '/pki/crl/:file',
    {
      config: { access: { public: true } },
      schema: {
        tags,
        summary: 'The current CRL of a CA: root.crl, signature.crl, authentication.crl',
        security: [],
        params: fileParams,
        response: { 200: binary, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const { ca } = caFrom((request.params as { file: string }).file, ['crl']);
      const der = await pki.crl(ca);
      reply.header('cache-control', 'no-cache');
      return reply.type('application/pkix-crl').send(Buffer.from(der));
    },
  );

  const ocspReply = async (reply: FastifyReply, request: Uint8Array) =>
    reply
      .type('application/ocsp-response')
      .header('cache-control', 'no-cache')
      .send(Buffer.from(await pki.ocsp(request)));

  app.register(async (scoped) => {
    scoped.addContentTypeParser(
      'application/ocsp-request',
      { parseAs: 'buffer', bodyLimit: 64 * 1024 },
      (_req, body, done) => done(null, body),
    );
    scoped.post(
      '/pki/ocsp',
      {
        config: { access: { public: true } },
        schema: {
          tags,
          summary: 'OCSP (RFC 6960), POST with Content-Type application/ocsp-request',
          security: [],
          response: { 200: binary, 400: problemSchema, 413: problemSchema, 415: problemSchema },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          return sendProblem(
            request,
            reply,
            415,
            'REQUEST_UNSUPPORTED_MEDIA_TYPE',
            'An OCSP request is sent as Content-Type: application/ocsp-request (RFC 6960, appendix A).',
          );
        return ocspReply(reply, request.body);
      },
    );
  });

  app.get(
    '/pki/ocsp/*',
    {
      config: { access: { public: true } },
      schema: {
        tags,
        summary: 'OCSP (RFC 6960), GET with the base64 request in the path',
        security: [],
        response: { 200: binary, 400: problemSchema },
      },
    },
    async (request, reply) => {
      const raw = (request.params as { '*': string })['*'];
      let text = raw;
      try {
        text = decodeURIComponent(raw);
      } catch {
        // Not percent-encoded after all; the responder will call it malformed.
      }
      return ocspReply(reply, Buffer.from(text, 'base64'));
    },
  );
}
