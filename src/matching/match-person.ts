/**
 * Record matching between two sets of basic facts about a person.
 *
 * Why four items: in 2021–2023 some health insurers, given an enrolment form without a
 * My Number, looked the person up in the resident register network by name, birth date
 * and sex only — three items — and took the hit. Namesakes born on the same day are
 * common enough in a population of 125 million that thousands of people were linked to
 * someone else's insurance record (7,372 cases found by May 2023; DOMAIN.md §7). The
 * national rule, made mandatory afterwards, is to register a link only when all four
 * basic items — name, birth date, sex and address — match.
 *
 * Rules (each item compared on its normalised key; a blank or unparseable item never
 * matches):
 * - name: {@link normalizeName} equal (kanji variants, width and spacing folded).
 * - kana: both readings present and {@link normalizeKana} equal. Supporting evidence only.
 * - birthDate: {@link parseDate} succeeds on both and gives the same day.
 * - sex: equal and not 'unspecified' — an unknown sex is missing evidence, not a match.
 * - address: {@link normalizeAddress} equal.
 *
 * Decision:
 * - 'same': name, birth date, sex and address all match, and the readings do not
 *   contradict each other (when both are present they must match: 山田 read ヤマダ and
 *   ヤマタ are two people). This is the only outcome that may be linked automatically.
 * - 'possible': birth date matches and the name or the reading matches, but not enough
 *   for 'same' — typically a move (address differs), a name written in another script
 *   with the same reading, a missing sex, or conflicting readings. A person must review
 *   it with the resident's card or documents; it is never a link.
 * - 'different': anything else. A changed family name at marriage with a different
 *   reading also lands here: matching on a given name alone is exactly the kind of
 *   shortcut that caused the incidents, so such cases go through the documented
 *   name-change history in the register, not through fuzzy matching.
 */
import { normalizeAddress } from './normalize-address.ts';
import { normalizeKana } from './normalize-kana.ts';
import { normalizeName } from './normalize-name.ts';
import { parseDate } from './parse-date.ts';
import type { Sex } from './parse-sex.ts';

/** The four basic items (基本4情報) plus the optional reading. */
export interface PersonFacts {
  name: string;
  kana?: string | undefined;
  birthDate: string;
  sex: Sex;
  address: string;
}

/** Outcome of {@link matchPerson}; only 'same' may be acted on without a human. */
export type MatchDecision = 'same' | 'possible' | 'different';

/** Which items matched, so a reviewer sees why a pair is 'possible'. */
export interface MatchResult {
  decision: MatchDecision;
  matched: { name: boolean; kana: boolean; birthDate: boolean; sex: boolean; address: boolean };
}

function sameKey(a: string, b: string, key: (s: string) => string): boolean {
  const ka = key(a);
  return ka !== '' && ka === key(b);
}

function sameDate(a: string, b: string): boolean {
  const da = parseDate(a);
  const db = parseDate(b);
  return da.ok && db.ok && da.value === db.value;
}

/**
 * Compares two records of the basic facts and decides whether they are the same person
 * (all four basic items match), possibly the same person (needs human review), or
 * different people. Symmetric: matchPerson(a, b) equals matchPerson(b, a).
 *
 * @example
 * matchPerson(
 *   { name: '髙橋 一郎', birthDate: 'S50.1.1', sex: 'male', address: '千代田区霞が関一丁目2番3号' },
 *   { name: '高橋一郎', birthDate: '1975-01-01', sex: 'male', address: '千代田区霞ヶ関1-2-3' },
 * ).decision; // → 'same'
 */
export function matchPerson(a: PersonFacts, b: PersonFacts): MatchResult {
  const kanaA = a.kana === undefined ? '' : normalizeKana(a.kana);
  const kanaB = b.kana === undefined ? '' : normalizeKana(b.kana);
  const matched = {
    name: sameKey(a.name, b.name, normalizeName),
    kana: kanaA !== '' && kanaA === kanaB,
    birthDate: sameDate(a.birthDate, b.birthDate),
    sex: a.sex === b.sex && a.sex !== 'unspecified',
    address: sameKey(a.address, b.address, normalizeAddress),
  };
  const kanaConflict = kanaA !== '' && kanaB !== '' && kanaA !== kanaB;
  let decision: MatchDecision = 'different';
  if (matched.name && matched.birthDate && matched.sex && matched.address && !kanaConflict) {
    decision = 'same';
  } else if (matched.birthDate && (matched.name || matched.kana)) {
    decision = 'possible';
  }
  return { decision, matched };
}
