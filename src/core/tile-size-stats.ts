/**
 * What makes a vector tile heavy: the bytes and features of each layer of an MVT, and their
 * spread over many tiles of a level (p50, p95, max), for the tile-sizes report. Pure.
 */
import { PbfReader } from 'pbf';

/** One layer of one tile: its encoded size and feature count. */
export interface LayerSize {
  readonly name: string;
  readonly bytes: number;
  readonly features: number;
}

/** Protobuf wire types and the MVT field numbers read here (vector_tile.proto). */
const LENGTH_DELIMITED = 2;
const TILE_LAYERS = 3;
const LAYER_NAME = 1;
const LAYER_FEATURES = 2;

/** The layers of an MVT in their order, each with the bytes of its message and its features. */
export function mvtLayerSizes(mvt: Uint8Array): LayerSize[] {
  const pbf = new PbfReader(mvt);
  const layers: LayerSize[] = [];
  while (pbf.pos < pbf.length) {
    const key = pbf.readVarint();
    if (key >> 3 !== TILE_LAYERS || (key & 7) !== LENGTH_DELIMITED) {
      pbf.skip(key);
      continue;
    }
    const length = pbf.readVarint();
    const end = pbf.pos + length;
    let name = '';
    let features = 0;
    while (pbf.pos < end) {
      const field = pbf.readVarint();
      if (field >> 3 === LAYER_NAME && (field & 7) === LENGTH_DELIMITED) name = pbf.readString();
      else {
        if (field >> 3 === LAYER_FEATURES) features++;
        pbf.skip(field);
      }
    }
    layers.push({ name, bytes: length, features });
  }
  return layers;
}

/** The value at a quantile of sorted numbers (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** One measured tile. */
export interface TileMeasure {
  readonly x: number;
  readonly y: number;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly layers: readonly LayerSize[];
}

/** p50, p95 and max of a quantity over the tiles of a level. */
export interface Spread {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface LevelSizes {
  readonly z: number;
  readonly tiles: number;
  readonly bytes: Spread;
  readonly gzipBytes: Spread;
  /** Per layer, heaviest (by p95 bytes) first. */
  readonly layers: readonly { readonly name: string; readonly bytes: Spread; readonly features: Spread }[];
  /** The tiles above the budget (raw bytes), heaviest first. */
  readonly overBudget: readonly { readonly x: number; readonly y: number; readonly bytes: number }[];
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? 0 };
}

/** The sizes of a level's measured tiles against a budget in raw bytes. */
export function levelSizes(z: number, tiles: readonly TileMeasure[], budgetBytes: number): LevelSizes {
  const names = [...new Set(tiles.flatMap((t) => t.layers.map((l) => l.name)))];
  // A tile without a layer counts as 0 for it: the spread is over every tile of the level.
  const of = (name: string, pick: (l: LayerSize) => number) => tiles.map((t) => pick(t.layers.find((l) => l.name === name) ?? { name, bytes: 0, features: 0 }));
  return {
    z,
    tiles: tiles.length,
    bytes: spread(tiles.map((t) => t.bytes)),
    gzipBytes: spread(tiles.map((t) => t.gzipBytes)),
    layers: names
      .map((name) => ({ name, bytes: spread(of(name, (l) => l.bytes)), features: spread(of(name, (l) => l.features)) }))
      .sort((a, b) => b.bytes.p95 - a.bytes.p95 || a.name.localeCompare(b.name)),
    overBudget: tiles
      .filter((t) => t.bytes > budgetBytes)
      .map(({ x, y, bytes }) => ({ x, y, bytes }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/** At most `count` items spread evenly over a list, first and last included: a deterministic sample. */
export function evenSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count <= 1) return items.slice(0, Math.max(0, count));
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!);
}
