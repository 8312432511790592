import { type Command, Option } from 'commander';
import type { Actor } from '../core/index.ts';
import type { System } from '../server/index.ts';
import { progressBar } from './progress.ts';

interface Tools {
  withSystem<T>(fn: (system: System) => Promise<T>): Promise<T>;
  print(value: unknown): void;
}

const cliActor = (purpose: string): Actor => ({
  id: `cli:${process.env['USER'] ?? 'operator'}`,
  role: 'system',
  purpose,
});

/** `myna insurance …`: insurers, the link review queue (summary), and the consistency sweep. */
export function registerInsuranceCommands(program: Command, t: Tools): void {
  const ins = program
    .command('insurance')
    .description('health insurance: insurers, link reviews, link audit');

  ins
    .command('audit')
    .description(
      're-check every link in force against the register and report suspect ones (exit 1 if any with --strict)',
    )
    .option('--strict', 'exit with status 1 when a suspect link is found')
    .action((opts: { strict?: boolean }) =>
      t.withSystem(async (s) => {
        const bar = progressBar('Checking insurance links');
        const report = await s.insurance.auditLinks({
          onProgress: bar.update,
          actor: cliActor('insurance-link-audit'),
        });
        bar.stop();
        process.stderr.write(
          `${report.checked} links checked, ${report.suspect.length} suspect. / ${report.checked} 件を点検、要確認 ${report.suspect.length} 件\n`,
        );
        t.print(report);
        if (opts.strict && report.suspect.length > 0) process.exitCode = 1;
      }),
    );

  ins
    .command('insurers')
    .description('registered insurers')
    .action(() => t.withSystem(async (s) => t.print(await s.insurance.insurers.list())));

  ins
    .command('insurer-add')
    .description(
      "register an insurer institution's insurer record (see `myna institution add --kind insurer`)",
    )
    .requiredOption('--institution <id>', 'the institution id of kind insurer')
    .addOption(
      new Option('--kind <kind>', 'checked against the number').choices([
        'employee',
        'national-municipal',
        'late-elderly',
      ]),
    )
    .option('--name <name>', "defaults to the institution's name")
    .action((opts: { institution: string; kind?: string; name?: string }) =>
      t.withSystem(async (s) =>
        t.print(
          await s.insurance.insurers.register({
            institutionId: opts.institution,
            kind: opts.kind,
            name: opts.name,
          }),
        ),
      ),
    );

  ins
    .command('reviews')
    .description(
      'link reviews (ids, reasons, decisions; the evidence is shown to supervisors only, over HTTP)',
    )
    .addOption(
      new Option('--status <status>', 'which').choices(['pending', 'linked', 'rejected']).default('pending'),
    )
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .action((opts: { status: 'pending' | 'linked' | 'rejected'; limit: number }) =>
      t.withSystem(async (s) => {
        const reviews = await s.insurance.reviews.list(opts.status, cliActor('insurance-link-review'), {
          limit: Number.isInteger(opts.limit) && opts.limit > 0 ? opts.limit : 100,
          evidence: false,
        });
        t.print(reviews.map(({ record: _, candidates: __, ...rest }) => rest));
      }),
    );
}
