import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateStyleMin, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { ConfigError } from '../config/load-config.ts';

/** Scheme of a style source URL that names one of the engine's tilesets. */
export const TILESET_SCHEME = 'tileset://';

/** A validated style and the tileset behind each of its vector sources. */
export interface LoadedStyle {
  readonly id: string;
  readonly path: string;
  readonly style: StyleSpecification;
  /** Style source id → tileset id. */
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * Loads and validates every `*.json` style in a folder with the style spec. An invalid
 * style fails start-up with a message naming the file, the layer and the property.
 */
export function loadStyles(dir: string, tilesetIds: ReadonlySet<string>): LoadedStyle[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new ConfigError(`cannot read the styles folder ${dir}: ${(error as Error).message}`);
  }
  return files.map((file) => {
    const path = join(dir, file);
    let style: StyleSpecification;
    try {
      style = JSON.parse(readFileSync(path, 'utf8')) as StyleSpecification;
    } catch (error) {
      throw new ConfigError(`style ${path} is not valid JSON: ${(error as Error).message}`);
    }
    const errors = validateStyleMin(style);
    if (errors.length) throw new ConfigError(`style ${path} is invalid:\n  ${errors.map((e) => e.message).join('\n  ')}`);
    const sources = new Map<string, string>();
    for (const [sourceId, source] of Object.entries(style.sources)) {
      const url = 'url' in source && typeof source.url === 'string' ? source.url : undefined;
      if (source.type !== 'vector' || !url?.startsWith(TILESET_SCHEME)) continue;
      const tilesetId = url.slice(TILESET_SCHEME.length);
      if (!tilesetIds.has(tilesetId)) {
        throw new ConfigError(`style ${path}: sources.${sourceId}.url names tileset "${tilesetId}", which is not configured (known: ${[...tilesetIds].join(', ')})`);
      }
      sources.set(sourceId, tilesetId);
    }
    return { id: basename(file, '.json'), path, style, sources };
  });
}
