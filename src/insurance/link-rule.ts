/**
 * The enrolment link rule: which register entry (if any) an insurer's enrolment record
 * may be linked to. Pure — no database, no clock — so the dry run (`myna match`), the
 * benchmark and the enrolment flow all run exactly the same decision.
 *
 * Why so strict: in 2021–2023 insurers linked enrolment forms to the resident register
 * on name, birth date and sex only and took the first hit; namesakes born on the same
 * day got someone else's insurance record (DOMAIN.md §7). The national rule since then,
 * and Myna's, is {@link decideLink}: link only on an exact match of all four basic items
 * (name, birth date, sex, address — after normalisation, via matching's `matchPerson`)
 * with exactly one register entry. Anything weaker goes to a person ('review'); nothing
 * is ever linked on less than four items. {@link nameAndBirthDateRule} reproduces the
 * 2023 rule so the benchmark can show what it would have done on the same data.
 *
 * Reasons are stable lowercase codes (documented in docs/linking.md):
 * - outcome: `four-items`, `several-four-item-matches`, `no-candidate`, `no-match`,
 *   `record-birth-date-invalid`; the 2023 rule: `name-birth-date-sex`, `first-hit`.
 * - per candidate (and carried into a review outcome): `address-differs`, `name-differs`,
 *   `sex-differs`, `sex-unspecified`, `reading-conflict`, `reading-matches`,
 *   `name-matches-by-reading`, `same-household-other-person`.
 */
import {
  type MatchDecision,
  matchPerson,
  normalizeAddress,
  normalizeKana,
  normalizeName,
  type PersonFacts,
  parseDate,
  parseSex,
  type Sex,
} from '../matching/index.ts';

/** The basic facts on an enrolment record, or of a register entry. */
export interface LinkFacts {
  familyName: string;
  givenName?: string | null | undefined;
  familyNameKana?: string | null | undefined;
  givenNameKana?: string | null | undefined;
  birthDate: string;
  sex: Sex | string;
  address: string;
}

/** A register entry a record may link to; `key` is whatever identifies it to the caller. */
export interface LinkCandidate extends LinkFacts {
  readonly key: string;
  readonly householdId?: string | null | undefined;
}

export type LinkDecision = 'link' | 'review' | 'none';

/** How one candidate compares with the record, for a reviewer to see side by side. */
export interface CandidateEvidence {
  key: string;
  /** 0–100: name 30, birth date 25, address 25, sex 10, reading 10. */
  score: number;
  matched: { name: boolean; kana: boolean; birthDate: boolean; sex: boolean; address: boolean };
  reasons: string[];
}

export interface LinkOutcome {
  decision: LinkDecision;
  /** The candidate linked to; null unless the decision is 'link'. */
  candidateKey: string | null;
  /** The linked candidate's score, otherwise the best candidate's (0 without candidates). */
  score: number;
  reasons: string[];
  /** Candidates with any evidence (a matching name, reading or household), best first. */
  candidates: CandidateEvidence[];
}

const WEIGHTS = { name: 30, birthDate: 25, address: 25, sex: 10, kana: 10 } as const;

function present(s: string | null | undefined): s is string {
  return typeof s === 'string' && s.trim() !== '';
}

function joined(a: string | null | undefined, b: string | null | undefined): string | undefined {
  const parts = [a, b].filter(present);
  return parts.length === 0 ? undefined : parts.join(' ');
}

function toSex(sex: Sex | string): Sex {
  return typeof sex === 'string' ? (parseSex(sex) ?? 'unspecified') : 'unspecified';
}

function toPerson(f: LinkFacts): PersonFacts {
  return {
    name: joined(f.familyName, f.givenName) ?? '',
    kana: present(f.familyNameKana) ? joined(f.familyNameKana, f.givenNameKana) : undefined,
    birthDate: f.birthDate,
    sex: toSex(f.sex),
    address: f.address,
  };
}

/** Normalised key, or '' when the item is blank (a blank item never matches). */
function key(s: string | null | undefined, normalize: (s: string) => string): string {
  return present(s) ? normalize(s) : '';
}

/** The blocking key candidates are fetched by (normalised birth date, YYYY-MM-DD), or undefined if unparseable. */
export function blockingKey(birthDate: string): string | undefined {
  const parsed = parseDate(birthDate);
  return parsed.ok ? parsed.value : undefined;
}

function score(m: CandidateEvidence['matched']): number {
  let s = 0;
  for (const k of Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[]) if (m[k]) s += WEIGHTS[k];
  return s;
}

/** The normalised keys of one side, computed once per record and once per candidate object. */
interface Keys {
  readonly person: PersonFacts;
  readonly name: string;
  readonly kana: string;
  readonly family: string;
  readonly date: string | undefined;
  readonly address: string;
}

function keysOf(f: LinkFacts): Keys {
  const person = toPerson(f);
  return {
    person,
    name: normalizeName(person.name),
    kana: person.kana === undefined ? '' : normalizeKana(person.kana),
    family: key(f.familyName, normalizeName),
    date: blockingKey(f.birthDate),
    address: normalizeAddress(f.address),
  };
}

/**
 * Candidates are usually the same register objects decided against record after record
 * (the dry run, the benchmark), so their keys are remembered per object — and recomputed
 * if any item of the object has changed since.
 */
const CANDIDATE_KEYS = new WeakMap<LinkFacts, { source: string; keys: Keys }>();

function candidateKeys(c: LinkFacts): Keys {
  const source = `${c.familyName}\u0000${c.givenName}\u0000${c.familyNameKana}\u0000${c.givenNameKana}\u0000${c.birthDate}\u0000${c.sex}\u0000${c.address}`;
  const hit = CANDIDATE_KEYS.get(c);
  if (hit !== undefined && hit.source === source) return hit.keys;
  const keys = keysOf(c);
  CANDIDATE_KEYS.set(c, { source, keys });
  return keys;
}

/**
 * Compares a record with one candidate. Which items match is computed exactly as
 * matching's `matchPerson` does, on keys made once; `matchPerson` itself decides every
 * candidate that shares the birth date and the name, the reading or the family name —
 * the only ones it could call anything but 'different'.
 *
 * Same household, other person: same family name, address and birth date as the record,
 * but another given name (twins, or a family member's form mistaken for the enrolee's).
 * Never a link, but worth a reviewer's look.
 */
function evidence(r: Keys, candidate: LinkCandidate) {
  const c = candidateKeys(candidate);
  let m: CandidateEvidence['matched'] = {
    name: r.name !== '' && r.name === c.name,
    kana: r.kana !== '' && r.kana === c.kana,
    birthDate: r.date !== undefined && r.date === c.date,
    sex: r.person.sex === c.person.sex && r.person.sex !== 'unspecified',
    address: r.address !== '' && r.address === c.address,
  };
  const sameFamily = r.family !== '' && r.family === c.family;
  let decision: MatchDecision = 'different';
  if (m.birthDate && (m.name || m.kana || sameFamily)) {
    const result = matchPerson(r.person, c.person);
    decision = result.decision;
    m = { ...result.matched };
  }
  const household = !m.name && m.birthDate && m.address && sameFamily;
  const reasons: string[] = [];
  if (decision === 'same') reasons.push('four-items');
  else {
    if (!m.name) reasons.push(m.kana ? 'name-matches-by-reading' : 'name-differs');
    if (!m.address) reasons.push('address-differs');
    if (!m.sex)
      reasons.push(
        r.person.sex === 'unspecified' || c.person.sex === 'unspecified' ? 'sex-unspecified' : 'sex-differs',
      );
    if (household) reasons.push('same-household-other-person');
  }
  if (r.kana !== '' && c.kana !== '' && r.kana !== c.kana) reasons.push('reading-conflict');
  else if (m.kana) reasons.push('reading-matches');
  return {
    decision,
    household,
    evidence: { key: candidate.key, score: score(m), matched: m, reasons } satisfies CandidateEvidence,
  };
}

function byScoreThenKey(a: CandidateEvidence, b: CandidateEvidence): number {
  return b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * Myna's rule: link only on an exact, unique match of all four items after
 * normalisation (matching's `matchPerson` says 'same' for exactly one candidate).
 * Two or more such matches, or weaker evidence (name and birth date only, a kanji
 * variant at another address, conflicting readings, a same-household member with
 * another given name), go to review; nothing else is 'none'. The order of `candidates`
 * never changes the outcome.
 */
export function decideLink(record: LinkFacts, candidates: readonly LinkCandidate[]): LinkOutcome {
  if (candidates.length === 0)
    return { decision: 'none', candidateKey: null, score: 0, reasons: ['no-candidate'], candidates: [] };
  const keys = keysOf(record);
  const same: CandidateEvidence[] = [];
  const weaker: CandidateEvidence[] = [];
  let best = 0;
  for (const candidate of candidates) {
    const e = evidence(keys, candidate);
    best = Math.max(best, e.evidence.score);
    if (e.decision === 'same') same.push(e.evidence);
    else if (e.decision === 'possible' || e.household) weaker.push(e.evidence);
  }
  const shown = [...same, ...weaker].sort(byScoreThenKey);
  if (same.length === 1) {
    const only = same[0]!;
    return {
      decision: 'link',
      candidateKey: only.key,
      score: only.score,
      reasons: [...only.reasons],
      candidates: shown,
    };
  }
  if (same.length > 1)
    return {
      decision: 'review',
      candidateKey: null,
      score: best,
      reasons: ['several-four-item-matches'],
      candidates: shown,
    };
  if (weaker.length > 0) {
    const reasons = [...new Set(weaker.flatMap((e) => e.reasons))].sort();
    return { decision: 'review', candidateKey: null, score: best, reasons, candidates: shown };
  }
  const reasons = keys.date === undefined ? ['record-birth-date-invalid'] : ['no-match'];
  return { decision: 'none', candidateKey: null, score: best, reasons, candidates: [] };
}

/**
 * The rule that failed in 2023 — name, birth date and sex (three items), first hit wins —
 * for the benchmark's comparison only. Never use it to link anyone.
 */
export function nameAndBirthDateRule(record: LinkFacts, candidates: readonly LinkCandidate[]): LinkOutcome {
  const r = keysOf(record);
  if (r.name !== '' && r.date !== undefined) {
    for (const candidate of candidates) {
      const c = candidateKeys(candidate);
      if (c.name !== r.name || c.date !== r.date || c.person.sex !== r.person.sex) continue;
      const matched = {
        name: true,
        kana: r.kana !== '' && r.kana === c.kana,
        birthDate: true,
        sex: true,
        address: r.address !== '' && r.address === c.address,
      };
      const reasons = ['name-birth-date-sex', 'first-hit'];
      const e: CandidateEvidence = { key: candidate.key, score: score(matched), matched, reasons };
      return { decision: 'link', candidateKey: candidate.key, score: e.score, reasons, candidates: [e] };
    }
  }
  return {
    decision: 'none',
    candidateKey: null,
    score: 0,
    reasons: [candidates.length === 0 ? 'no-candidate' : 'no-match'],
    candidates: [],
  };
}
