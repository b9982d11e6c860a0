/** fast-check arbitraries of values canonical JSON can encode (no floats, safe integers). */
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../../src/canonical-json.ts';

const key = fc.string({ unit: 'binary', maxLength: 6 });
const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.maxSafeInteger(),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const { value } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));

export const jsonValueArbitrary: fc.Arbitrary<JsonValue> = value;

export const jsonObjectArbitrary: fc.Arbitrary<JsonObject> = fc.dictionary(key, value, {
  maxKeys: 6,
});
