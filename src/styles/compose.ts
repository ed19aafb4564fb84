/**
 * Composes a MapLibre style from the shared pieces cartographers keep in `styles/`: one
 * layer list, one set of tokens (colours, fonts, scales), and a small recipe per style
 * that names them, overrides tokens and leaves layer groups out. A layer refers to a
 * token as a whole string, "$colour.vatten". Pure: parsed documents in, a style out.
 */
import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { z } from 'zod';
import { portableLayer } from './portable-expressions.ts';

/** Scheme of a style source URL that names one of the engine's tilesets. */
export const TILESET_SCHEME = 'tileset://';
/** Glyph URL of the engine's own fonts; rewritten to /fonts/… for web clients. */
export const ENGINE_GLYPHS = 'fonts://{fontstack}/{range}.pbf';
/** Scheme of the sprite built from a folder of SVG icons in styles/; rewritten to /styles/{id}/sprite. */
export const SPRITE_SCHEME = 'sprite://';

/** A style recipe (`styles/{id}.yaml`). */
export const recipeSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** The shared layer list, relative to styles/. */
    layers: z.string().min(1),
    /** The shared tokens, relative to styles/. */
    tokens: z.string().min(1),
    /** Token values of this style that differ from the shared ones, by group and name. */
    override: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Layer groups (a layer's metadata.group) or layer ids this style leaves out. */
    exclude: z.array(z.string().min(1)).default([]),
    /** Folder of SVG icons in styles/ that makes this style's sprite. */
    sprite: z.string().regex(/^[a-z0-9_-]+$/i).optional(),
    /** Labels use the engine's fonts (served at /fonts). */
    glyphs: z.boolean().default(true),
    center: z.tuple([z.number(), z.number()]).optional(),
    zoom: z.number().min(0).max(24).optional(),
  })
  .strict();
export type StyleRecipe = z.infer<typeof recipeSchema>;

/** Token values by group and name: tokens.colour.vatten. */
export type Tokens = Record<string, Record<string, unknown>>;

/** A style that cannot be composed; the message names the file, the layer and the property. */
export class StyleCompositionError extends Error {}

const TOKEN = /^\$([A-Za-z][\w-]*)\.([A-Za-z][\w-]*)$/;

/** The recipe's tokens over the shared ones; an override of a token that does not exist is a mistake. */
export function mergeTokens(shared: Tokens, override: Tokens, where: string): Tokens {
  const merged: Tokens = Object.fromEntries(Object.entries(shared).map(([group, values]) => [group, { ...values }]));
  for (const [group, values] of Object.entries(override)) {
    for (const [name, value] of Object.entries(values)) {
      if (!merged[group] || !Object.hasOwn(merged[group], name)) {
        throw new StyleCompositionError(`${where}: override.${group}.${name} is not a shared token (known in ${group}: ${Object.keys(merged[group] ?? {}).join(', ') || 'none'})`);
      }
      merged[group][name] = value;
    }
  }
  return merged;
}

/** Replaces every "$group.name" string in a value by its token; `where` names the place for errors. */
export function resolveTokens(value: unknown, tokens: Tokens, where: string): unknown {
  if (typeof value === 'string') {
    const m = TOKEN.exec(value);
    if (!m) return value;
    const [, group, name] = m as unknown as [string, string, string];
    const values = tokens[group];
    if (!values || !Object.hasOwn(values, name)) throw new StyleCompositionError(`${where}: unknown token ${value}`);
    return values[name];
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveTokens(v, tokens, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, tokens, `${where}.${k}`)]));
  }
  return value;
}

/**
 * The style a recipe makes: its layers with tokens resolved and expressions in portable form
 * (portable-expressions.ts), one vector source per tileset the layers name.
 */
export function composeStyle(recipe: StyleRecipe, layers: readonly unknown[], tokens: Tokens, files: { recipe: string; layers: string }): StyleSpecification {
  const merged = mergeTokens(tokens, recipe.override, files.recipe);
  const excluded = new Set(recipe.exclude);
  const composed: LayerSpecification[] = [];
  layers.forEach((raw, index) => {
    if (raw === null || typeof raw !== 'object' || typeof (raw as { id?: unknown }).id !== 'string') {
      throw new StyleCompositionError(`${files.layers}: layer ${index} has no id`);
    }
    const layer = raw as { id: string; metadata?: { group?: unknown } };
    const group = typeof layer.metadata?.group === 'string' ? layer.metadata.group : undefined;
    if (excluded.has(layer.id) || (group !== undefined && excluded.has(group))) return;
    // Tokens make scales arithmetic (["*", $scale.text, 12]); folded here, as every client reads them.
    composed.push(portableLayer(resolveTokens(raw, merged, `${files.layers}: layer ${layer.id}`) as LayerSpecification));
  });
  const tilesets = [...new Set(composed.flatMap((l) => ('source' in l && typeof l.source === 'string' ? [l.source] : [])))];
  return {
    version: 8,
    name: recipe.name,
    metadata: { 'sodertorn:recipe': files.recipe, ...(recipe.description ? { 'sodertorn:description': recipe.description } : {}) },
    ...(recipe.center ? { center: recipe.center } : {}),
    ...(recipe.zoom !== undefined ? { zoom: recipe.zoom } : {}),
    sources: Object.fromEntries(tilesets.map((id) => [id, { type: 'vector', url: `${TILESET_SCHEME}${id}` }])),
    ...(recipe.glyphs ? { glyphs: ENGINE_GLYPHS } : {}),
    ...(recipe.sprite ? { sprite: `${SPRITE_SCHEME}${recipe.sprite}` } : {}),
    layers: composed,
  };
}
