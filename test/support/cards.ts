import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { TestApp } from './app.ts';
import { staffHeaders } from './app.ts';
import { clerk, person } from './registry.ts';

export const PINS = { signature: 'MYNA2026', authentication: '1234', text: '5678' };

export async function portrait(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 800, channels: 3, background: { r: 200, g: 180, b: 160 } } })
    .jpeg()
    .toBuffer();
}

/** An adult resident through letter → application → review → production → hand-over. */
export async function issueCard(t: TestApp, overrides: Record<string, string> = {}) {
  const outcome = await t.system.registry.register(person(overrides), clerk);
  assert.equal(outcome.kind, 'registered');
  const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
  let code = '';
  for await (const invitation of t.system.cards.applications.invite({ actor: clerk }))
    if (invitation.resident.id === residentId) code = invitation.code;
  assert.match(code, /^\d{23}$/);
  const photo = await portrait();
  const applied = await t.app.inject({
    method: 'POST',
    url: '/v1/card-applications',
    payload: { applicationCode: code, email: 'taro@example.jp', photo: photo.toString('base64') },
  });
  assert.equal(applied.statusCode, 201, applied.body);
  const applicationId = applied.json().id as string;
  const clerkH = staffHeaders(t.tokens.clerk);
  const reviewed = await t.app.inject({
    method: 'POST',
    url: `/v1/card-applications/${applicationId}/review`,
    headers: clerkH,
  });
  assert.equal(reviewed.json().status, 'under-review');
  const decided = await t.app.inject({
    method: 'POST',
    url: `/v1/card-applications/${applicationId}/decision`,
    headers: clerkH,
    payload: { approve: true },
  });
  assert.equal(decided.json().status, 'approved', decided.body);
  const produced = await t.app.inject({
    method: 'POST',
    url: `/v1/card-applications/${applicationId}/produce`,
    headers: staffHeaders(t.tokens.supervisor, 'card-production'),
  });
  assert.equal(produced.statusCode, 201, produced.body);
  const cardId = produced.json().id as string;
  const ready = await t.app.inject({ method: 'POST', url: `/v1/cards/${cardId}/ready`, headers: clerkH });
  assert.equal(ready.json().status, 'ready');
  const handed = await t.app.inject({
    method: 'POST',
    url: `/v1/cards/${cardId}/hand-over`,
    headers: clerkH,
    payload: { identityConfirmed: true, pins: PINS },
  });
  assert.equal(handed.statusCode, 200, handed.body + t.log().slice(-4000));
  const body = handed.json() as {
    cardFile: string;
    cardKey: string;
    securityCode: string;
    card: { status: string };
  };
  assert.equal(body.card.status, 'active');
  return {
    residentId,
    applicationId,
    cardId,
    cardFile: Buffer.from(body.cardFile, 'base64'),
    cardKey: Buffer.from(body.cardKey, 'base64url'),
    securityCode: body.securityCode,
  };
}

export async function issueCardNoPhoto(t: TestApp, raw: Record<string, string>) {
  const outcome = await t.system.registry.register(raw, clerk);
  const residentId = outcome.kind === 'registered' ? outcome.residentId : '';
  const number = await t.system.registry.revealNumber(residentId, clerk);
  const application = await t.system.cards.applications.apply({ number, birthDate: raw['birthDate'] });
  assert.equal(application.withPhoto, false);
  await t.system.cards.applications.decide(application.id, { approve: true }, clerk);
  const card = await t.system.cards.cards.produce(application.id, clerk);
  await t.system.cards.cards.markReady(card.id, clerk);
  const issued = await t.system.cards.cards.handOver(
    card.id,
    { identityConfirmed: true, pins: { authentication: '1234', text: '5678' } },
    clerk,
  );
  return { cardId: card.id, cardFile: issued.cardFile, cardKey: issued.cardKey };
}
