import { X509Certificate } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  APPLICATION_STATUSES,
  answerChallenge,
  CARD_END_REASONS,
  type IssuedCard,
  type NoticeLetter,
  renderBackSvg,
  renderFrontSvg,
  renderLetters,
  signDocument,
  svgToPng,
} from '../card/index.ts';
import { createCardClient, VirtualChip } from '../chip/index.ts';
import { type Actor, AppError, jstDate } from '../core/index.ts';
import { toPem } from '../pki/index.ts';
import type { System } from '../server/index.ts';
import { progressBar } from './progress.ts';
import { newSecret, secret } from './secrets.ts';

interface Tools {
  withSystem<T>(fn: (system: System) => Promise<T>): Promise<T>;
  operator(purpose: string): Actor;
  print(value: unknown): void;
  positiveInt(v: string): number;
}

/** The key file beside a card file: the key that opens it and the code printed on its face. */
interface CardKeyFile {
  readonly cardKey: string;
  readonly securityCode: string;
}

function keyPath(cardPath: string, explicit?: string): string {
  return explicit ?? `${cardPath}.key`;
}

/** Writes a handed-over card: the card file and, beside it, its key file (both owner-only). */
export function writeCard(
  path: string,
  issued: Pick<IssuedCard, 'cardFile' | 'cardKey' | 'securityCode'>,
): void {
  const key: CardKeyFile = {
    cardKey: Buffer.from(issued.cardKey).toString('base64url'),
    securityCode: issued.securityCode,
  };
  writeFileSync(path, issued.cardFile, { mode: 0o600 });
  writeFileSync(keyPath(path), `${JSON.stringify(key)}\n`, { mode: 0o600 });
}

function readKey(cardPath: string, explicit?: string): CardKeyFile {
  const path = keyPath(cardPath, explicit);
  if (!existsSync(path))
    throw new AppError('CLI_CARD_KEY_MISSING', 'invalid', `no card key file at ${path} (give --key <file>)`);
  return JSON.parse(readFileSync(path, 'utf8')) as CardKeyFile;
}

/** Opens a virtual card, runs `fn` against it, and saves it back (PIN counters change). */
async function withCard<T>(
  opts: { card: string; key?: string },
  fn: (chip: VirtualChip, key: CardKeyFile) => Promise<T>,
): Promise<T> {
  if (!existsSync(opts.card))
    throw new AppError('CLI_CARD_MISSING', 'invalid', `no card file at ${opts.card}`);
  const key = readKey(opts.card, opts.key);
  const cardKey = Buffer.from(key.cardKey, 'base64url');
  const chip = await VirtualChip.open(readFileSync(opts.card), cardKey);
  try {
    return await fn(chip, key);
  } finally {
    writeFileSync(opts.card, await chip.save(cardKey), { mode: 0o600 });
  }
}

const SEX = { '1': 'male', '2': 'female', '9': 'unknown' } as Record<string, string>;

export function registerCardCommands(program: Command, t: Tools): void {
  const pki = program.command('pki').description('the certificate authorities (公的個人認証)');
  pki
    .command('init')
    .description('the key ceremony: create the CA hierarchy (once) and print its fingerprints')
    .action(async () =>
      t.withSystem(async (system) => {
        const r = system.pkiInit;
        process.stdout.write(
          `${r.created ? 'Created the CA hierarchy / 認証局を作成しました' : 'The CA hierarchy already exists / 認証局は作成済みです'} (${system.config.pkiKeyStore.kind} key store)\n`,
        );
        for (const a of r.authorities)
          process.stdout.write(
            `  ${a.ca.padEnd(15)} ${a.subject}\n  ${''.padEnd(15)} SHA-256 ${a.sha256}\n  ${''.padEnd(15)} valid until ${a.notAfter.toISOString()}\n`,
          );
      }),
    );
  pki
    .command('ca <ca>')
    .description('print a CA certificate as PEM (root, signature or authentication)')
    .action(async (ca: string) =>
      t.withSystem(async (system) => {
        process.stdout.write(toPem(await system.pki.caCertificate(ca as never)));
      }),
    );

  const card = program
    .command('card')
    .description('My Number cards: letters, applications, production, the virtual card');

  card
    .command('letters')
    .description(
      'render the notice letters with the application QR code: one PDF per resident (--out-dir), or one PDF with a page each (--out)',
    )
    .option('--out <file>', 'one PDF, a page per resident')
    .option('--out-dir <dir>', 'one PDF per resident, named <resident id>.pdf')
    .option('--municipality <code>', 'only residents of this municipality')
    .option('--limit <n>', 'at most this many letters', t.positiveInt)
    .action(async (opts: { out?: string; outDir?: string; municipality?: string; limit?: number }) =>
      t.withSystem(async (system) => {
        if ((opts.out === undefined) === (opts.outDir === undefined))
          throw new AppError('CLI_NOTHING_TO_DO', 'invalid', 'give either --out <file> or --out-dir <dir>');
        const bar = progressBar('Rendering letters');
        const municipalities = new Map(
          (await system.registry.municipalities.list()).map((m) => [m.code, `${m.prefecture}${m.name}`]),
        );
        const issuedOn = jstDate(system.clock.now());
        async function* letters() {
          for await (const { code, resident } of system.cards.applications.invite({
            municipalityCode: opts.municipality,
            limit: opts.limit,
            actor: t.operator('card-notice'),
          }))
            yield {
              residentId: resident.id,
              applicationId: code,
              // In the fragment, which browsers never send: the code stays out of every log.
              applyUrl: `${system.config.publicUrl}/apply#${code}`,
              name: [resident.familyName, resident.givenName].filter(Boolean).join(' '),
              ...(resident.familyNameKana === null
                ? {}
                : { nameKana: [resident.familyNameKana, resident.givenNameKana].filter(Boolean).join(' ') }),
              address: resident.address,
              ...(resident.postalCode === null ? {} : { postalCode: resident.postalCode }),
              municipality: municipalities.get(resident.municipalityCode) ?? resident.municipalityCode,
              birthDate: resident.birthDate,
              issuedOn,
            };
        }
        // Letters hold names, addresses and live application codes: owner-only files.
        const write = async (
          file: string,
          items: AsyncIterable<NoticeLetter> | NoticeLetter[],
          onPage?: (n: number) => void,
        ) => {
          const out = createWriteStream(file, { mode: 0o600 });
          const done = new Promise<void>((resolve, reject) => {
            out.once('finish', resolve);
            out.once('error', reject);
          });
          const { pages } = await renderLetters(items, out, onPage);
          await done;
          return pages;
        };
        let pages = 0;
        if (opts.out !== undefined) {
          pages = await write(opts.out, letters(), (n) => bar.update(n, opts.limit ?? n));
        } else {
          mkdirSync(opts.outDir!, { recursive: true, mode: 0o700 });
          for await (const letter of letters()) {
            pages += await write(join(opts.outDir!, `${letter.residentId}.pdf`), [letter]);
            bar.update(pages, opts.limit ?? pages);
          }
        }
        bar.stop();
        process.stdout.write(
          `${pages} letters → ${opts.out ?? opts.outDir} / 通知書 ${pages} 通を作成しました\n`,
        );
      }),
    );

  card
    .command('applications')
    .description('the application queue')
    .addOption(new Option('--status <status>').choices(APPLICATION_STATUSES))
    .option('--limit <n>', 'at most', t.positiveInt, 100)
    .action(async (opts: { status?: never; limit: number }) =>
      t.withSystem(async (system) => t.print(await system.cards.applications.list(opts))),
    );
  card
    .command('decide <applicationId>')
    .description('approve or reject an application')
    .addOption(new Option('--decision <d>').choices(['approve', 'reject']).makeOptionMandatory())
    .option('--reason <text>', 'why (required to reject)')
    .action(async (id: string, opts: { decision: string; reason?: string }) =>
      t.withSystem(async (system) =>
        t.print(
          await system.cards.applications.decide(
            id,
            { approve: opts.decision === 'approve', reason: opts.reason },
            t.operator('card-review'),
          ),
        ),
      ),
    );
  card
    .command('produce [applicationId]')
    .description(
      'produce the card of an approved application (or --all approved ones) and make it ready for pickup',
    )
    .option('--all', 'every approved application')
    .action(async (id: string | undefined, opts: { all?: boolean }) =>
      t.withSystem(async (system) => {
        const actor = t.operator('card-production');
        const ids =
          opts.all === true
            ? (await system.cards.applications.list({ status: 'approved', limit: 100_000 })).map((a) => a.id)
            : id === undefined
              ? []
              : [id];
        if (ids.length === 0)
          throw new AppError('CLI_NOTHING_TO_DO', 'invalid', 'give an application id or --all');
        const bar = progressBar('Producing cards');
        let n = 0;
        for (const applicationId of ids) {
          const produced = await system.cards.cards.produce(applicationId, actor);
          await system.cards.cards.markReady(produced.id, actor);
          bar.update(++n, ids.length);
        }
        bar.stop();
        process.stdout.write(`${n} cards produced and ready for pickup / ${n} 枚のカードを作成しました\n`);
      }),
    );
  card
    .command('hand-over <cardId>')
    .description('hand a card over at the counter: the holder sets the PINs; writes the virtual card file')
    .requiredOption('--out <file>', 'where to write the card file (its key goes to <file>.key)')
    .option('--identity-confirmed', 'the clerk has checked the holder against the photo and an ID')
    .action(async (id: string, opts: { out: string; identityConfirmed?: boolean }) =>
      t.withSystem(async (system) => {
        const current = await system.cards.cards.get(id);
        const pins = {
          ...(current.withSignatureCertificate
            ? {
                signature: await secret(
                  '署名用パスワード / signature password (6–16 A–Z, 0–9): ',
                  'MYNA_SIGNATURE_PASSWORD',
                ),
              }
            : {}),
          authentication: await secret(
            '利用者証明用暗証番号 / authentication PIN (4 digits): ',
            'MYNA_AUTH_PIN',
          ),
          text: await newSecret('券面事項入力補助用暗証番号 / card-info PIN (4 digits): ', 'MYNA_TEXT_PIN'),
        };
        const issued = await system.cards.cards.handOver(
          id,
          { identityConfirmed: opts.identityConfirmed === true, pins },
          t.operator('card-hand-over'),
        );
        writeCard(opts.out, issued);
        process.stdout.write(
          `card ${id} handed over → ${opts.out} (key: ${opts.out}.key) / カードを交付しました\n`,
        );
      }),
    );
  for (const [name, description] of [
    ['suspend', 'suspend a lost card: its certificates are on hold at once (一時停止)'],
    ['resume', 'resume a suspended card (一時停止解除)'],
  ] as const)
    card
      .command(`${name} <cardId>`)
      .description(description)
      .action(async (id: string) =>
        t.withSystem(async (system) =>
          t.print(
            name === 'suspend'
              ? await system.cards.cards.suspend(id, { channel: 'phone' }, t.operator('card-lifecycle'))
              : await system.cards.cards.resume(id, t.operator('card-lifecycle')),
          ),
        ),
      );
  card
    .command('revoke <cardId>')
    .description('revoke a card and its certificates (廃止)')
    .addOption(new Option('--reason <reason>').choices(CARD_END_REASONS).makeOptionMandatory())
    .action(async (id: string, opts: { reason: never }) =>
      t.withSystem(async (system) =>
        t.print(await system.cards.cards.revoke(id, opts.reason, t.operator('card-lifecycle'))),
      ),
    );

  card
    .command('expire')
    .description('mark cards past their expiry date as expired (the server also does this hourly)')
    .action(async () =>
      t.withSystem(async (system) => {
        const n = await system.cards.cards.expireDue(t.operator('card-lifecycle'));
        process.stdout.write(`${n} cards expired / ${n} 枚のカードが有効期限切れになりました\n`);
      }),
    );

  // ── The holder's own card ─────────────────────────────────────────────────
  const holder = (cmd: Command) =>
    cmd
      .requiredOption('--card <file>', 'the virtual card file')
      .option('--key <file>', 'its key file (default <card>.key)');

  holder(card.command('show').description('the certificates and PIN counters of a virtual card'))
    .option('--with-signature', 'also read the signature certificate (asks for the signature password)')
    .action(async (opts: { card: string; key?: string; withSignature?: boolean }) =>
      withCard(opts, async (chip) => {
        const client = createCardClient(chip);
        const describe = (der: Uint8Array) => {
          const c = new X509Certificate(der);
          return {
            subject: c.subject,
            issuer: c.issuer,
            serial: c.serialNumber.toLowerCase(),
            validFrom: c.validFrom,
            validTo: c.validTo,
            sha256: c.fingerprint256,
          };
        };
        const out: Record<string, unknown> = {
          cardId: chip.cardId,
          token: (await client.readToken()).trim(),
          authentication: describe(await client.readCertificate('authentication')),
          pins: Object.fromEntries(
            (['signature', 'authentication', 'text'] as const).map((p) => [p, chip.pinStatus(p)]),
          ),
        };
        if (opts.withSignature === true)
          out['signature'] = describe(
            await client.readCertificate(
              'signature',
              await secret('署名用パスワード / signature password: ', 'MYNA_SIGNATURE_PASSWORD'),
            ),
          );
        t.print(out);
      }),
    );

  holder(card.command('sign').description('sign a file with the card (CMS detached signature, DER)'))
    .requiredOption('--in <file>', 'the document')
    .requiredOption('--out <file>', 'the signature to write (.p7s)')
    .action(async (opts: { card: string; key?: string; in: string; out: string }) =>
      withCard(opts, async (chip) => {
        const password = await secret('署名用パスワード / signature password: ', 'MYNA_SIGNATURE_PASSWORD');
        const signature = await signDocument(chip, password, readFileSync(opts.in), new Date());
        writeFileSync(opts.out, signature);
        process.stdout.write(`signed ${opts.in} → ${opts.out} / 署名しました\n`);
      }),
    );

  holder(card.command('auth').description('answer an authentication challenge with the card'))
    .requiredOption('--challenge <hex>', 'the challenge, hex')
    .action(async (opts: { card: string; key?: string; challenge: string }) =>
      withCard(opts, async (chip) => {
        if (!/^([0-9a-fA-F]{2}){8,256}$/.test(opts.challenge))
          throw new AppError('CLI_CHALLENGE_FORMAT', 'invalid', 'the challenge is 8 to 256 bytes of hex');
        const pin = await secret('利用者証明用暗証番号 / authentication PIN: ', 'MYNA_AUTH_PIN');
        const answer = await answerChallenge(chip, pin, Buffer.from(opts.challenge, 'hex'));
        t.print({
          certificate: Buffer.from(answer.certificate).toString('base64'),
          signature: Buffer.from(answer.signature).toString('base64'),
        });
      }),
    );

  holder(card.command('change-pin').description('change a PIN (the current one is needed)'))
    .addOption(
      new Option('--pin <which>').choices(['signature', 'authentication', 'text']).makeOptionMandatory(),
    )
    .action(async (opts: { card: string; key?: string; pin: 'signature' | 'authentication' | 'text' }) =>
      withCard(opts, async (chip) => {
        const current = await secret('current PIN / 現在の暗証番号: ', 'MYNA_CURRENT_PIN');
        const next = await newSecret('new PIN / 新しい暗証番号: ', 'MYNA_NEW_PIN');
        await createCardClient(chip).changePin(opts.pin, current, next);
        process.stdout.write('PIN changed / 暗証番号を変更しました\n');
      }),
    );

  holder(
    card
      .command('face')
      .description('render the card face from the chip (the back shows the number: for its holder only)'),
  )
    .addOption(new Option('--side <side>').choices(['front', 'back']).default('front'))
    .requiredOption('--out <file>', '.svg or .png')
    .action(async (opts: { card: string; key?: string; side: 'front' | 'back'; out: string }) =>
      withCard(opts, async (chip, key) => {
        const client = createCardClient(chip);
        const pin = await secret('券面事項入力補助用暗証番号 / card-info PIN: ', 'MYNA_TEXT_PIN');
        const number = await client.readNumber(pin);
        const face = await client.readFace({ collationA: number });
        const iso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
        const svg =
          opts.side === 'front'
            ? renderFrontSvg({
                name: face.name,
                address: face.address,
                birthDate: iso(face.birthDate),
                sex: SEX[face.sex] ?? 'unknown',
                expiry: iso(face.expiry),
                securityCode: key.securityCode,
                municipality: '',
                ...(face.photo === undefined || face.photo.length === 0 ? {} : { photo: face.photo }),
              })
            : renderBackSvg({ number, name: face.name, birthDate: iso(face.birthDate), qrText: number });
        writeFileSync(opts.out, opts.out.endsWith('.png') ? svgToPng(svg) : svg, { mode: 0o600 });
        process.stdout.write(`${opts.side} → ${opts.out}\n`);
      }),
    );

  program
    .command('verify')
    .description('verify a document signature made with a card (chain, status at signing time, content)')
    .requiredOption('--in <file>', 'the document')
    .requiredOption('--signature <file>', 'the CMS signature (DER or PEM)')
    .action(async (opts: { in: string; signature: string }) =>
      t.withSystem(async (system) => {
        const r = await system.cards.verifySignature(readFileSync(opts.signature), readFileSync(opts.in));
        t.print({
          valid: true,
          signingTime: r.signingTime.toISOString(),
          signer: { subject: r.signer.subject, issuer: r.signer.issuer, serial: r.signer.serial },
        });
        process.stderr.write('Signature valid / 署名は有効です\n');
      }),
    );
}
