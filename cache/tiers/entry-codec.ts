/**
 * The bytes a persistent tier (disk, Redis) stores for one entry: a fixed header, then the
 * body. The header carries the body's length and a CRC-32 of the header's first 20 bytes
 * and the body, so a torn write, a truncated file or a flipped bit (in the body or in the
 * sequence that says how fresh it is) reads as corrupt instead of as a wrong tile.
 *
 *   0      4   5      8         16          20                          24
 *   | magic | ver | 0 0 0 | dataSeq | bodyBytes | crc32(bytes 0–19, body) | body …
 *     "STC1"  u8            u64 BE    u32 BE      u32 BE
 *
 * Version 1 checked the body only; its entries read as corrupt (a miss) and are replaced.
 */
import { crc32 } from 'node:zlib';
import type { CacheEntry } from '../tier.ts';

const MAGIC = 0x53544331; // "STC1"
const FORMAT_VERSION = 2;
/** Bytes the checksum covers before the body. */
const CHECKED_HEADER_BYTES = 20;
/** Bytes before the body. */
export const HEADER_BYTES = 24;

/** The header for an entry; callers write it and the body side by side, so the body is never copied. */
export function encodeHeader(entry: CacheEntry): Buffer {
  if (!Number.isSafeInteger(entry.dataSeq) || entry.dataSeq < 0) {
    throw new RangeError(`dataSeq must be a non-negative safe integer, got ${entry.dataSeq}`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt8(FORMAT_VERSION, 4);
  header.writeBigUInt64BE(BigInt(entry.dataSeq), 8);
  header.writeUInt32BE(entry.body.byteLength, 16);
  header.writeUInt32BE(checksum(header, entry.body), 20);
  return header;
}

export type Decoded = { readonly entry: CacheEntry } | { readonly corrupt: string };

/** The entry stored in bytes (its body a view into them, not a copy), or why the bytes are not one. */
export function decodeEntry(bytes: Uint8Array): Decoded {
  if (bytes.byteLength < HEADER_BYTES) return { corrupt: `${bytes.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.readUInt32BE(0) !== MAGIC) return { corrupt: 'bad magic' };
  const version = view.readUInt8(4);
  if (version !== FORMAT_VERSION) return { corrupt: `format version ${version}, expected ${FORMAT_VERSION}` };
  const bodyBytes = view.readUInt32BE(16);
  if (view.byteLength - HEADER_BYTES !== bodyBytes) return { corrupt: `body of ${view.byteLength - HEADER_BYTES} bytes, header says ${bodyBytes}` };
  const body = view.subarray(HEADER_BYTES);
  if (checksum(view, body) !== view.readUInt32BE(20)) return { corrupt: 'checksum mismatch' };
  return { entry: { body, dataSeq: Number(view.readBigUInt64BE(8)) } };
}

/** CRC-32 of the header's fields before the checksum, continued over the body. */
function checksum(header: Buffer, body: Uint8Array): number {
  return crc32(body, crc32(header.subarray(0, CHECKED_HEADER_BYTES)));
}
