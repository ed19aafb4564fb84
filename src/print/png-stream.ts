/**
 * A PNG written strip by strip: the signature and header first, then rows of straight
 * RGBA deflated as they come, so a page far larger than memory allows for one image (an
 * A0 at 300 dpi is 560 MB of RGBA) is encoded holding one strip at a time.
 *
 * Backpressure all the way: when the output (a client's socket) takes no more, deflate is
 * paused, its buffers fill, and writeRows waits, so the caller draws the next strip only
 * when the reader has caught up. A slow reader costs a strip of memory, not the page.
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { crc32, createDeflate, type Deflate } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'ascii'))) >>> 0, 0);
  return Buffer.concat([head, data, tail]);
}

export class PngStream {
  private readonly width: number;
  private readonly height: number;
  private readonly deflate: Deflate;
  private readonly finished: Promise<void>;
  private rows = 0;

  constructor(out: Writable, width: number, height: number, compressionLevel = 6) {
    this.width = width;
    this.height = height;
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.writeUInt8(8, 8); // bit depth
    header.writeUInt8(6, 9); // RGBA
    out.write(SIGNATURE);
    out.write(chunk('IHDR', header));
    const deflate = createDeflate({ level: compressionLevel });
    this.deflate = deflate;
    deflate.on('data', (data: Buffer) => {
      if (out.write(chunk('IDAT', data))) return;
      deflate.pause();
      out.once('drain', () => deflate.resume());
    });
    this.finished = new Promise((resolve, reject) => {
      deflate.once('end', () => out.end(chunk('IEND', Buffer.alloc(0))));
      deflate.once('error', reject);
      // Done when the last byte is handed to the socket, not before: the caller holds its print slot until then.
      out.once('finish', resolve);
    });
    // Nobody handles `finished` until end(): a failure before then surfaces through writeRows.
    this.finished.catch(() => {});
    // The reader went away: stop, so a writeRows waiting for it does not wait for ever.
    out.once('close', () => {
      if (!out.writableFinished) deflate.destroy(new Error('the output closed before the image was written'));
    });
  }

  /** Appends whole rows of straight RGBA (width × 4 bytes each); resolves when they may be freed. */
  async writeRows(rgba: Uint8Array): Promise<void> {
    const stride = this.width * 4;
    if (rgba.length % stride !== 0) throw new Error(`a strip must hold whole rows of ${stride} bytes`);
    const count = rgba.length / stride;
    if (this.rows + count > this.height) throw new Error(`more rows than the image's ${this.height}`);
    const filtered = Buffer.alloc(count * (stride + 1));
    for (let r = 0; r < count; r++) {
      // Filter type 0 (none) on each row: cheap, and deflate does the work.
      filtered[r * (stride + 1)] = 0;
      filtered.set(rgba.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
    }
    this.rows += count;
    if (this.deflate.destroyed) throw this.deflate.errored ?? new Error('the image stream is closed');
    if (!this.deflate.write(filtered)) await once(this.deflate, 'drain');
  }

  /** Ends the image once every row is written. */
  async end(): Promise<void> {
    if (this.rows !== this.height) throw new Error(`${this.rows} of ${this.height} rows written`);
    this.deflate.end();
    await this.finished;
  }
}
