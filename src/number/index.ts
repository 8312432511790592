export {
  corporateCheckDigit,
  formatIndividualNumber,
  individualCheckDigit,
  maskIndividualNumber,
  type NumberErrorCode,
  type NumberValidation,
  validateCorporateNumber,
  validateIndividualNumber,
} from './check-digit.ts';
export { ff1Decrypt, ff1Encrypt } from './ff1.ts';
export { municipalityCheckDigit, validateMunicipalityCode } from './municipality-code.ts';
export { normalizeDigits } from './normalize-digits.ts';
export { createDecimalPermutation, type DecimalPermutation } from './number-permutation.ts';
export {
  createNumberSealer,
  type NumberSealer,
  type SealedNumber,
  type SealerKeys,
  sealerKeys,
} from './number-sealer.ts';
export { numberMigrations } from './number-tables.ts';
export { createNumberVault, type NumberVault } from './vault.ts';
