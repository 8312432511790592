import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../core/index.ts';
import type { Resident } from '../registry/index.ts';
import { appendEvent, isUniqueViolation } from '../store/index.ts';
import { type ApplicationStatus, cardTables } from './card-tables.ts';
import type { CardContext } from './context.ts';
import { cardError } from './errors.ts';
import { preparePhoto } from './render/index.ts';
import { ageOn, PHOTO_MIN_AGE, renewalOpensOn } from './validity.ts';

/** The system actor the card service reads the register as, per purpose. */
export function serviceActor(purpose: string): Actor {
  return { id: 'card-service', role: 'system', purpose };
}

/** 申請書ID: 23 random digits (about 76 bits), printed on the letter and in its QR code. */
export function newApplicationCode(): string {
  const n = BigInt(`0x${randomBytes(10).toString('hex')}`) % 10n ** 23n;
  return n.toString().padStart(23, '0');
}

const CODE = /^\d{23}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;
const OPEN: readonly ApplicationStatus[] = ['applied', 'under-review', 'approved', 'produced', 'ready'];

export interface ApplyInput {
  /** The 23-digit code of a posted letter… */
  readonly applicationCode?: string | undefined;
  /** …or the individual number with the birth date as an identity check. */
  readonly number?: string | undefined;
  readonly birthDate?: string | undefined;
  readonly email?: string | undefined;
  readonly photo?: Uint8Array | undefined;
}

export interface ApplicationView {
  readonly id: string;
  readonly residentId: string;
  readonly status: ApplicationStatus;
  readonly channel: 'letter' | 'number';
  readonly withPhoto: boolean;
  readonly reason: string | null;
  readonly appliedAt: string;
  readonly updatedAt: string;
  readonly cardId: string | null;
}

type Row = Awaited<ReturnType<typeof selectApplication>>;

function selectApplication(ctx: CardContext, id: string) {
  return cardTables(ctx.store.db)
    .selectFrom('card_application')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

function view(row: NonNullable<Row>): ApplicationView {
  return {
    id: row.id,
    residentId: row.resident_id,
    status: row.status,
    channel: row.channel,
    withPhoto: Number(row.with_photo) === 1,
    reason: row.reason,
    appliedAt: row.applied_at,
    updatedAt: row.updated_at,
    cardId: row.card_id,
  };
}

const identityMismatch = () =>
  cardError(
    'CARD_IDENTITY_MISMATCH',
    'invalid',
    'the individual number and the birth date do not identify a resident',
  );

const photoRequired = () =>
  cardError('CARD_PHOTO_REQUIRED', 'invalid', 'a face photo is required', [
    { at: 'photo', code: 'REQUIRED', message: 'a JPEG or PNG face photo is required (from age 1)' },
  ]);

const applicationExists = () =>
  cardError('CARD_APPLICATION_EXISTS', 'conflict', 'an application for this resident is in progress');

export function fullName(r: Pick<Resident, 'familyName' | 'givenName'>): string {
  if (r.givenName === null || r.givenName === '') return r.familyName;
  // eslint-style note: a Japanese name is written with an ideographic space between the parts.
  const ascii = /^[\x20-\x7e]*$/.test(r.familyName + r.givenName);
  return `${r.familyName}${ascii ? ' ' : '\u3000'}${r.givenName}`;
}

export function createApplications(ctx: CardContext) {
  const { store, clock, registry } = ctx;

  async function residentFor(
    input: ApplyInput,
    withPhoto: boolean,
  ): Promise<{ resident: Resident; code: string | null }> {
    if (input.applicationCode !== undefined) {
      const code = input.applicationCode.replace(/[\s-]/g, '');
      if (!CODE.test(code))
        throw cardError('CARD_INVALID_APPLICATION', 'invalid', 'the application ID is 23 digits', [
          { at: 'applicationCode', code: 'FORMAT', message: 'expected 23 digits' },
        ]);
      const invitation = await cardTables(store.db)
        .selectFrom('card_invitation')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (invitation === undefined)
        throw cardError(
          'CARD_UNKNOWN_APPLICATION_CODE',
          'not-found',
          'no letter carries this application ID',
        );
      const resident = await registry.get(invitation.resident_id, serviceActor('card-application'));
      return { resident, code };
    }
    if (input.number === undefined || input.birthDate === undefined)
      throw cardError(
        'CARD_INVALID_APPLICATION',
        'invalid',
        'give the application ID from the letter, or the individual number with the birth date',
      );
    const found = await registry
      .search({ number: input.number }, serviceActor('card-application'), 1)
      .catch(() => ({ residents: [] as Resident[] }));
    const resident = found.residents[0];
    // The same answer whether the number is unknown or the birth date is wrong; and
    // without a photo, the same answer as for a match (a photo is required from age 1),
    // so guessing birth dates without a photo learns nothing.
    if (resident === undefined || resident.birthDate !== input.birthDate)
      throw withPhoto ? identityMismatch() : photoRequired();
    return { resident, code: null };
  }

  return {
    /** A resident's online application (申請). */
    async apply(input: ApplyInput): Promise<ApplicationView> {
      if (input.email !== undefined && !EMAIL.test(input.email))
        throw cardError(
          'CARD_INVALID_APPLICATION',
          'invalid',
          'the contact address is not an e-mail address',
          [{ at: 'email', code: 'FORMAT', message: 'not an e-mail address' }],
        );
      // The photo is checked before anyone is looked up, so a bad photo says nothing
      // about whether a number and a birth date belong together.
      const prepared = input.photo === undefined ? undefined : (await preparePhoto(input.photo)).jpeg;
      const { resident, code } = await residentFor(input, prepared !== undefined);
      if (resident.status !== 'active')
        throw code === null
          ? identityMismatch()
          : cardError('CARD_RESIDENT_INACTIVE', 'conflict', 'the resident is not active in the register');
      const withPhoto = ageOn(resident.birthDate, ctx.today()) >= PHOTO_MIN_AGE;
      if (withPhoto && prepared === undefined) throw photoRequired();
      const photo = withPhoto ? prepared : undefined;
      const now = clock.now().toISOString();
      const id = ctx.newId();
      await store.db.transaction().execute(async (trx) => {
        const t = cardTables(trx);
        const open = await t
          .selectFrom('card_application')
          .select('id')
          .where('resident_id', '=', resident.id)
          .where('status', 'in', OPEN)
          .executeTakeFirst();
        if (open !== undefined) throw applicationExists();
        if (code !== null) {
          const used = await t
            .selectFrom('card_application')
            .select('id')
            .where('code', '=', code)
            .where('status', '=', 'handed-over')
            .executeTakeFirst();
          if (used !== undefined)
            throw cardError(
              'CARD_APPLICATION_CODE_USED',
              'conflict',
              'this application ID has already brought a card; apply with the number and birth date',
            );
        }
        // A card in use is replaced at the counter (after a loss: revoke, then apply),
        // online only within three months of its expiry.
        const live = await t
          .selectFrom('card')
          .select(['expires_on'])
          .where('resident_id', '=', resident.id)
          .where('status', 'in', ['active', 'suspended'])
          .execute();
        if (live.some((c) => ctx.today() < renewalOpensOn(c.expires_on)))
          throw cardError(
            'CARD_HOLDS_CARD',
            'conflict',
            'the resident holds a card in use; a new one can be applied for from three months before it expires',
          );
        try {
          await t
            .insertInto('card_application')
            .values({
              id,
              code,
              resident_id: resident.id,
              status: 'applied',
              channel: code === null ? 'number' : 'letter',
              with_photo: withPhoto ? 1 : 0,
              photo_sealed: photo === undefined ? null : ctx.sealer.seal(photo, id),
              contact_sealed:
                input.email === undefined ? null : ctx.sealer.seal(Buffer.from(input.email, 'utf8'), id),
              reason: null,
              applied_at: now,
              updated_at: now,
              decided_by: null,
              card_id: null,
              version: 1,
            })
            .execute();
        } catch (error) {
          // Two applications at once: the unique index on open applications decides.
          if (isUniqueViolation(error)) throw applicationExists();
          throw error;
        }
        if (code !== null)
          await t.updateTable('card_invitation').set({ applied_at: now }).where('code', '=', code).execute();
      });
      return view((await selectApplication(ctx, id))!);
    },

    /** What a resident may see of their application: status and reason, nothing personal. */
    async status(id: string): Promise<Pick<ApplicationView, 'status' | 'reason' | 'updatedAt'>> {
      const row = await selectApplication(ctx, id);
      if (row === undefined)
        throw cardError('CARD_APPLICATION_NOT_FOUND', 'not-found', 'no such application');
      return { status: row.status, reason: row.reason, updatedAt: row.updated_at };
    },

    async get(id: string): Promise<ApplicationView> {
      const row = await selectApplication(ctx, id);
      if (row === undefined)
        throw cardError('CARD_APPLICATION_NOT_FOUND', 'not-found', 'no such application');
      return view(row);
    },

    /** The review queue, oldest first. */
    async list(filter: {
      status?: ApplicationStatus | undefined;
      limit: number;
      after?: string | undefined;
    }) {
      let q = cardTables(store.db)
        .selectFrom('card_application')
        .selectAll()
        .orderBy('id')
        .limit(filter.limit);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.after !== undefined) q = q.where('id', '>', filter.after);
      return (await q.execute()).map(view);
    },

    /** The face photo, for the clerk who compares it with the applicant. */
    async photo(id: string, actor: Actor): Promise<Uint8Array> {
      const row = await selectApplication(ctx, id);
      if (row === undefined)
        throw cardError('CARD_APPLICATION_NOT_FOUND', 'not-found', 'no such application');
      if (row.photo_sealed === null)
        throw cardError('CARD_NO_PHOTO', 'not-found', 'this application has no photo');
      await store.db
        .transaction()
        .execute((trx) => recordCardEvent(ctx, trx, id, 'photo-viewed', actor, null));
      return ctx.sealer.open(row.photo_sealed, id);
    },

    /** The photo while the service still holds it (until hand-over), for printing the face. */
    async heldPhoto(id: string): Promise<Uint8Array | undefined> {
      const row = await selectApplication(ctx, id);
      return row?.photo_sealed == null ? undefined : ctx.sealer.open(row.photo_sealed, id);
    },

    /** A clerk takes an application for review. */
    async startReview(id: string, actor: Actor): Promise<ApplicationView> {
      await store.db
        .transaction()
        .execute((trx) => transition(ctx, id, ['applied'], 'under-review', actor, {}, trx));
      return view((await selectApplication(ctx, id))!);
    },

    /** Approve, or reject with a reason the resident will read. */
    async decide(
      id: string,
      decision: { approve: boolean; reason?: string | undefined },
      actor: Actor,
    ): Promise<ApplicationView> {
      const reason = decision.reason?.trim();
      if (!decision.approve && (reason === undefined || reason === ''))
        throw cardError('CARD_REASON_REQUIRED', 'invalid', 'a rejection needs a reason', [
          { at: 'reason', code: 'REQUIRED', message: 'say why the application is rejected' },
        ]);
      await store.db.transaction().execute((trx) =>
        transition(
          ctx,
          id,
          ['applied', 'under-review'],
          decision.approve ? 'approved' : 'rejected',
          actor,
          {
            reason: reason ?? null,
            decided_by: actor.id,
            // A rejected application keeps no photo and no contact address.
            ...(decision.approve ? {} : { photo_sealed: null, contact_sealed: null }),
          },
          trx,
        ),
      );
      return view((await selectApplication(ctx, id))!);
    },

    /**
     * Invitations for the notice letters: one per active resident who has no letter,
     * no application in progress and no card in use. Yields as it goes, for a
     * streaming PDF.
     */
    async *invite(options: {
      municipalityCode?: string | undefined;
      limit?: number | undefined;
      actor: Actor;
    }): AsyncGenerator<{ code: string; resident: Resident }> {
      let after: string | undefined;
      let left = options.limit ?? Number.POSITIVE_INFINITY;
      while (left > 0) {
        const ids = await registry.activeIds({
          municipalityCode: options.municipalityCode,
          after,
          limit: Math.min(500, left),
        });
        if (ids.length === 0) return;
        after = ids[ids.length - 1];
        const t = cardTables(store.db);
        const taken = new Set<string>();
        for (const r of await t
          .selectFrom('card_invitation')
          .select('resident_id as id')
          .where('resident_id', 'in', ids)
          .execute())
          taken.add(r.id);
        for (const r of await t
          .selectFrom('card')
          .select('resident_id as id')
          .where('resident_id', 'in', ids)
          .where('status', 'in', ['produced', 'ready', 'active', 'suspended'])
          .execute())
          taken.add(r.id);
        for (const r of await t
          .selectFrom('card_application')
          .select('resident_id as id')
          .where('resident_id', 'in', ids)
          .where('status', 'in', OPEN)
          .execute())
          taken.add(r.id);
        for (const id of ids) {
          if (taken.has(id) || left <= 0) continue;
          const code = newApplicationCode();
          try {
            await t
              .insertInto('card_invitation')
              .values({ code, resident_id: id, created_at: clock.now().toISOString(), applied_at: null })
              .execute();
          } catch (error) {
            // Another letter run invited this resident meanwhile (one letter per resident).
            if (isUniqueViolation(error)) continue;
            throw error;
          }
          const resident = await registry.get(id, options.actor);
          left--;
          yield { code, resident };
        }
      }
    },
  };
}

/** Moves an application from one of `from` to `to`, or says why it cannot. */
export async function transition(
  ctx: CardContext,
  id: string,
  from: readonly ApplicationStatus[],
  to: ApplicationStatus,
  actor: Actor,
  set: Partial<{
    reason: string | null;
    decided_by: string;
    card_id: string;
    photo_sealed: null;
    contact_sealed: null;
  }>,
  db = ctx.store.db,
): Promise<void> {
  const t = cardTables(db);
  const row = await t.selectFrom('card_application').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw cardError('CARD_APPLICATION_NOT_FOUND', 'not-found', 'no such application');
  if (!from.includes(row.status))
    throw cardError(
      'CARD_APPLICATION_STATE',
      'conflict',
      `the application is ${row.status}; it cannot become ${to}`,
    );
  const result = await t
    .updateTable('card_application')
    .set({ ...set, status: to, updated_at: ctx.clock.now().toISOString(), version: sql`version + 1` })
    .where('id', '=', id)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1)
    throw cardError('CARD_CONCURRENT_UPDATE', 'conflict', 'the application changed meanwhile; try again');
  await recordCardEvent(ctx, db, id, `application-${to}`, actor, set.reason ?? null);
  await appendEvent(db, {
    topic: `card.application-${to}`,
    payload: { applicationId: id },
    at: ctx.clock.now(),
  });
}

export async function recordCardEvent(
  ctx: CardContext,
  db: CardContext['store']['db'],
  subjectId: string,
  kind: string,
  actor: Actor,
  detail: string | null,
): Promise<void> {
  await cardTables(db)
    .insertInto('card_event')
    .values({
      id: ctx.newId(),
      subject_id: subjectId,
      kind,
      at: ctx.clock.now().toISOString(),
      actor_id: actor.id,
      actor_role: actor.role,
      detail,
    })
    .execute();
}
