import type { Actor } from '../core/index.ts';
import { type InsuranceContext, type Insurer, toInsurer } from './context.ts';
import { insuranceError } from './errors.ts';
import { insuranceTables } from './insurance-tables.ts';
import { INSURER_KINDS, type InsurerKind, parseInsurerNumber } from './insurer-number.ts';

/**
 * Insurers. An insurer is an institution of kind 'insurer' (whose code is its insurer
 * number, check digit validated by auth); insurance keeps its own record of it: number,
 * kind (employee / national-municipal / late-elderly, checked against the number) and name.
 */
export function createInsurers(ctx: InsuranceContext) {
  const t = () => insuranceTables(ctx.store.db);
  return {
    async register(input: {
      institutionId: string;
      kind?: string | undefined;
      name?: string | undefined;
    }): Promise<Insurer> {
      const institution = await ctx.institutions.get(input.institutionId).catch(() => undefined);
      if (institution === undefined || institution.kind !== 'insurer' || institution.code === null)
        throw insuranceError('INSURANCE_NOT_AN_INSURER_INSTITUTION', 'invalid');
      const parsed = parseInsurerNumber(institution.code);
      if (!parsed.ok)
        throw insuranceError('INSURANCE_INVALID_INSURER_NUMBER', 'invalid', [
          { at: 'insurerNumber', code: 'FORMAT', message: parsed.message },
        ]);
      let kind: InsurerKind = parsed.kind;
      if (input.kind !== undefined) {
        if (!(INSURER_KINDS as readonly string[]).includes(input.kind) || input.kind !== parsed.kind)
          throw insuranceError('INSURANCE_INSURER_KIND_MISMATCH', 'invalid', [
            { at: 'kind', code: 'KIND', message: `insurer number ${parsed.value} is of kind ${parsed.kind}` },
          ]);
        kind = input.kind as InsurerKind;
      }
      const name = (input.name ?? institution.name).trim();
      if (name === '' || name.length > 200)
        throw insuranceError('INSURANCE_INVALID_ENROLMENT', 'invalid', [
          { at: 'name', code: 'FORMAT', message: 'an insurer name has 1-200 characters' },
        ]);
      const row = {
        institution_id: institution.id,
        insurer_number: parsed.value,
        kind,
        name,
        created_at: ctx.clock.now().toISOString(),
      };
      return ctx.store.db.transaction().execute(async (trx) => {
        const clash = await insuranceTables(trx)
          .selectFrom('insurer')
          .select('institution_id')
          .where((eb) =>
            eb.or([
              eb('insurer_number', '=', row.insurer_number),
              eb('institution_id', '=', row.institution_id),
            ]),
          )
          .executeTakeFirst();
        if (clash !== undefined) throw insuranceError('INSURANCE_INSURER_EXISTS', 'conflict');
        await insuranceTables(trx).insertInto('insurer').values(row).execute();
        return toInsurer(row);
      });
    },
    async list(): Promise<Insurer[]> {
      return (await t().selectFrom('insurer').selectAll().orderBy('insurer_number').execute()).map(toInsurer);
    },
    get: (insurerNumber: string): Promise<Insurer> => ctx.insurerByNumber(insurerNumber),
    /** The insurer this officer acts for, or INSURANCE_NOT_YOUR_INSURER. */
    async ownedBy(insurerNumber: string, actor: Actor): Promise<Insurer> {
      const parsed = parseInsurerNumber(insurerNumber);
      if (!parsed.ok)
        throw insuranceError('INSURANCE_INVALID_INSURER_NUMBER', 'invalid', [
          { at: 'insurerNumber', code: 'FORMAT', message: parsed.message },
        ]);
      const insurer = await ctx.insurerByNumber(parsed.value);
      if (actor.institutionId !== insurer.institutionId)
        throw insuranceError('INSURANCE_NOT_YOUR_INSURER', 'forbidden');
      return insurer;
    },
  };
}

export type Insurers = ReturnType<typeof createInsurers>;
