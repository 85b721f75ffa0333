import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

import { signWordCount } from '../shared/codec/sign-bits.js';
import { ConfigError } from '../shared/errors.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import { MAX_VOTE_WORKERS, majorityVoteReference, type VoteInput } from '../shared/kernels/vote.js';
import { tieCoinWord } from '../shared/random/tie-coin.js';

/** Every fast path is held to the same tests: the plain-JS one and the WebAssembly SIMD one. */
const FAST_VOTES = (['js', 'wasm'] as const).map((choice) => ({ choice, vote: kernelSet(choice).vote }));

/**
 * Packed sign vectors, padding bits 0. Most workers vote at random (p = ½, so even M ties often); some are
 * biased towards −1 or +1 so that counts far from M/2 occur as well.
 */
function randomVotes(rng: RandomGenerator, m: number, d: number): Uint32Array[] {
  const wordCount = signWordCount(d);
  const tailMask = (d & 31) === 0 ? -1 : (1 << (d & 31)) - 1;
  return Array.from({ length: m }, (_, i) => {
    const words = new Uint32Array(wordCount);
    for (let w = 0; w < wordCount; w++) {
      const bits = rng.next();
      if (i % 5 === 3) words[w] = bits | rng.next();
      else if (i % 5 === 4) words[w] = bits & rng.next();
      else words[w] = bits;
    }
    words[wordCount - 1] &= tailMask;
    return words;
  });
}

function negativeCount(words: Uint32Array[], j: number): number {
  let count = 0;
  for (const w of words) count += (w[j >>> 5] >>> (j & 31)) & 1;
  return count;
}

function bit(words: Uint32Array, j: number): number {
  return (words[j >>> 5] >>> (j & 31)) & 1;
}

const DS = [1, 31, 32, 33, 63, 64, 65, 1000, 100_003];
const MS = [...Array.from({ length: 16 }, (_, i) => i + 1), 31, 32, 33, 64, MAX_VOTE_WORKERS];

test('fast votes equal the reference bit for bit, and ties happen for even M', () => {
  const rng = xoroshiro128plus(10);
  for (const m of MS) {
    let ties = 0;
    for (const d of DS) {
      const input: VoteInput = { words: randomVotes(rng, m, d), d, seed: 1234, round: m * 7 + d };
      const expected = majorityVoteReference(input);
      for (const { choice, vote } of FAST_VOTES) {
        const actual = vote(input, new Uint32Array(expected.length).fill(0xdeadbeef));
        assert.deepEqual(actual, expected, `${choice}, M = ${m}, d = ${d}`);
        if ((d & 31) !== 0) {
          assert.equal(actual[actual.length - 1] >>> (d & 31), 0, `${choice} padding, M = ${m}, d = ${d}`);
        }
      }
      if (d === 1000) {
        for (let j = 0; j < d; j++) if (2 * negativeCount(input.words, j) === m) ties++;
      }
    }
    if (m % 2 === 0) assert.ok(ties > 0, `no ties exercised for M = ${m}`);
    else assert.equal(ties, 0);
  }
});

for (const { choice, vote } of FAST_VOTES) {
  test(`${choice}: the vote is the majority, and a tie takes the seeded coin`, () => {
    const rng = xoroshiro128plus(11);
    for (const m of [1, 2, 3, 4, 7, 8, 15, 16]) {
      const d = 3000;
      const input: VoteInput = { words: randomVotes(rng, m, d), d, seed: 99, round: 5 };
      const result = vote(input);
      for (let j = 0; j < d; j++) {
        const negatives = negativeCount(input.words, j);
        const expected =
          2 * negatives > m ? 1 : 2 * negatives < m ? 0 : (tieCoinWord(99, 5, j >>> 5) >>> (j & 31)) & 1;
        assert.equal(bit(result, j), expected, `M = ${m}, coordinate ${j}, ${negatives} negative votes`);
      }
    }
  });
}

test('hand-made example: three workers', () => {
  // Coordinates 0..3 get 0, 1, 2 and 3 negative votes.
  const words = [new Uint32Array([0b1110]), new Uint32Array([0b1100]), new Uint32Array([0b1000])];
  const input: VoteInput = { words, d: 4, seed: 0, round: 0 };
  for (const { vote } of FAST_VOTES) assert.deepEqual(Array.from(vote(input)), [0b1100]);
  assert.deepEqual(Array.from(majorityVoteReference(input)), [0b1100]);
});

for (const { choice, vote } of FAST_VOTES) {
  test(`${choice}: same seed and round give the same result; another round redraws only the tie bits`, () => {
    const rng = xoroshiro128plus(12);
    const m = 6;
    const d = 10_000;
    const words = randomVotes(rng, m, d);
    const first = vote({ words, d, seed: 7, round: 3 });
    assert.deepEqual(vote({ words, d, seed: 7, round: 3 }), first);
    assert.deepEqual(majorityVoteReference({ words, d, seed: 7, round: 3 }), first);
    const nextRound = vote({ words, d, seed: 7, round: 4 });
    const otherSeed = vote({ words, d, seed: 8, round: 3 });
    let ties = 0;
    let tieBitsChangedByRound = 0;
    let tieBitsChangedBySeed = 0;
    for (let j = 0; j < d; j++) {
      if (2 * negativeCount(words, j) === m) {
        ties++;
        tieBitsChangedByRound += bit(first, j) ^ bit(nextRound, j);
        tieBitsChangedBySeed += bit(first, j) ^ bit(otherSeed, j);
      } else {
        assert.equal(bit(nextRound, j), bit(first, j), `non-tie coordinate ${j} changed with the round`);
        assert.equal(bit(otherSeed, j), bit(first, j), `non-tie coordinate ${j} changed with the seed`);
      }
    }
    assert.ok(ties > 1000, `expected many ties, got ${ties}`);
    // Independent fair coins disagree about half the time.
    assert.ok(Math.abs(tieBitsChangedByRound / ties - 0.5) < 0.06, `round: ${tieBitsChangedByRound} of ${ties}`);
    assert.ok(Math.abs(tieBitsChangedBySeed / ties - 0.5) < 0.06, `seed: ${tieBitsChangedBySeed} of ${ties}`);
  });
}

for (const { choice, vote } of FAST_VOTES) {
  test(`${choice}: the tie coin is fair`, () => {
    // Two workers that always disagree: every coordinate is a tie.
    const d = 320_000;
    const a = new Uint32Array(signWordCount(d));
    const rng = xoroshiro128plus(13);
    for (let w = 0; w < a.length; w++) a[w] = rng.next();
    const b = a.map((x) => ~x);
    for (const round of [0, 1, 2]) {
      const result = vote({ words: [a, b], d, seed: 42, round });
      let negatives = 0;
      for (let j = 0; j < d; j++) negatives += bit(result, j);
      // Standard deviation of the fraction is 1/(2√d) ≈ 0.0009; allow about 5σ.
      assert.ok(Math.abs(negatives / d - 0.5) < 0.0045, `round ${round}: ${negatives} of ${d} negative`);
    }
  });
}

test('tieCoinWord is a stateless unsigned 32-bit hash', () => {
  assert.equal(tieCoinWord(1, 2, 3), tieCoinWord(1, 2, 3));
  const seen = new Set<number>();
  let ones = 0;
  for (let w = 0; w < 10_000; w++) {
    const coin = tieCoinWord(5, 9, w);
    assert.ok(Number.isInteger(coin) && coin >= 0 && coin <= 0xffffffff);
    seen.add(coin);
    for (let k = 0; k < 32; k++) ones += (coin >>> k) & 1;
  }
  assert.ok(seen.size > 9_990, 'coin words repeat too often');
  assert.ok(Math.abs(ones / 320_000 - 0.5) < 0.005, `${ones} ones in 320000 coin bits`);
  assert.notEqual(tieCoinWord(1, 2, 3), tieCoinWord(2, 1, 3));
  assert.notEqual(tieCoinWord(1, 2, 3), tieCoinWord(1, 3, 2));
});

test('M out of range is a ConfigError; wrong lengths are a RangeError', () => {
  const d = 40;
  const one = new Uint32Array(signWordCount(d));
  for (const vote of [...FAST_VOTES.map(({ vote }) => vote), majorityVoteReference]) {
    assert.throws(() => vote({ words: [], d, seed: 0, round: 0 }), ConfigError);
    const tooMany = Array.from({ length: MAX_VOTE_WORKERS + 1 }, () => one);
    assert.throws(() => vote({ words: tooMany, d, seed: 0, round: 0 }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`1 to ${MAX_VOTE_WORKERS}`));
      return true;
    });
    assert.throws(() => vote({ words: [one, new Uint32Array(1)], d, seed: 0, round: 0 }), RangeError);
    assert.throws(() => vote({ words: [one], d, seed: 0, round: 0 }, new Uint32Array(1)), RangeError);
  }
});

test('out buffer is overwritten and stray input padding never leaks into the result', () => {
  const d = 40;
  const words = [new Uint32Array([0, 0xffffffff]), new Uint32Array([0, 0xffffffff]), new Uint32Array([0, 0])];
  const out = new Uint32Array(2).fill(0xffffffff);
  const input: VoteInput = { words, d, seed: 0, round: 0 };
  for (const { choice, vote } of FAST_VOTES) {
    assert.deepEqual(Array.from(vote(input, out.fill(0xffffffff))), [0, 0xff], choice);
  }
  assert.deepEqual(Array.from(majorityVoteReference(input, out.fill(0xffffffff))), [0, 0xff]);
});

test('a word-aligned slice voted with its firstWord gives that slice of the whole vote, ties included (shards, chunks)', () => {
  const rng = xoroshiro128plus(23);
  const votes = [{ choice: 'reference', vote: majorityVoteReference }, ...FAST_VOTES];
  for (const m of [2, 3, 4, 8]) {
    const d = 5000; // 157 words, the last one partly padding
    const input: VoteInput = { words: randomVotes(rng, m, d), d, seed: 7, round: 3 };
    const whole = majorityVoteReference(input);
    for (const [startWord, endWord] of [[0, 40], [40, 101], [101, 157]]) {
      const sliceD = Math.min(d, endWord * 32) - startWord * 32;
      const slice = { ...input, words: input.words.map((w) => w.subarray(startWord, endWord)), d: sliceD, firstWord: startWord };
      for (const { choice, vote } of votes) {
        assert.deepEqual(vote(slice), whole.subarray(startWord, endWord), `${choice}, M = ${m}, words ${startWord}..${endWord}`);
      }
    }
  }
});
