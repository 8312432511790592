import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors as oidcErrors } from 'oidc-provider';
import type { CardAuthenticator, CardChallenge } from '../auth/index.ts';
import { type ClaimItem, isClaimItem, itemsOfScope } from './claims.ts';
import type { Clients } from './clients.ts';
import { oidcError } from './errors.ts';
import { OIDC_TTL } from './provider.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export type InteractionStep = 'login' | 'consent';

/** What a sign-in page shows: which service, which step, which items it asks for. */
export interface InteractionView {
  readonly uid: string;
  readonly step: InteractionStep;
  readonly client: { readonly clientId: string; readonly name: string; readonly nameJa: string | null };
  /** The items the service asks for, in canonical order (the pairwise id always comes). */
  readonly items: readonly ClaimItem[];
  /** Where the person goes after the last step: the service's registered origin. */
  readonly redirectOrigin: string;
}

export interface CardAnswer {
  readonly challengeId: string;
  readonly certificate: Uint8Array;
  readonly signature: Uint8Array;
}

/** The audience a sign-in's card challenge is bound to: this interaction only. */
export const interactionAudience = (uid: string): string => `oidc:${uid}`;

/** How card sign-in is recorded in the ID token (RFC 8176): a smart card, after a PIN. */
const AMR = ['sc', 'pin'];

/**
 * The person's side of a sign-in: the card step, then the consent step, each tied to
 * the interaction this browser holds (its cookie) and to the uid in the page's path.
 */
export function createInteractions(deps: {
  provider: Provider;
  clients: Pick<Clients, 'get'>;
  cardAuth: Pick<CardAuthenticator, 'challenge' | 'verify'>;
  cards: { get(cardId: string): Promise<{ residentId: string }> };
}) {
  const { provider } = deps;

  async function load(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    step?: InteractionStep,
  ): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof oidcErrors.SessionNotFound)
        throw oidcError('OIDC_INTERACTION_NOT_FOUND', 'not-found');
      throw error;
    }
    if (interaction.uid !== uid || interaction.result !== undefined)
      throw oidcError('OIDC_INTERACTION_NOT_FOUND', 'not-found');
    if (step !== undefined && interaction.prompt.name !== step)
      throw oidcError(
        'OIDC_INTERACTION_STEP',
        'conflict',
        interaction.prompt.name === 'login'
          ? 'sign in with your card first'
          : 'you have signed in already; choose the items to share',
      );
    return interaction;
  }

  const param = (interaction: Interaction, name: string): string => {
    const value = interaction.params[name];
    return typeof value === 'string' ? value : '';
  };

  async function finish(
    interaction: Interaction,
    result: Interaction['result'],
  ): Promise<{ redirectTo: string }> {
    interaction.result = result;
    await interaction.save(OIDC_TTL.Interaction);
    return { redirectTo: interaction.returnTo };
  }

  return {
    async view(req: IncomingMessage, res: ServerResponse, uid: string): Promise<InteractionView> {
      const interaction = await load(req, res, uid);
      const client = await deps.clients.get(param(interaction, 'client_id'));
      let redirectOrigin = '';
      try {
        redirectOrigin = new URL(param(interaction, 'redirect_uri')).origin;
      } catch {
        // The provider checked the redirect URI before creating the interaction.
      }
      return {
        uid,
        step: interaction.prompt.name === 'login' ? 'login' : 'consent',
        client: { clientId: client.clientId, name: client.name, nameJa: client.nameJa },
        items: itemsOfScope(param(interaction, 'scope')),
        redirectOrigin,
      };
    },

    /** A card challenge bound to this sign-in (`oidc:<uid>`), valid for two minutes, usable once. */
    async challenge(req: IncomingMessage, res: ServerResponse, uid: string): Promise<CardChallenge> {
      await load(req, res, uid, 'login');
      return deps.cardAuth.challenge(interactionAudience(uid));
    },

    /**
     * The card's answer: verified (chain, status now, signature over this sign-in's
     * challenge), then the person is the card's resident. A browser session from an
     * earlier sign-in is ended first, so one person is never signed in as another.
     */
    async login(
      req: IncomingMessage,
      res: ServerResponse,
      uid: string,
      answer: CardAnswer,
    ): Promise<{ redirectTo: string }> {
      const interaction = await load(req, res, uid, 'login');
      const who = await deps.cardAuth.verify({
        challengeId: answer.challengeId,
        audience: interactionAudience(uid),
        certificate: answer.certificate,
        signature: answer.signature,
      });
      const card = await deps.cards.get(who.cardId);
      if (interaction.session?.uid !== undefined) {
        const earlier = await provider.Session.findByUid(interaction.session.uid);
        await earlier?.destroy();
        delete interaction.session;
      }
      return finish(interaction, {
        login: { accountId: card.residentId, amr: AMR, remember: false },
      });
    },

    /** The items the person agreed to share: exactly those become the grant; the rest are refused. */
    async confirm(
      req: IncomingMessage,
      res: ServerResponse,
      uid: string,
      chosen: readonly string[],
    ): Promise<{ redirectTo: string }> {
      const interaction = await load(req, res, uid, 'consent');
      const requested = itemsOfScope(param(interaction, 'scope'));
      const unknown = chosen.filter((c) => !isClaimItem(c) || !requested.includes(c));
      if (unknown.length > 0)
        throw oidcError(
          'OIDC_ITEM_NOT_REQUESTED',
          'invalid',
          undefined,
          unknown.slice(0, 10).map((c) => ({
            at: 'items',
            code: 'ITEM_NOT_REQUESTED',
            message: `${c.slice(0, 40)} was not asked for; asked: ${requested.join(', ') || 'none'}`,
          })),
        );
      const accountId = interaction.session?.accountId;
      if (accountId === undefined)
        throw oidcError('OIDC_INTERACTION_STEP', 'conflict', 'sign in with your card first');
      const grant = new provider.Grant({ accountId, clientId: param(interaction, 'client_id') });
      const granted = requested.filter((item) => chosen.includes(item));
      const refused = requested.filter((item) => !chosen.includes(item));
      grant.addOIDCScope(['openid', ...granted].join(' '));
      if (refused.length > 0) grant.rejectOIDCScope(refused.join(' '));
      const grantId = await grant.save();
      return finish(interaction, { ...interaction.lastSubmission, consent: { grantId } });
    },

    /** The person declines: the service gets `access_denied`. */
    async abort(req: IncomingMessage, res: ServerResponse, uid: string): Promise<{ redirectTo: string }> {
      const interaction = await load(req, res, uid);
      return finish(interaction, {
        error: 'access_denied',
        error_description: 'the person declined to sign in or to share',
      });
    },
  };
}

export type Interactions = ReturnType<typeof createInteractions>;
