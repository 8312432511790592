/** JSON schemas shared by the routes: validation, serialisation and the OpenAPI document in one. */
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const nullableText = { type: ['string', 'null'] } as const;

export const residentInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['municipalityCode', 'familyName', 'birthDate', 'sex', 'address'],
  properties: {
    municipalityCode: { ...text(20), description: '6-digit 全国地方公共団体コード' },
    localId: { ...text(40), description: '宛名番号 (optional)' },
    familyName: { ...text(200), description: '氏 (kanji), or the full Latin-script name' },
    givenName: text(200),
    familyNameKana: text(200),
    givenNameKana: text(200),
    birthDate: { ...text(40), description: 'YYYY-MM-DD, or a Japanese era date (令和5年2月3日)' },
    sex: { ...text(20), description: 'male, female, unspecified (or 1, 2, 9)' },
    postalCode: text(20),
    address: text(400),
    nationality: { ...text(10), description: "'JP' or an ISO 3166-1 alpha-2 code" },
    residenceStatus: text(80),
    householdId: text(40),
    relationship: text(40),
    movedInDate: text(40),
  },
} as const;

/** The resident as a response: exactly the items a clerk may see, never the number. */
export const residentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    municipalityCode: { type: 'string' },
    status: { type: 'string', enum: ['active', 'deceased'] },
    residentCode: { type: 'string' },
    localId: nullableText,
    familyName: { type: 'string' },
    givenName: nullableText,
    familyNameKana: nullableText,
    givenNameKana: nullableText,
    birthDate: { type: 'string' },
    sex: { type: 'string' },
    postalCode: nullableText,
    address: { type: 'string' },
    nationality: { type: 'string' },
    residenceStatus: nullableText,
    householdId: nullableText,
    relationship: nullableText,
    registeredAt: { type: 'string' },
    updatedAt: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

export const accessRecordSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    actorId: { type: 'string' },
    actorRole: { type: 'string' },
    purpose: { type: 'string' },
    action: { type: 'string' },
    residentId: { type: 'string' },
    items: { type: 'array', items: { type: 'string' } },
    requestId: nullableText,
  },
} as const;

export const residentEventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    effectiveDate: { type: 'string' },
    recordedAt: { type: 'string' },
    actorId: { type: 'string' },
    actorRole: { type: 'string' },
    reason: nullableText,
    changes: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { before: nullableText, after: nullableText },
      },
    },
  },
} as const;

/** A card sign-in challenge as the API gives it. */
export const challengeSchema = {
  type: 'object',
  properties: {
    challengeId: { type: 'string' },
    audience: { type: 'string' },
    message: { type: 'string', description: 'base64: the bytes the card signs' },
    expiresAt: { type: 'string' },
  },
} as const;
