import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CardClientError, ChipError } from '../chip/index.ts';
import type { Actor } from '../core/index.ts';
import { AppError, isAppError } from '../core/index.ts';
import { validateCorporateNumber, validateIndividualNumber } from '../number/index.ts';
import {
  buildApp,
  ConfigError,
  ENVIRONMENT,
  ensureMunicipalInstitutions,
  loadConfig,
  openSystem,
  registerDemoLibrary,
  type System,
} from '../server/index.ts';
import { registerCardCommands } from './card-commands.ts';
import { DEMO_PINS, DEMO_TOWN, demoCredentials, seedDemo, seedDemoCards } from './demo.ts';
import { registerInstitutionCommands } from './institution-commands.ts';
import { registerInsuranceCommands } from './insurance-commands.ts';
import { registerMatchCommand } from './match-command.ts';
import { progressBar } from './progress.ts';

const program = new Command('myna')
  .description('Myna — resident register and individual numbers (マイナンバー)')
  .addHelpText(
    'after',
    `\nEnvironment:\n${Object.entries(ENVIRONMENT)
      .map(([k, v]) => `  ${k.padEnd(18)} ${v}`)
      .join('\n')}`,
  );

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

async function withSystem<T>(fn: (system: System) => Promise<T>): Promise<T> {
  const system = await openSystem(loadConfig());
  try {
    return await fn(system);
  } finally {
    await system.close();
  }
}

function operator(purpose: string): Actor {
  return { id: `cli:${process.env['USER'] ?? 'operator'}`, role: 'system', purpose };
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

program
  .command('serve')
  .description('start the HTTP server (PORT, default 8080)')
  .option('--demo', 'seed the demo town on first start and print demo credentials')
  .option('--demo-residents <n>', 'residents in the demo town', positiveInt, 10_000)
  .action(async (opts: { demo?: boolean; demoResidents: number }) => {
    const config = loadConfig();
    const system = await openSystem(config);
    if (system.keyFileCreated)
      process.stderr.write(
        `Created the master key file ${config.keyFile} — back it up. / マスター鍵ファイルを作成しました。必ずバックアップしてください。\n`,
      );
    let creds: Awaited<ReturnType<typeof demoCredentials>> | undefined;
    let demoCard: { cardFile: string } | undefined;
    let demoLibrary: { clientId: string; url: string } | undefined;
    if (opts.demo) {
      const bar = progressBar('Seeding the demo town');
      const seeded = await seedDemo(system, {
        residents: opts.demoResidents,
        seed: 2026,
        onProgress: bar.update,
      });
      bar.stop();
      if (seeded.seeded)
        process.stderr.write(
          `Demo town ${DEMO_TOWN.municipalityName}: ${seeded.registered} residents, ${seeded.events} life events.\n`,
        );
      creds = await demoCredentials(system, seeded.example);
      demoCard = await seedDemoCards(system).catch((error: unknown) => {
        process.stderr.write(
          `The demo card was not made: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        return undefined;
      });
      demoLibrary = await registerDemoLibrary(system);
    }
    const app = await buildApp(system);
    system.startDispatcher(200, (error) => app.log.error({ err: error }, 'outbox dispatch failed'));
    if (system.pkiInit.created) {
      process.stderr.write('Created the CA hierarchy / 認証局を作成しました:\n');
      for (const a of system.pkiInit.authorities)
        process.stderr.write(`  ${a.ca.padEnd(15)} SHA-256 ${a.sha256}\n`);
    }
    const close = async (): Promise<void> => {
      await app.close();
      await system.close();
      process.exit(0);
    };
    process.once('SIGINT', close);
    process.once('SIGTERM', close);
    await app.listen({ port: config.port, host: config.host });
    const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${(app.server.address() as { port: number }).port}`;
    const lines = [
      '',
      `Myna is running on ${system.store.location} / Myna を起動しました`,
      `  API              ${base}/v1/`,
      `  OpenAPI document ${base}/openapi.json`,
      `  Health           ${base}/healthz`,
      `  CA certificates  ${base}/pki/ca/root.crt (signature.crt, authentication.crt)`,
      `  CRLs, OCSP       ${base}/pki/crl/signature.crl, ${base}/pki/ocsp`,
    ];
    if (creds !== undefined) {
      lines.push(
        '',
        'Demo staff credentials / デモ用職員認証情報 (send as "Authorization: Bearer <token>" with "X-Myna-Purpose: counter-service"):',
        `  clerk      ${creds.clerk}`,
        `  supervisor ${creds.supervisor}`,
        `  auditor    ${creds.auditor}`,
        `  operator   ${creds.operator}`,
        '',
        `Try: curl -s -X POST ${base}/v1/residents/search -H "Authorization: Bearer ${creds.clerk}" \\`,
        `       -H "X-Myna-Purpose: counter-service" -H "Content-Type: application/json" \\`,
        `       -d '${JSON.stringify(creds.example ?? { kana: 'サトウ', birthDate: '1980-01-01' })}'`,
      );
    }
    if (demoCard !== undefined) {
      lines.push(
        '',
        `Demo card / デモ用カード: ${demoCard.cardFile} (signature password ${DEMO_PINS.signature}, PINs ${DEMO_PINS.authentication} / ${DEMO_PINS.text})`,
        `  Try: MYNA_SIGNATURE_PASSWORD=${DEMO_PINS.signature} npx myna card sign --card ${demoCard.cardFile} --in README.md --out README.md.p7s`,
        '       npx myna verify --in README.md --signature README.md.p7s',
        `  Apply online / オンライン申請: ${base}/apply`,
      );
    }
    if (demoLibrary !== undefined)
      lines.push(
        '',
        'Sign in with My Number card (OpenID Connect) / マイナンバーカードでサインイン:',
        `  Demo library / 市立図書館: ${demoLibrary.url}`,
        `    card ${demoCard?.cardFile ?? 'data/demo-card.card'} + its .key file, PIN ${DEMO_PINS.authentication}`,
        `  Discovery: ${system.config.publicUrl}/.well-known/openid-configuration`,
      );
    process.stdout.write(`${lines.join('\n')}\n\n`);
  });

program
  .command('demo')
  .description('seed a synthetic town (no real person) into an empty register')
  .option('--residents <n>', 'how many residents', positiveInt, 10_000)
  .option('--seed <n>', 'random seed', positiveInt, 2026)
  .action(async (opts: { residents: number; seed: number }) => {
    await withSystem(async (system) => {
      const bar = progressBar('Seeding');
      const r = await seedDemo(system, {
        residents: opts.residents,
        seed: opts.seed,
        onProgress: bar.update,
      });
      bar.stop();
      if (!r.seeded) {
        process.stderr.write('The register already has residents; the demo seeds only an empty one.\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`Registered ${r.registered} residents and played ${r.events} life events.\n`);
    });
  });

const importCmd = program.command('import').description('bulk imports');
importCmd
  .command('residents <file>')
  .description('import residents from CSV (UTF-8 or Shift_JIS; columns in the README)')
  .addOption(
    new Option('--encoding <encoding>', 'file encoding')
      .choices(['auto', 'utf-8', 'shift_jis'])
      .default('auto'),
  )
  .option('--dry-run', 'check every row and report, write nothing')
  .option('--purpose <purpose>', 'purpose recorded in the access records', 'resident-import')
  .action(
    async (
      file: string,
      opts: { encoding: 'auto' | 'utf-8' | 'shift_jis'; dryRun?: boolean; purpose: string },
    ) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        process.stderr.write(`Cannot read ${file}: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      await withSystem(async (system) => {
        const bar = progressBar(opts.dryRun ? 'Checking' : 'Importing');
        const report = await system.registry.import(bytes, {
          actor: operator(opts.purpose),
          encoding: opts.encoding,
          dryRun: opts.dryRun === true,
          onProgress: bar.update,
        });
        bar.stop();
        for (const e of report.errors)
          process.stderr.write(`line ${e.line}: ${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}\n`);
        process.stdout.write(
          `${report.rows} rows: ${report.registered} registered, ${report.queuedForReview} held for review, ${report.rejected} rejected${report.dryRun ? ' (dry run: nothing written)' : ''}.\n`,
        );
        if (report.errors.length > 0) {
          process.stdout.write(
            'Fix the rejected lines and import them again; the other rows are in. / 不備のある行を修正して再度取り込んでください（他の行は登録済みです）。\n',
          );
          process.exitCode = 1;
        }
      });
    },
  );

const numberCmd = program.command('number').description('individual and corporate numbers');
numberCmd
  .command('validate <digits...>')
  .description('check a number: exit 0 if valid, 1 with the reason if not')
  .option('--corporate', 'a 13-digit corporate number (法人番号)')
  .action((digits: string[], opts: { corporate?: boolean }) => {
    const input = digits.join(' ');
    const r = opts.corporate ? validateCorporateNumber(input) : validateIndividualNumber(input);
    if (r.ok) process.stdout.write(`valid: ${r.value}\n`);
    else {
      process.stderr.write(`invalid (${r.code}): ${r.message}\n`);
      process.exitCode = 1;
    }
  });

const residentCmd = program.command('resident').description('read the register (each read is recorded)');
residentCmd
  .command('show <id>')
  .option('--purpose <purpose>', 'purpose of the access', 'operator-cli')
  .action(async (id: string, opts: { purpose: string }) =>
    withSystem(async (system) => print(await system.registry.get(id, operator(opts.purpose)))),
  );
residentCmd
  .command('search')
  .option(
    '--number <number>',
    'individual number (prefer MYNA_SEARCH_NUMBER to keep it out of shell history)',
  )
  .option('--name <name>')
  .option('--kana <kana>')
  .option('--birth-date <date>')
  .option('--purpose <purpose>', 'purpose of the access', 'operator-cli')
  .action(
    async (opts: { number?: string; name?: string; kana?: string; birthDate?: string; purpose: string }) =>
      withSystem(async (system) => {
        const number = opts.number ?? process.env['MYNA_SEARCH_NUMBER'];
        const query =
          number !== undefined
            ? { number }
            : opts.name !== undefined
              ? { name: opts.name, birthDate: opts.birthDate ?? '' }
              : { kana: opts.kana ?? '', birthDate: opts.birthDate ?? '' };
        print(await system.registry.search(query, operator(opts.purpose)));
      }),
  );
residentCmd
  .command('history <id>')
  .option('--purpose <purpose>', 'purpose of the access', 'operator-cli')
  .action(async (id: string, opts: { purpose: string }) =>
    withSystem(async (system) => print(await system.registry.history(id, operator(opts.purpose)))),
  );

function readJson(file: string): Record<string, unknown> {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new AppError('CLI_INVALID_JSON', 'invalid', `${file} must hold one JSON object`);
  }
}

residentCmd
  .command('register <json-file>')
  .description('register one resident from a JSON object (- for stdin); fields as POST /v1/residents')
  .option('--purpose <purpose>', 'purpose of the access', 'operator-cli')
  .action(async (file: string, opts: { purpose: string }) =>
    withSystem(async (system) =>
      print(await system.registry.register(readJson(file), operator(opts.purpose))),
    ),
  );
residentCmd
  .command('event <id> <json-file>')
  .description(
    'record a life event from JSON: {"kind":"move","effectiveDate":"2026-04-01","changes":{"address":"…"}}',
  )
  .option('--purpose <purpose>', 'purpose of the access', 'life-event')
  .action(async (id: string, file: string, opts: { purpose: string }) =>
    withSystem(async (system) =>
      print(await system.registry.recordEvent(id, readJson(file) as never, operator(opts.purpose))),
    ),
  );
residentCmd
  .command('reveal-number <id>')
  .description('print the individual number (recorded as an access)')
  .option('--purpose <purpose>', 'purpose of the access', 'operator-cli')
  .action(async (id: string, opts: { purpose: string }) =>
    withSystem(async (system) => {
      process.stdout.write(`${await system.registry.revealNumber(id, operator(opts.purpose))}\n`);
    }),
  );
residentCmd
  .command('reassign-number <id>')
  .description('retire a leaked number for good and issue a new one')
  .requiredOption('--reason <reason>', 'why (e.g. the leak report)')
  .action(async (id: string, opts: { reason: string }) =>
    withSystem(async (system) =>
      print(await system.registry.reassignNumber(id, opts.reason, operator('number-reassignment'))),
    ),
  );

program
  .command('access-records')
  .description('who read or changed whose data, when and why (auditors)')
  .option('--resident <id>', 'only this resident')
  .option('--actor <id>', 'only this credential or job')
  .option('--limit <n>', 'at most this many', positiveInt, 100)
  .action(async (opts: { resident?: string; actor?: string; limit: number }) =>
    withSystem(async (system) =>
      print(
        await system.registry.accessRecords({
          residentId: opts.resident,
          actorId: opts.actor,
          limit: opts.limit,
        }),
      ),
    ),
  );

const reviewCmd = program.command('review').description('registrations held as likely duplicates');
reviewCmd
  .command('list')
  .action(async () =>
    withSystem(async (system) => print(await system.registry.reviews.list('pending', 100))),
  );
reviewCmd
  .command('decide <id>')
  .addOption(new Option('--decision <decision>').choices(['register', 'reject']).makeOptionMandatory())
  .option('--reason <reason>', 'why', '')
  .action(async (id: string, opts: { decision: 'register' | 'reject'; reason: string }) =>
    withSystem(async (system) =>
      print(
        await system.registry.reviews.decide(id, opts.decision, opts.reason, operator('registration-review')),
      ),
    ),
  );

const muniCmd = program.command('municipality').description('the municipalities the register knows');
muniCmd.command('list').action(async () => {
  await withSystem(async (system) => print(await system.registry.municipalities.list()));
});
muniCmd
  .command('add <code> <prefecture> <name>')
  .action(async (code: string, prefecture: string, name: string) =>
    withSystem(async (system) => {
      await system.registry.municipalities.add({ code, prefecture, name });
      await ensureMunicipalInstitutions(system.registry, system.institutions);
      process.stdout.write(`added ${code} ${prefecture}${name}\n`);
    }),
  );

program
  .command('migrate')
  .description('create or update the database tables (also done at every start)')
  .action(async () => {
    await withSystem(async (system) => {
      process.stdout.write(`database ready: ${system.store.location}\n`);
    });
  });

registerCardCommands(program, { withSystem, operator, print, positiveInt });
registerInstitutionCommands(program, { withSystem, print });
registerMatchCommand(program, { print });
registerInsuranceCommands(program, { withSystem, print });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof ChipError) {
    const tries =
      error instanceof CardClientError && error.triesLeft !== undefined
        ? ` (tries left: ${error.triesLeft})`
        : '';
    process.stderr.write(`${error.code}: ${error.message}${tries}\n`);
    process.exit(1);
  }
  if (isAppError(error) && error.expose) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    for (const d of error.details) process.stderr.write(`  ${d.at ?? ''} ${d.code}: ${d.message}\n`);
    process.exit(1);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|ENOTFOUND|password authentication/.test(message)) {
    process.stderr.write(
      `Cannot reach the database (${message}). Check DATABASE_URL, or unset it to use SQLite.\n`,
    );
    process.exit(2);
  }
  throw error;
}
