declare module 'vt-pbf' {
  import type { LegacyTile } from 'geojson-vt';
  /** Encodes geojson-vt tiles, keyed by layer name, as one MVT. */
  export function fromGeojsonVt(layers: Record<string, LegacyTile>, options?: { version?: number; extent?: number }): Uint8Array;
}
