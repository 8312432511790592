/**
 * The validity rules of the real card (DOMAIN.md §3.1): the card runs to the 10th
 * birthday after issue (the 5th under 18), its certificates to the 5th birthday after
 * issue and never beyond the card. Children under 15 get no signature certificate and
 * children under 1 a card without a photo. Dates are calendar dates, 'YYYY-MM-DD'.
 */

const ADULT_AGE = 18;
export const SIGNATURE_CERTIFICATE_MIN_AGE = 15;
export const PHOTO_MIN_AGE = 1;

interface Ymd {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

function ymd(date: string): Ymd {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

function text({ y, m, d }: Ymd): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The birthday in year `y`; 29 February falls on the 28th in common years. */
function birthdayIn(birth: Ymd, y: number): Ymd {
  if (birth.m === 2 && birth.d === 29 && !isLeap(y)) return { y, m: 2, d: 28 };
  return { y, m: birth.m, d: birth.d };
}

function compare(a: Ymd, b: Ymd): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/** Age in whole years on `on`. */
export function ageOn(birthDate: string, on: string): number {
  const birth = ymd(birthDate);
  const day = ymd(on);
  const years = day.y - birth.y;
  return compare(birthdayIn(birth, day.y), day) <= 0 ? years : years - 1;
}

/** The `n`th birthday strictly after `issuedOn`. */
export function nthBirthdayAfter(birthDate: string, issuedOn: string, n: number): string {
  const birth = ymd(birthDate);
  const issued = ymd(issuedOn);
  const thisYear = birthdayIn(birth, issued.y);
  const first = compare(thisYear, issued) > 0 ? issued.y : issued.y + 1;
  return text(birthdayIn(birth, first + n - 1));
}

export interface CardTerms {
  /** The card's expiry date (the last day it is valid). */
  readonly cardExpiresOn: string;
  /** Certificates' last day; never beyond the card's. */
  readonly certificatesExpireOn: string;
  readonly withSignatureCertificate: boolean;
  readonly withPhoto: boolean;
}

export function cardTerms(birthDate: string, issuedOn: string): CardTerms {
  const age = ageOn(birthDate, issuedOn);
  const cardExpiresOn = nthBirthdayAfter(birthDate, issuedOn, age >= ADULT_AGE ? 10 : 5);
  const certificates = nthBirthdayAfter(birthDate, issuedOn, 5);
  return {
    cardExpiresOn,
    certificatesExpireOn: earlier(certificates, cardExpiresOn),
    withSignatureCertificate: age >= SIGNATURE_CERTIFICATE_MIN_AGE,
    withPhoto: age >= PHOTO_MIN_AGE,
  };
}

/** The earlier of two calendar dates. */
export function earlier(a: string, b: string): string {
  return [a, b].sort()[0]!;
}

/** Certificates may be renewed from three months before they expire. */
export function renewalOpensOn(expiresOn: string): string {
  const e = ymd(expiresOn);
  const m = e.m - 3;
  const y = m < 1 ? e.y - 1 : e.y;
  const month = m < 1 ? m + 12 : m;
  const last = new Date(Date.UTC(y, month, 0)).getUTCDate();
  return text({ y, m: month, d: Math.min(e.d, last) });
}
