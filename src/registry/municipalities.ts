import { validateMunicipalityCode } from '../number/index.ts';
import type { AnyDb } from '../store/index.ts';
import seed from './data/municipalities.json' with { type: 'json' };
import { registryError } from './errors.ts';
import { registryTables } from './registry-tables.ts';

export interface Municipality {
  readonly code: string;
  readonly prefecture: string;
  readonly name: string;
}

export async function listMunicipalities(db: AnyDb): Promise<Municipality[]> {
  return registryTables(db).selectFrom('municipality').selectAll().orderBy('code').execute();
}

/** Adds (or renames) a municipality; the code must carry a valid check digit. */
export async function addMunicipality(db: AnyDb, m: Municipality): Promise<void> {
  const valid = validateMunicipalityCode(m.code);
  if (!valid.ok || m.name.trim() === '' || m.prefecture.trim() === '') {
    throw registryError('REGISTRY_UNKNOWN_MUNICIPALITY', 'invalid', [
      {
        at: 'code',
        code: valid.ok ? 'NAME_EMPTY' : valid.code,
        message: valid.ok ? 'name and prefecture are required' : valid.message,
      },
    ]);
  }
  await registryTables(db)
    .insertInto('municipality')
    .values({ code: valid.value, prefecture: m.prefecture.trim(), name: m.name.trim() })
    .onConflict((oc) =>
      oc.column('code').doUpdateSet({ prefecture: m.prefecture.trim(), name: m.name.trim() }),
    )
    .execute();
}

/** The municipalities shipped with Myna, added at first start. */
export async function seedMunicipalities(db: AnyDb): Promise<void> {
  const existing = await registryTables(db).selectFrom('municipality').select('code').limit(1).execute();
  if (existing.length > 0) return;
  for (const m of seed.municipalities) await addMunicipality(db, m);
}
