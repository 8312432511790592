/**
 * What every HTTP benchmark needs: the server under test in its own process, the two
 * same-run baselines on that server (a minimal route, and a route that only verifies one
 * RSA-2048 signature), and an autocannon phase that measures rate, latency and the
 * server's own CPU time per request.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { fixedClock } from '../src/core/index.ts';
import { buildApp, type Config, openSystem } from '../src/server/index.ts';

export const MINIMAL_REQUEST: autocannon.Request = { method: 'GET', path: '/bench/minimal' };
export const VERIFY_ONLY_REQUEST: autocannon.Request = {
  method: 'POST',
  path: '/bench/verify-only',
  headers: { 'content-type': 'application/json' },
  body: '{}',
};

/** Adds the baseline routes and `/bench/usage` (the server's CPU time) to an app. */
export function installBaselines(app: FastifyInstance): void {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const message = Buffer.alloc(80, 7);
  const signature = sign('sha256', message, privateKey);
  const access = { access: { public: true } } as const;
  app.get('/bench/minimal', { config: access }, async () => ({ ok: true }));
  app.post('/bench/verify-only', { config: access }, async () => ({
    ok: verify('sha256', message, publicKey, signature),
  }));
  app.get('/bench/usage', { config: access }, async () => {
    const cpu = process.cpuUsage();
    return { cpuMicros: cpu.user + cpu.system };
  });
}

/**
 * Starts `moduleUrl`'s exported `fn(arg)` in a child process (tsx), which must print
 * `listening <url>`; `MYNA_BENCH_CPU_PROF=dir` profiles it.
 */
export async function startBenchServer(
  moduleUrl: string,
  fn: string,
  arg: string,
): Promise<{ base: string; stop(): Promise<void> }> {
  const profile = process.env['MYNA_BENCH_CPU_PROF'];
  const entry = `const m = await import(${JSON.stringify(moduleUrl)}); await m[${JSON.stringify(fn)}](${JSON.stringify(arg)});`;
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      entry,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the bench server stopped (${code}): ${out}`)));
  });
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Phase {
  /** Requests per second, over the whole phase. */
  readonly rate: number;
  /** Latencies in ms, sorted. */
  readonly latencies: number[];
  /** The server process's CPU time per request (user + system), µs. */
  readonly serverCpu: number;
}

type Usage = { cpuMicros: number };
const usage = async (base: string): Promise<Usage> =>
  (await fetch(`${base}/bench/usage`)).json() as Promise<Usage>;

/** `amount` requests from autocannon with `connections` in flight; any non-200 fails the phase. */
export async function cannon(
  base: string,
  amount: number,
  request: autocannon.Request,
  connections: number,
): Promise<Phase> {
  const times: number[] = [];
  let failed = 0;
  let firstFailure = '';
  const before = await usage(base);
  const start = performance.now();
  let last = start;
  const inner = request.onResponse as
    | ((status: number, body: string, context: object, headers: unknown) => void)
    | undefined;
  const wrapped = {
    ...request,
    onResponse: (status: number, body: string, context: object, headers: unknown) => {
      if (status !== 200 && firstFailure === '') firstFailure = `${status} ${body.slice(0, 300)}`;
      inner?.(status, body, context, headers);
    },
  } as autocannon.Request;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      { url: base, connections, pipelining: 1, amount, requests: [wrapped] },
      (error) => (error ? reject(error) : resolve()),
    );
    (instance as unknown as EventEmitter).on(
      'response',
      (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status !== 200) failed++;
        times.push(ms);
        last = performance.now();
      },
    );
  });
  const seconds = (last - start) / 1000;
  const after = await usage(base);
  if (failed > 0)
    throw new Error(`${failed} of ${amount} requests to ${request.path} failed: ${firstFailure}`);
  return {
    rate: amount / seconds,
    latencies: times.sort((a, b) => a - b),
    serverCpu: (after.cpuMicros - before.cpuMicros) / amount,
  };
}

/** The server under test (run in a child process): the real application on `config` plus the baselines; prints its address. */
export async function serveWithBaselines(config: Config, now: string): Promise<void> {
  const system = await openSystem(config, fixedClock(now));
  const app = await buildApp(system);
  installBaselines(app);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => system.close())
      .finally(() => process.exit(0));
  });
  process.stdout.write(`listening ${address}\n`);
}
