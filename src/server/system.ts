import {
  authMigrations,
  type CardAuthenticator,
  cardAuthMigrations,
  createCardAuthenticator,
  createInstitutions,
  createSessions,
  createStaffCredentials,
  type Institutions,
  institutionMigrations,
  type Sessions,
  type StaffCredentials,
  sessionMigrations,
} from '../auth/index.ts';
import { type CardService, cardMigrations, createCardService } from '../card/index.ts';
import { type Clock, systemClock } from '../core/index.ts';
import {
  type Confirmations,
  confirmationMigrations,
  createConfirmations,
  createInsurance,
  type Insurance,
  migrations as insuranceMigrations,
} from '../insurance/index.ts';
import { type KeyRing, loadOrCreateKeyFile } from '../keys/index.ts';
import { createPseudonyms, networkMigrations, type Pseudonyms } from '../network/index.ts';
import { createNumberVault } from '../number/index.ts';
import { createOidc, type Oidc, oidcMigrations } from '../oidc/index.ts';
import {
  createFileKeyStore,
  createPkcs11KeyStore,
  createPki,
  type KeyStore,
  type Pki,
  pkiMigrations,
} from '../pki/index.ts';
import { createRegistry, type Registry, migrations as registryMigrations } from '../registry/index.ts';
import { dispatchOutbox, migrate, type OutboxHandler, openStore, type Store } from '../store/index.ts';
import type { Config } from './config.ts';
import { oidcViews } from './oidc-views.ts';

/** Everything a running Myna holds: built once, shared by the server and the CLI. */
export interface System {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Machine credentials of institutions (bearer tokens). */
  readonly staff: StaffCredentials;
  /** Institutions, their entitlements, and the staff grants they give. */
  readonly institutions: Institutions;
  readonly pki: Pki;
  readonly cards: CardService;
  /** Sign-in with the card: challenges and their answers. */
  readonly cardAuth: CardAuthenticator;
  readonly sessions: Sessions;
  /** "Sign in with My Number card": the OpenID Connect provider and its relying parties. */
  readonly oidc: Oidc;
  /** The network's per-institution pseudonyms. */
  readonly network: Pseudonyms;
  /** Online qualification confirmation at clinics, consents, 資格確認書. */
  readonly confirmations: Confirmations;
  /** Health insurance: insurers, enrolment linking, link reviews, eligibility. */
  readonly insurance: Insurance;
  readonly keyFileCreated: boolean;
  /** The key ceremony's outcome: whether this start created the CA hierarchy, and its fingerprints. */
  readonly pkiInit: PkiInitResult;
  /** Delivers pending outbox events once; returns how many went and how many failed. */
  dispatch(): Promise<{ delivered: number; failed: number }>;
  /** Delivers outbox events every `intervalMs`, and marks expired cards hourly, until close. */
  startDispatcher(intervalMs?: number, onError?: (error: unknown) => void): void;
  close(): Promise<void>;
}

const EXPIRY_ACTOR = { id: 'card-expiry', role: 'system', purpose: 'card-lifecycle' } as const;

export type PkiInitResult = Awaited<ReturnType<Pki['init']>>;

export const ALL_MIGRATIONS = [
  ...registryMigrations,
  ...authMigrations,
  ...pkiMigrations,
  ...cardMigrations,
  ...cardAuthMigrations,
  ...sessionMigrations,
  ...institutionMigrations,
  ...oidcMigrations,
  ...networkMigrations,
  ...insuranceMigrations,
  ...confirmationMigrations,
];

/** Every municipality in the register is an institution whose staff can be granted roles. */
export async function ensureMunicipalInstitutions(
  registry: Registry,
  institutions: Institutions,
): Promise<void> {
  const known = new Set(
    (await institutions.list()).filter((i) => i.kind === 'municipality').map((i) => i.code),
  );
  for (const m of await registry.municipalities.list())
    if (!known.has(m.code))
      await institutions.create({ kind: 'municipality', code: m.code, name: `${m.prefecture} ${m.name}` });
}

export async function openKeyStore(config: Config, ring: KeyRing): Promise<KeyStore> {
  const ks = config.pkiKeyStore;
  if (ks.kind === 'file') return createFileKeyStore({ dir: ks.dir, secret: ring.derive('pki-key-store') });
  return createPkcs11KeyStore({ library: ks.library, tokenLabel: ks.tokenLabel, pin: ks.pin });
}

export async function openSystem(config: Config, clock: Clock = systemClock): Promise<System> {
  const { ring, created } = loadOrCreateKeyFile(config.keyFile, clock.now());
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  let keyStore: KeyStore | undefined;
  try {
    await migrate(store, ALL_MIGRATIONS);
    const vault = createNumberVault(ring, store.capabilities);
    const registry = createRegistry({ store, clock, vault, keys: ring });
    await registry.municipalities.seed();
    keyStore = await openKeyStore(config, ring);
    const pki = createPki({ store, clock, keyStore, baseUrl: config.publicUrl });
    const pkiInit = await pki.init();
    const cards = createCardService({ store, clock, keys: ring, registry, pki, publicUrl: config.publicUrl });
    const handlers = new Map<string, OutboxHandler[]>(
      Object.entries(cards.handlers).map(([topic, handler]) => [topic, [handler]]),
    );
    const dispatch = () => dispatchOutbox(store.db, handlers, { now: () => clock.now() });
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const ks = keyStore;
    const institutions = createInstitutions({ db: store.db, clock });
    await ensureMunicipalInstitutions(registry, institutions);
    const cardAuth = createCardAuthenticator({ db: store.db, clock, pki });
    const oidc = await createOidc({
      db: store.db,
      clock,
      keys: ring,
      issuer: config.publicUrl,
      registry,
      cardAuth,
      cards: cards.cards,
      views: oidcViews,
    });
    const network = createPseudonyms({ db: store.db, keys: ring, clock });
    const insurance = createInsurance({ store, clock, keys: ring, registry, network, institutions });
    return {
      config,
      store,
      clock,
      registry,
      staff: createStaffCredentials({ db: store.db, clock, institutions }),
      institutions,
      pki,
      cards,
      cardAuth,
      sessions: createSessions({ db: store.db, clock }),
      oidc,
      network,
      insurance,
      confirmations: createConfirmations({
        db: store.db,
        capabilities: store.capabilities,
        clock,
        cardAuth,
        pki,
        cards: cards.cards,
        registry,
        institutions,
        insurance,
        network,
        keys: ring,
      }),
      keyFileCreated: created,
      pkiInit,
      dispatch,
      startDispatcher(intervalMs = 200, onError = () => {}) {
        if (timer !== undefined) return;
        let busy = false;
        let lastExpiry = 0;
        timer = setInterval(() => {
          if (busy) return;
          busy = true;
          const hourly = clock.now().getTime() - lastExpiry >= 3_600_000;
          if (hourly) lastExpiry = clock.now().getTime();
          running = dispatch()
            .then(() => (hourly ? cards.cards.expireDue(EXPIRY_ACTOR) : 0))
            .catch(onError)
            .finally(() => {
              busy = false;
            });
        }, intervalMs);
        timer.unref();
      },
      async close() {
        if (timer !== undefined) clearInterval(timer);
        await running;
        await ks.close();
        await store.close();
      },
    };
  } catch (error) {
    await keyStore?.close();
    await store.close();
    throw error;
  }
}
