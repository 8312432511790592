import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, type Clock } from '../core/index.ts';
import type { AnyDb, DomainMigration } from '../store/index.ts';

/**
 * Sessions after signing in with the card. The browser holds a random token in an
 * HttpOnly cookie; the database holds only its SHA-256. A session ends after 30 minutes
 * without use or 8 hours after sign-in, whichever comes first; its token is replaced
 * every 15 minutes of use (the old one stops working), and a person can end all their
 * sessions at once.
 */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 8 * 3_600_000;
export const SESSION_ROTATE_MS = 15 * 60_000;
const TOKEN = /^mys_[A-Za-z0-9_-]{43}$/;

type SessionTables = {
  auth_session: {
    id: string;
    resident_id: string;
    card_id: string;
    created_at: string;
    rotated_at: string;
    last_seen_at: string;
    expires_at: string;
    ended_at: string | null;
    grant_id: string | null;
  };
};

export const sessionMigrations: DomainMigration[] = [
  {
    name: '0008-auth-session',
    async up(db) {
      await db.schema
        .createTable('auth_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('resident_id', 'text', (c) => c.notNull())
        .addColumn('card_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('rotated_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('auth_session_resident').on('auth_session').column('resident_id').execute();
    },
  },
  {
    // A session can act under one of its person's staff grants.
    name: '0010-auth-session-grant',
    async up(db) {
      await db.schema.alterTable('auth_session').addColumn('grant_id', 'text').execute();
    },
  },
];

export interface Session {
  readonly residentId: string;
  readonly cardId: string;
  readonly expiresAt: Date;
  /** The staff grant this session acts under, if any (checked on every use by the caller). */
  readonly grantId: string | null;
  /** Set when the token was replaced: the caller sends this one from now on. */
  readonly newToken?: string;
}

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');
const newToken = (): string => `mys_${randomBytes(32).toString('base64url')}`;
const unauthenticated = (code: string, message: string) => new AppError(code, 'unauthenticated', message);

export function createSessions(deps: { db: AnyDb; clock: Clock }) {
  const t = (): Kysely<SessionTables> => deps.db.withTables<SessionTables>();
  return {
    /** A new session for someone who has just signed in with their card. */
    async start(who: { residentId: string; cardId: string }): Promise<{ token: string; expiresAt: Date }> {
      const now = deps.clock.now();
      const token = newToken();
      const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
      await t()
        .insertInto('auth_session')
        .values({
          id: hash(token),
          resident_id: who.residentId,
          card_id: who.cardId,
          created_at: now.toISOString(),
          rotated_at: now.toISOString(),
          last_seen_at: now.toISOString(),
          expires_at: expiresAt.toISOString(),
          ended_at: null,
          grant_id: null,
        })
        .execute();
      return { token, expiresAt };
    },

    /** The session a token stands for, touched (idle timer) and rotated when due. */
    async resume(token: string | undefined): Promise<Session> {
      if (token === undefined || !TOKEN.test(token))
        throw unauthenticated('AUTH_SESSION_REQUIRED', 'sign in with your card first');
      const now = deps.clock.now();
      const row = await t()
        .selectFrom('auth_session')
        .selectAll()
        .where('id', '=', hash(token))
        .executeTakeFirst();
      if (row === undefined || row.ended_at !== null)
        throw unauthenticated('AUTH_SESSION_ENDED', 'the session has ended; sign in again');
      if (
        now >= new Date(row.expires_at) ||
        now.getTime() - new Date(row.last_seen_at).getTime() >= SESSION_IDLE_MS
      ) {
        await t()
          .updateTable('auth_session')
          .set({ ended_at: now.toISOString() })
          .where('id', '=', row.id)
          .execute();
        throw unauthenticated('AUTH_SESSION_EXPIRED', 'the session has expired; sign in again');
      }
      if (now.getTime() - new Date(row.rotated_at).getTime() < SESSION_ROTATE_MS) {
        await t()
          .updateTable('auth_session')
          .set({ last_seen_at: now.toISOString() })
          .where('id', '=', row.id)
          .execute();
        return {
          residentId: row.resident_id,
          cardId: row.card_id,
          expiresAt: new Date(row.expires_at),
          grantId: row.grant_id,
        };
      }
      // Rotation: the row moves to the new token's hash; the old token no longer matches.
      const next = newToken();
      const moved = await t()
        .updateTable('auth_session')
        .set({ id: hash(next), rotated_at: now.toISOString(), last_seen_at: now.toISOString() })
        .where('id', '=', row.id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1)
        throw unauthenticated('AUTH_SESSION_ENDED', 'the session has ended; sign in again');
      return {
        residentId: row.resident_id,
        cardId: row.card_id,
        expiresAt: new Date(row.expires_at),
        grantId: row.grant_id,
        newToken: next,
      };
    },

    /**
     * Makes a session act under a staff grant (or as the person alone, with null). The
     * caller has checked that the person holds the grant. The token is replaced, since
     * the session's powers change.
     */
    async act(token: string, grantId: string | null): Promise<{ token: string; expiresAt: Date }> {
      const s = await this.resume(token);
      const current = s.newToken ?? token;
      const next = newToken();
      const now = deps.clock.now();
      const moved = await t()
        .updateTable('auth_session')
        .set({
          id: hash(next),
          grant_id: grantId,
          rotated_at: now.toISOString(),
          last_seen_at: now.toISOString(),
        })
        .where('id', '=', hash(current))
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1)
        throw unauthenticated('AUTH_SESSION_ENDED', 'the session has ended; sign in again');
      return { token: next, expiresAt: s.expiresAt };
    },

    /** Ends every session acting under a grant (when the grant is revoked). */
    async endForGrant(grantId: string): Promise<number> {
      const r = await t()
        .updateTable('auth_session')
        .set({ ended_at: deps.clock.now().toISOString() })
        .where('grant_id', '=', grantId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    /** Signs out this session. */
    async end(token: string): Promise<void> {
      await t()
        .updateTable('auth_session')
        .set({ ended_at: deps.clock.now().toISOString() })
        .where('id', '=', hash(token))
        .where('ended_at', 'is', null)
        .execute();
    },

    /** Signs a person out everywhere; returns how many sessions ended. */
    async endAll(residentId: string): Promise<number> {
      const r = await t()
        .updateTable('auth_session')
        .set({ ended_at: deps.clock.now().toISOString() })
        .where('resident_id', '=', residentId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
