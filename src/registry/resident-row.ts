import { normalizeAddress, normalizeKana, normalizeName, type Sex } from '../matching/index.ts';
import type { RegistryTables } from './registry-tables.ts';
import type { MutableItem, Resident, ResidentInput } from './resident.ts';

type Row = RegistryTables['resident'];

/** Search keys kept beside the items: normalised so that 髙橋 finds 高橋. */
export function searchKeys(r: {
  familyName: string;
  givenName?: string | null | undefined;
  familyNameKana?: string | null | undefined;
  givenNameKana?: string | null | undefined;
  address: string;
}): { name_key: string; kana_key: string | null; address_key: string } {
  const kana = `${r.familyNameKana ?? ''}${r.givenNameKana ?? ''}`;
  return {
    name_key: normalizeName(`${r.familyName}${r.givenName ?? ''}`),
    kana_key: kana === '' ? null : normalizeKana(kana),
    address_key: normalizeAddress(r.address),
  };
}

export function fromRow(row: Row): Resident {
  return {
    id: row.id,
    municipalityCode: row.municipality_code,
    status: row.status,
    residentCode: row.resident_code,
    localId: row.local_id,
    familyName: row.family_name,
    givenName: row.given_name,
    familyNameKana: row.family_name_kana,
    givenNameKana: row.given_name_kana,
    birthDate: row.birth_date,
    sex: row.sex as Sex,
    postalCode: row.postal_code,
    address: row.address,
    nationality: row.nationality,
    residenceStatus: row.residence_status,
    householdId: row.household_id,
    relationship: row.relationship,
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

/** The items of a row as a registration input (for the review queue and matching). */
export function inputFromRow(row: Row, movedInDate?: string): ResidentInput {
  const optional = <K extends string>(key: K, value: string | null): { [P in K]?: string } =>
    (value === null ? {} : { [key]: value }) as { [P in K]?: string };
  return {
    municipalityCode: row.municipality_code,
    familyName: row.family_name,
    birthDate: row.birth_date,
    sex: row.sex as Sex,
    address: row.address,
    nationality: row.nationality,
    ...optional('localId', row.local_id),
    ...optional('givenName', row.given_name),
    ...optional('familyNameKana', row.family_name_kana),
    ...optional('givenNameKana', row.given_name_kana),
    ...optional('postalCode', row.postal_code),
    ...optional('residenceStatus', row.residence_status),
    ...optional('householdId', row.household_id),
    ...optional('relationship', row.relationship),
    ...(movedInDate === undefined ? {} : { movedInDate }),
  };
}

export function newRow(input: ResidentInput, id: string, residentCode: string, at: string): Row {
  return {
    id,
    municipality_code: input.municipalityCode,
    status: 'active',
    resident_code: residentCode,
    local_id: input.localId ?? null,
    family_name: input.familyName,
    given_name: input.givenName ?? null,
    family_name_kana: input.familyNameKana ?? null,
    given_name_kana: input.givenNameKana ?? null,
    birth_date: input.birthDate,
    sex: input.sex,
    postal_code: input.postalCode ?? null,
    address: input.address,
    nationality: input.nationality,
    residence_status: input.residenceStatus ?? null,
    household_id: input.householdId ?? null,
    relationship: input.relationship ?? null,
    ...searchKeys(input),
    registered_at: at,
    updated_at: at,
    version: 1,
  };
}

const COLUMN_OF: Record<MutableItem, keyof Row> = {
  municipalityCode: 'municipality_code',
  familyName: 'family_name',
  givenName: 'given_name',
  familyNameKana: 'family_name_kana',
  givenNameKana: 'given_name_kana',
  birthDate: 'birth_date',
  sex: 'sex',
  postalCode: 'postal_code',
  address: 'address',
  nationality: 'nationality',
  residenceStatus: 'residence_status',
  householdId: 'household_id',
  relationship: 'relationship',
};

export function columnOf(item: MutableItem): keyof Row {
  return COLUMN_OF[item];
}
