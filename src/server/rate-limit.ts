import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

/**
 * A fixed-window limit per client address for the public routes that look people up
 * (so a number and birth date cannot be probed at speed) or cost real CPU. One
 * process's memory: behind several servers, a shared limiter belongs in front of them.
 */
export function rateLimit(options: { limit: number; windowMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const t = now();
    const key = request.ip;
    let w = windows.get(key);
    if (w === undefined || t - w.start >= options.windowMs) {
      if (windows.size > 100_000) windows.clear();
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    if (w.count <= options.limit) return undefined;
    const retry = Math.ceil((w.start + options.windowMs - t) / 1000);
    return sendProblem(
      request,
      reply.header('retry-after', String(retry)),
      429,
      'RATE_LIMITED',
      `Too many requests from this address; try again in ${retry} s.`,
    );
  };
}
