import type { Actor } from '../core/index.ts';
import { type CmsVerification, verifyCms } from '../pki/index.ts';
import type { OutboxHandler } from '../store/index.ts';
import { createApplications, fullName, serviceActor } from './applications.ts';
import { cardMigrations } from './card-tables.ts';
import { createCards } from './cards.ts';
import { type CardDeps, createCardContext } from './context.ts';
import type { CardFaceFront } from './render/index.ts';

export type { ApplicationView, ApplyInput } from './applications.ts';
export { APPLICATION_STATUSES, type ApplicationStatus, type CardStatus } from './card-tables.ts';
export {
  CARD_END_REASONS,
  type CardEndReason,
  type CardView,
  type HandOverPins,
  type IssuedCard,
} from './cards.ts';
export type { CardDeps } from './context.ts';
export { answerChallenge, signDocument } from './holder.ts';
export * from './render/index.ts';
export { SIGNER_LEGAL_BASES, type SignerLegalBasis, signerLegalBasis } from './signer-legal-bases.ts';
export {
  type CertificateStatusReport,
  createSigners,
  type InvalidSignatureReason,
  type RelyingPartyVerification,
  type SignerCurrentItems,
  type SignerDeps,
  type SignerReference,
  type Signers,
  UNTRUSTED_KEY_REASONS,
} from './signers.ts';
export { ageOn, cardTerms, nthBirthdayAfter } from './validity.ts';
export { cardMigrations };

import { UNTRUSTED_KEY_REASONS as UNTRUSTED } from './signers.ts';

/** The My Number card: applications, production, hand-over and the card's life. */
export function createCardService(deps: CardDeps) {
  const ctx = createCardContext(deps);
  const applications = createApplications(ctx);
  const cards = createCards(ctx);
  const system: Actor = serviceActor('card-lifecycle');
  /** Outbox handlers: register changes that end certificates or cards. */
  const handlers: Record<string, OutboxHandler> = {
    'resident.basic-items-changed': (event) =>
      cards.onBasicItemsChanged(String(event.payload['residentId']), system),
    'resident.died': (event) => cards.onResidentEnded(String(event.payload['residentId']), 'death', system),
    'number.reassigned': (event) =>
      cards.onResidentEnded(String(event.payload['residentId']), 'number-reassigned', system),
  };
  return {
    applications,
    cards,
    handlers,
    /**
     * The printed front of a card (name, address, birth date, sex, expiry, photo,
     * security code): what the factory prints and the counter compares. The photo is
     * there until hand-over; after it, the photo lives only on the chip.
     */
    async frontOf(cardId: string, actor: Actor): Promise<CardFaceFront> {
      const card = await cards.get(cardId);
      const resident = await deps.registry.get(card.residentId, actor);
      const municipality = (await deps.registry.municipalities.list()).find(
        (m) => m.code === resident.municipalityCode,
      );
      const photo = await applications.heldPhoto(card.applicationId);
      return {
        name: fullName(resident),
        address: resident.address,
        birthDate: resident.birthDate,
        sex: resident.sex,
        expiry: card.expiresOn,
        securityCode: await cards.securityCode(cardId),
        municipality:
          municipality === undefined
            ? resident.municipalityCode
            : `${municipality.prefecture}${municipality.name}`,
        ...(photo === undefined ? {} : { photo }),
      };
    },
    /**
     * Verifies a document signature made with a card: the chain up to our root, the
     * signer certificate's status at signing time, and the signed content.
     */
    async verifySignature(signature: Uint8Array, content: Uint8Array): Promise<CmsVerification> {
      return verifyCms({
        signature,
        content,
        trustAnchors: [await deps.pki.caCertificate('root')],
        intermediates: [
          await deps.pki.caCertificate('signature'),
          await deps.pki.caCertificate('authentication'),
        ],
        status: async (certificate, at) => {
          // The signing time is the signer's own claim. A key that may be in someone
          // else's hands (lost card on hold, compromise) signs nothing valid, whatever
          // time it writes; a certificate revoked for other reasons (a move, a new
          // card, death) still stands for signatures made while it was in force.
          const current = await deps.pki.status(certificate.serial, deps.clock.now());
          if (current.status === 'revoked' && UNTRUSTED.has(current.reason ?? 'unspecified'))
            return 'revoked';
          return (await deps.pki.status(certificate.serial, at)).status;
        },
        now: deps.clock.now(),
      });
    },
  };
}

export type CardService = ReturnType<typeof createCardService>;
