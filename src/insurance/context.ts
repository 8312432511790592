import type { Institutions } from '../auth/index.ts';
import { type Clock, uuidv7 } from '../core/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Pseudonyms } from '../network/index.ts';
import type { Registry } from '../registry/index.ts';
import type { AnyDb, Store } from '../store/index.ts';
import { insuranceError } from './errors.ts';
import { createInsuranceKeys, type InsuranceKeys } from './insurance-keys.ts';
import { type InsuranceTables, insuranceTables } from './insurance-tables.ts';
import type { InsurerKind } from './insurer-number.ts';

/** What the insurance domain needs, passed in once. */
export interface InsuranceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly keys: KeyRing;
  readonly registry: Pick<Registry, 'linking'>;
  readonly network: Pseudonyms;
  readonly institutions: Pick<Institutions, 'get'>;
}

export interface Insurer {
  readonly institutionId: string;
  readonly insurerNumber: string;
  readonly kind: InsurerKind;
  readonly name: string;
  readonly createdAt: string;
}

export interface InsuranceContext extends InsuranceDeps {
  readonly crypto: InsuranceKeys;
  newId(): string;
  insurerByNumber(insurerNumber: string, db?: AnyDb): Promise<Insurer>;
  insurerByInstitution(institutionId: string, db?: AnyDb): Promise<Insurer | undefined>;
}

export function toInsurer(r: InsuranceTables['insurer']): Insurer {
  return {
    institutionId: r.institution_id,
    insurerNumber: r.insurer_number,
    kind: r.kind as InsurerKind,
    name: r.name,
    createdAt: r.created_at,
  };
}

export function createInsuranceContext(deps: InsuranceDeps): InsuranceContext {
  // Insurer records never change once registered, so the hot path (eligibility at a
  // clinic) remembers them; an unknown one is looked up again next time.
  const byInstitution = new Map<string, Insurer>();
  return {
    ...deps,
    crypto: createInsuranceKeys(deps.keys),
    newId: () => uuidv7(deps.clock.now().getTime()),
    async insurerByNumber(insurerNumber, db = deps.store.db) {
      const row = await insuranceTables(db)
        .selectFrom('insurer')
        .selectAll()
        .where('insurer_number', '=', insurerNumber)
        .executeTakeFirst();
      if (row === undefined) throw insuranceError('INSURANCE_INSURER_NOT_FOUND', 'not-found');
      return toInsurer(row);
    },
    async insurerByInstitution(institutionId, db = deps.store.db) {
      const known = byInstitution.get(institutionId);
      if (known !== undefined) return known;
      const row = await insuranceTables(db)
        .selectFrom('insurer')
        .selectAll()
        .where('institution_id', '=', institutionId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const insurer = toInsurer(row);
      byInstitution.set(institutionId, insurer);
      return insurer;
    },
  };
}
