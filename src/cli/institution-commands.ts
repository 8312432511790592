import { type Command, Option } from 'commander';
import { ENTITLEMENTS, INSTITUTION_KINDS, OPERATOR_INSTITUTION_ID } from '../auth/index.ts';
import { STAFF_ROLES, type StaffRole } from '../core/index.ts';
import type { System } from '../server/index.ts';

interface Tools {
  withSystem<T>(fn: (system: System) => Promise<T>): Promise<T>;
  print(value: unknown): void;
}

/** `myna institution …` and `myna staff …`: what an operator does to let people and systems in. */
export function registerInstitutionCommands(program: Command, t: Tools): void {
  const inst = program.command('institution').description('institutions and their entitlements (operator)');
  inst.command('list').action(() => t.withSystem(async (s) => t.print(await s.institutions.list())));
  inst
    .command('add')
    .description('register an institution (municipalities are added with `myna municipality add`)')
    .addOption(
      new Option('--kind <kind>', 'kind')
        .choices(INSTITUTION_KINDS.filter((k) => k !== 'operator' && k !== 'municipality'))
        .makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'its name')
    .option('--code <code>', 'medical institution code, insurer number, prefecture or corporate number')
    .addOption(new Option('--entitlement <e...>', 'entitlements').choices([...ENTITLEMENTS]))
    .action((opts: { kind: string; name: string; code?: string; entitlement?: string[] }) =>
      t.withSystem(async (s) =>
        t.print(
          await s.institutions.create({
            kind: opts.kind,
            name: opts.name,
            code: opts.code,
            entitlements: opts.entitlement ?? [],
          }),
        ),
      ),
    );

  const staff = program.command('staff').description('staff grants and machine credentials (operator)');
  const role = () => new Option('--role <role>', 'role').choices([...STAFF_ROLES]).makeOptionMandatory();
  const institution = () =>
    new Option('--institution <id>', 'institution id (see `myna institution list`)').default(
      OPERATOR_INSTITUTION_ID,
      'the operator institution',
    );
  staff
    .command('grant')
    .description(
      'grant a role to a person; prints the one-time code they redeem after signing in with their card',
    )
    .requiredOption('--label <label>', 'who it is for (a name or desk)')
    .addOption(role())
    .addOption(institution())
    .action((opts: { label: string; role: string; institution: string }) =>
      t.withSystem(async (s) => {
        const out = await s.institutions.grants.create(
          { institutionId: opts.institution, role: opts.role, label: opts.label },
          'cli-operator',
        );
        process.stdout.write(
          `grant ${out.grant.id}\nrole  ${out.grant.role}\ncode  ${out.enrolmentCode} (valid until ${out.enrolmentExpiresAt}; works once)\n`,
        );
      }),
    );
  staff
    .command('grants')
    .description("an institution's grants")
    .addOption(institution())
    .action((opts: { institution: string }) =>
      t.withSystem(async (s) => t.print(await s.institutions.grants.list(opts.institution))),
    );
  staff.command('revoke-grant <id>').action((id: string) =>
    t.withSystem(async (s) => {
      await s.institutions.grants.revoke(id);
      const ended = await s.sessions.endForGrant(id);
      process.stdout.write(`revoked grant ${id}; ${ended} session(s) ended\n`);
    }),
  );
  staff
    .command('add')
    .description("issue a machine credential for an institution's system; the token is printed once")
    .requiredOption('--label <label>', 'which system holds it')
    .addOption(role())
    .addOption(institution())
    .action((opts: { label: string; role: StaffRole; institution: string }) =>
      t.withSystem(async (s) => {
        const { credential, token } = await s.staff.issue(opts.label, opts.role, opts.institution);
        process.stdout.write(
          `id    ${credential.id}\nrole  ${credential.role}\ntoken ${token}\n(the token is shown only now)\n`,
        );
      }),
    );
  staff
    .command('list')
    .option('--institution <id>', 'only this institution')
    .action((opts: { institution?: string }) =>
      t.withSystem(async (s) => t.print(await s.staff.list(opts.institution))),
    );
  staff
    .command('rotate <id>')
    .description('a new secret; the old one stops at once, or after --grace seconds')
    .option('--grace <seconds>', 'how long the old secret keeps working', '0')
    .action((id: string, opts: { grace: string }) =>
      t.withSystem(async (s) => {
        const { credential, token } = await s.staff.rotate(id, Number(opts.grace));
        process.stdout.write(
          `id    ${credential.id}\ntoken ${token}\nold secret valid until ${credential.previousValidUntil ?? 'now (stopped)'}\n`,
        );
      }),
    );
  staff.command('revoke <id>').action((id: string) =>
    t.withSystem(async (s) => {
      await s.staff.revoke(id);
      process.stdout.write(`revoked ${id}\n`);
    }),
  );
}
