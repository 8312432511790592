import assert from 'node:assert/strict';
import { answerChallenge } from '../../src/card/index.ts';
import { VirtualChip } from '../../src/chip/index.ts';
import type { TestApp } from './app.ts';
import { PINS } from './cards.ts';

/** Signs in over HTTP with a card's chip (challenge, PIN, signature, verify); returns the session token. */
export async function signInWithCard(
  t: TestApp,
  card: { cardFile: Uint8Array; cardKey: Uint8Array },
  options: { audience?: string; pin?: string } = {},
): Promise<string> {
  const audience = options.audience ?? 'https://portal.myna.example';
  const chip = await VirtualChip.open(card.cardFile, card.cardKey);
  const c = await t.app.inject({ method: 'POST', url: '/v1/auth/card/challenge', payload: { audience } });
  assert.equal(c.statusCode, 200, c.body);
  const { challengeId, message } = c.json() as { challengeId: string; message: string };
  const a = await answerChallenge(chip, options.pin ?? PINS.authentication, Buffer.from(message, 'base64'));
  const r = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/card/verify',
    payload: {
      challengeId,
      audience,
      certificate: Buffer.from(a.certificate).toString('base64'),
      signature: Buffer.from(a.signature).toString('base64'),
    },
  });
  assert.equal(r.statusCode, 200, r.body);
  return /myna_session=([^;]+)/.exec(String(r.headers['set-cookie']))![1]!;
}

/** The session token a response set, or the one given when it set none. */
export function sessionFrom(response: { headers: Record<string, unknown> }, previous: string): string {
  const m = /myna_session=([^;]+)/.exec(String(response.headers['set-cookie'] ?? ''));
  return m?.[1] ?? previous;
}
