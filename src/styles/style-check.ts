/**
 * The cartographers' check of the styles against what the engine serves: layers whose
 * source-layer the tileset does not have, attributes the data does not carry, fonts the
 * engine does not ship, icons the sprite lacks, and sprite icons no style uses. Pure:
 * loaded styles and names in, findings out.
 */
import type { LayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { TilesetConfig } from '../config/schema.ts';
import type { LoadedStyle } from './style-store.ts';

export interface Finding {
  readonly level: 'error' | 'warning';
  /** Where: "grundkarta layer vag-namn", or the sprite folder. */
  readonly where: string;
  readonly message: string;
}

export interface CheckInput {
  readonly styles: readonly LoadedStyle[];
  readonly tilesets: readonly TilesetConfig[];
  /** Font names the engine has. */
  readonly fonts: readonly string[];
  /** Icon names of each sprite, by icon folder. */
  readonly sprites: ReadonlyMap<string, readonly string[]>;
}

/** Layout and paint properties that name sprite images. */
const IMAGE_PROPERTIES = ['icon-image', 'fill-pattern', 'line-pattern', 'background-pattern', 'fill-extrusion-pattern'] as const;

export function checkStyles(input: CheckInput): Finding[] {
  const findings: Finding[] = [];
  const tilesets = new Map(input.tilesets.map((t) => [t.id, t]));
  const used = new Map<string, Set<string>>();
  for (const loaded of input.styles) {
    const icons = loaded.spriteFolder === undefined ? undefined : input.sprites.get(loaded.spriteFolder);
    for (const layer of loaded.style.layers) {
      const where = `${loaded.id} layer ${layer.id}`;
      const say = (level: Finding['level'], message: string) => findings.push({ level, where, message });
      checkData(layer, loaded, tilesets, say);
      for (const font of fontsOf(layer)) {
        if (!input.fonts.includes(font)) say('warning', `font "${font}" is not in the engine's fonts (${input.fonts.join(', ')}); a font of the same weight is drawn instead`);
      }
      for (const image of imagesOf(layer)) {
        if (!icons) say('error', `names image "${image}" but the style has no sprite of the engine`);
        else if (!icons.includes(image)) say('error', `image "${image}" is not in sprite ${loaded.spriteFolder} (icons: ${icons.join(', ')})`);
        else {
          let names = used.get(loaded.spriteFolder!);
          if (!names) used.set(loaded.spriteFolder!, (names = new Set()));
          names.add(image);
        }
      }
    }
  }
  for (const [folder, icons] of input.sprites) {
    for (const icon of icons) if (!used.get(folder)?.has(icon)) findings.push({ level: 'warning', where: `sprite ${folder}`, message: `icon "${icon}" is not used by any style` });
  }
  return findings;
}

/** A layer's source-layer and the attributes its expressions read must exist in the tileset. */
function checkData(layer: LayerSpecification, loaded: LoadedStyle, tilesets: ReadonlyMap<string, TilesetConfig>, say: (level: Finding['level'], message: string) => void): void {
  if (!('source' in layer) || typeof layer.source !== 'string') return;
  const tilesetId = loaded.sources.get(layer.source);
  const tileset = tilesetId === undefined ? undefined : tilesets.get(tilesetId);
  if (!tileset || !('source-layer' in layer) || typeof layer['source-layer'] !== 'string') return;
  const dataLayer = tileset.layers.find((l) => l.id === layer['source-layer']);
  if (!dataLayer) {
    say('error', `source-layer "${layer['source-layer']}" is not a layer of tileset ${tileset.id} (layers: ${tileset.layers.map((l) => l.id).join(', ')})`);
    return;
  }
  for (const attribute of attributesOf(layer)) {
    if (!dataLayer.attributes.includes(attribute) && attribute !== dataLayer.idColumn) {
      say('error', `reads attribute "${attribute}", which layer ${dataLayer.id} of tileset ${tileset.id} does not carry (attributes: ${dataLayer.attributes.join(', ')})`);
    }
  }
}

/** Attributes read by ["get", name], ["has", name] and "{name}" tokens anywhere in the layer. */
export function attributesOf(layer: LayerSpecification): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(/\{([^{}]+)\}/g)) found.add(m[1]!);
      return;
    }
    if (!Array.isArray(value)) {
      if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
      return;
    }
    if ((value[0] === 'get' || value[0] === 'has') && value.length === 2 && typeof value[1] === 'string') {
      found.add(value[1]);
      return;
    }
    if (value[0] === 'literal') return;
    value.forEach((v, i) => i > 0 && walk(v));
  };
  walk('filter' in layer ? layer.filter : undefined);
  walk(layer.layout);
  walk(layer.paint);
  return found;
}

/** The values an expression can produce, where that can be told without data: literals and the outputs of case, match, step and coalesce. */
export function outputsOf(value: unknown): unknown[] {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return [value];
  const [op, ...args] = value as [string, ...unknown[]];
  switch (op) {
    case 'literal':
      return [args[0]];
    case 'case':
      return args.filter((_, i) => i % 2 === 1 || i === args.length - 1).flatMap(outputsOf);
    case 'match':
      return args.filter((_, i) => (i >= 2 && i % 2 === 0) || i === args.length - 1).flatMap(outputsOf);
    case 'step':
      return args.filter((_, i) => i === 1 || (i >= 3 && i % 2 === 1)).flatMap(outputsOf);
    case 'coalesce':
      return args.flatMap(outputsOf);
    default:
      return [];
  }
}

function fontsOf(layer: LayerSpecification): string[] {
  if (layer.type !== 'symbol') return [];
  const font = layer.layout?.['text-font'];
  // A bare array of strings is the font stack itself, not an expression.
  const stacks = Array.isArray(font) && font.every((f) => typeof f === 'string') ? [font] : outputsOf(font);
  return [...new Set(stacks.flatMap((s) => (Array.isArray(s) ? s.filter((f): f is string => typeof f === 'string') : [])))];
}

function imagesOf(layer: LayerSpecification): string[] {
  const properties = { ...(layer.layout ?? {}), ...(layer.paint ?? {}) } as Record<string, unknown>;
  const names = IMAGE_PROPERTIES.flatMap((p) => outputsOf(properties[p]));
  // "" means no image; names with {tokens} depend on the data and cannot be checked here.
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== '' && !n.includes('{')))];
}
