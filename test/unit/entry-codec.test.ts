import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeHeader, HEADER_BYTES } from '../../cache/tiers/entry-codec.ts';

const encode = (body: Uint8Array, dataSeq: number) => Buffer.concat([encodeHeader({ body, dataSeq }), body]);

describe('the stored form of a cache entry', () => {
  it('gives back body and sequence, and reads any changed bit, the sequence included, as corrupt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 2 ** 40 }), fc.nat(), (body, dataSeq, at) => {
        const bytes = encode(body, dataSeq);
        const decoded = decodeEntry(bytes);
        expect('entry' in decoded && decoded.entry.dataSeq === dataSeq && Buffer.from(decoded.entry.body).equals(Buffer.from(body))).toBe(true);
        // Any bit of it: magic, version, padding, sequence, length, checksum or body.
        const bit = at % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        expect('corrupt' in decodeEntry(bytes)).toBe(true);
      }),
    );
  });

  it('reads an entry stored by the format before (its sequence unchecked) as corrupt: a miss', () => {
    const bytes = encode(Buffer.from('tile'), 7);
    bytes[4] = 1;
    expect(decodeEntry(bytes)).toEqual({ corrupt: 'format version 1, expected 2' });
    expect(decodeEntry(bytes.subarray(0, HEADER_BYTES - 1))).toMatchObject({ corrupt: expect.stringContaining('shorter') });
  });
});
