import fc from 'fast-check';

/** Any UTF-16 text, weighted towards the characters that break XML. */
export const nastyString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '&',
      '<',
      '>',
      '"',
      "'",
      '\u0000',
      '\u0008',
      '\u000b',
      '\ud800',
      '\udfff',
      '\ufffe',
      '\n',
      ']]>',
    ),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 60,
});
