/**
 * The styles in `styles/`: recipes (`{id}.yaml`, composed from the shared layer list and
 * tokens) and plain MapLibre styles (`{id}.json`). Each is validated with the style spec
 * at start; an invalid style fails start-up with a message naming the file, the layer
 * and the property.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { validateStyleMin, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/load-config.ts';
import { composeStyle, recipeSchema, SPRITE_SCHEME, StyleCompositionError, TILESET_SCHEME, type Tokens } from './compose.ts';

export { TILESET_SCHEME } from './compose.ts';

/** A validated style and the tileset behind each of its vector sources. */
export interface LoadedStyle {
  readonly id: string;
  readonly path: string;
  readonly style: StyleSpecification;
  /** Style source id → tileset id. */
  readonly sources: ReadonlyMap<string, string>;
  /** Folder of SVG icons (in the styles folder) its sprite is built from, if it has one of the engine's sprites. */
  readonly spriteFolder?: string;
}

const STYLE_ID = /^[A-Za-z0-9_-]+$/;

/** A style's description for capabilities and collections (its recipe's `description`). */
export function styleDescription(style: LoadedStyle): string | undefined {
  const description = (style.style.metadata as Record<string, unknown> | undefined)?.['sodertorn:description'];
  return typeof description === 'string' ? description : undefined;
}

/** Every style of a folder, in file name order; a style id is its file name without extension. */
export function loadStyles(dir: string, tilesetIds: ReadonlySet<string>): LoadedStyle[] {
  let files: string[];
  try {
    files = readdirSync(dir, { withFileTypes: true })
      .filter((f) => f.isFile() && /\.(json|ya?ml)$/.test(f.name))
      .map((f) => f.name)
      .sort();
  } catch (error) {
    throw new ConfigError(`cannot read the styles folder ${dir}: ${(error as Error).message}`);
  }
  const styles = files.map((file) => loadStyle(dir, file, tilesetIds));
  const ids = new Set<string>();
  for (const s of styles) {
    if (ids.has(s.id)) throw new ConfigError(`styles folder ${dir} holds two styles with id "${s.id}"`);
    ids.add(s.id);
  }
  return styles;
}

function loadStyle(dir: string, file: string, tilesetIds: ReadonlySet<string>): LoadedStyle {
  const path = join(dir, file);
  const id = basename(file, extname(file));
  if (!STYLE_ID.test(id)) throw new ConfigError(`style ${path}: a style id (its file name) may hold only letters, digits, - and _`);
  const style = extname(file) === '.json' ? readJsonStyle(path) : composeRecipe(dir, path);
  const errors = validateStyleMin(style);
  if (errors.length) throw new ConfigError(`style ${path} is invalid:\n  ${errors.map((e) => nameLayer(e.message, style)).join('\n  ')}`);
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
  const spriteFolder = typeof style.sprite === 'string' && style.sprite.startsWith(SPRITE_SCHEME) ? style.sprite.slice(SPRITE_SCHEME.length) : undefined;
  return { id, path, style, sources, ...(spriteFolder ? { spriteFolder } : {}) };
}

function readJsonStyle(path: string): StyleSpecification {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StyleSpecification;
  } catch (error) {
    throw new ConfigError(`style ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function composeRecipe(dir: string, path: string): StyleSpecification {
  const parsed = recipeSchema.safeParse(readYaml(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`style ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const recipe = parsed.data;
  const layersPath = join(dir, recipe.layers);
  const tokensPath = join(dir, recipe.tokens);
  const layers = readYaml(layersPath);
  const tokens = readYaml(tokensPath);
  if (!Array.isArray(layers)) throw new ConfigError(`style ${path}: ${layersPath} must be a list of layers`);
  if (tokens === null || typeof tokens !== 'object' || Object.values(tokens).some((g) => g === null || typeof g !== 'object')) {
    throw new ConfigError(`style ${path}: ${tokensPath} must map token groups (colour, font, …) to names and values`);
  }
  try {
    return composeStyle(recipe, layers, tokens as Tokens, { recipe: path, layers: layersPath });
  } catch (error) {
    if (error instanceof StyleCompositionError) throw new ConfigError(`style ${error.message}`);
    throw error;
  }
}

function readYaml(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** "layers[3].paint.fill-color: …" → "layers[3] (vatten).paint.fill-color: …", so the message names the layer. */
function nameLayer(message: string, style: StyleSpecification): string {
  return message.replace(/^layers\[(\d+)\]/, (whole, index: string) => {
    const id = style.layers?.[Number(index)]?.id;
    return id ? `${whole} (layer "${id}")` : whole;
  });
}
