import { createHmac } from 'node:crypto';
import { type Clock, jstDate, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Pki } from '../pki/index.ts';
import type { Registry } from '../registry/index.ts';
import type { Store } from '../store/index.ts';
import { type CardSealer, createCardSealer } from './sealed.ts';

/** What the card domain needs, passed in once. */
export interface CardDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keys: KeyRing;
  readonly registry: Registry;
  readonly pki: Pki;
  /** Where residents reach the service; the notice letter's QR code opens `${publicUrl}/apply`. */
  readonly publicUrl: string;
}

export interface CardContext extends CardDeps {
  readonly sealer: CardSealer;
  /** The key that unlocks a chip's issuer functions (personalization, PIN reset). */
  issuerKey(cardId: string): Uint8Array;
  /** The key of chips the service still holds (between production and hand-over). */
  readonly heldChipKey: Uint8Array;
  newId(): string;
  /** Today in Japan, 'YYYY-MM-DD'. */
  today(): string;
}

export function createCardContext(deps: CardDeps): CardContext {
  const issuerRoot = deps.keys.derive('card-issuer');
  return {
    ...deps,
    sealer: createCardSealer(deps.keys.derive('card-application')),
    issuerKey: (cardId) => createHmac('sha256', issuerRoot).update(cardId).digest(),
    heldChipKey: deps.keys.derive('card-file'),
    newId: () => uuidv7(deps.clock.now().getTime()),
    today: () => jstDate(deps.clock.now()),
  };
}

/** The last instant of a Japanese calendar day. */
export function endOfJstDay(day: string): Date {
  return new Date(`${day}T23:59:59+09:00`);
}
