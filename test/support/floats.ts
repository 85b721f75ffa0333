// Float32 helpers the kernel tests share: values from raw bits, and comparison bit for bit.
import assert from 'node:assert/strict';

export function floatFromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

/** Bit-identical, except that any NaN equals any NaN (which NaN comes out is unspecified). */
export function assertSameFloats(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length);
  const actualBits = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const expectedBits = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const show = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
  for (let j = 0; j < actual.length; j++) {
    if (Number.isNaN(expected[j]) && Number.isNaN(actual[j])) continue;
    if (actualBits[j] !== expectedBits[j]) {
      assert.fail(`${what}: coordinate ${j} is ${show(actual[j])}, expected ${show(expected[j])}`);
    }
  }
}
