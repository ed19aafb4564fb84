/**
 * The disk tier's knowledge of its files: key string → file bytes, in least recently used
 * order (a Map keeps insertion order; a touch re-inserts), with the total, so eviction
 * needs no directory listing.
 */
export class DiskIndex {
  private readonly bytesOf = new Map<string, number>();
  private total = 0;

  get totalBytes(): number {
    return this.total;
  }

  get count(): number {
    return this.bytesOf.size;
  }

  has(k: string): boolean {
    return this.bytesOf.has(k);
  }

  /** Records a file as the most recently used one. */
  set(k: string, bytes: number): void {
    this.delete(k);
    this.bytesOf.set(k, bytes);
    this.total += bytes;
  }

  /** Marks a file as the most recently used one. */
  touch(k: string): void {
    const bytes = this.bytesOf.get(k);
    if (bytes !== undefined) this.set(k, bytes);
  }

  delete(k: string): boolean {
    const bytes = this.bytesOf.get(k);
    if (bytes === undefined) return false;
    this.bytesOf.delete(k);
    this.total -= bytes;
    return true;
  }

  /** Removes and returns least recently used keys until the index fits the bounds. */
  evictBeyond(maxBytes: number, maxFiles: number): string[] {
    const evicted: string[] = [];
    for (const [k, bytes] of this.bytesOf) {
      if (this.total <= maxBytes && this.bytesOf.size <= maxFiles) break;
      this.bytesOf.delete(k);
      this.total -= bytes;
      evicted.push(k);
    }
    return evicted;
  }

  clear(): void {
    this.bytesOf.clear();
    this.total = 0;
  }
}
