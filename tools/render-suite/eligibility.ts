/**
 * Which suite tests the 2D Skia renderer can attempt. A test is skipped (with a reason)
 * when it needs what that renderer does not draw: a tilted view, layer types
 * it leaves out (hillshade, heatmap…), variably anchored or vertical text (CJK set
 * upright along lines), clustering. Only layers that would show count: a symbol
 * layer with `visibility: none` does not.
 */
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { CaseSpec } from './load-case.ts';

/** Layer types the Skia renderer draws. */
const DRAWN_LAYER_TYPES = new Set(['background', 'fill', 'line', 'circle', 'symbol', 'raster']);

/** Symbol layout properties the renderer does not honour yet, and what to call them. */
const SYMBOL_GAPS: [string, string][] = [
  ['text-variable-anchor', 'variable text anchors'],
  ['text-variable-anchor-offset', 'variable text anchors'],
  ['text-radial-offset', 'variable text anchors'],
  ['text-writing-mode', 'vertical text'],
];

/** Source types whose tiles (or picture) the suite runner can build. */
const TILED_SOURCE_TYPES = new Set(['vector', 'geojson', 'raster', 'image']);

/** Ideographs and kana, which MapLibre sets upright on steep lines (vertical writing); Latin turns with the line. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;

/** Whether a layer's inline GeoJSON data holds CJK text (tiled sources cannot be told without decoding them). */
function hasCjkText(style: StyleSpecification, layer: { source?: unknown }): boolean {
  const source = typeof layer.source === 'string' ? (style.sources?.[layer.source] as { data?: unknown } | undefined) : undefined;
  return typeof source?.data === 'object' && CJK.test(JSON.stringify(source.data));
}

/** Why a test cannot be rendered here, or undefined when it can. */
export function skipReason(style: StyleSpecification, spec: CaseSpec): string | undefined {
  if (spec.extras.length > 0) return `needs a live map (${spec.extras.join(', ')})`;
  if (spec.pitch !== 0) return 'pitch (3D view)';

  const usedSources = new Set<string>();
  const reasons = new Set<string>();
  for (const layer of style.layers ?? []) {
    const layout = (layer as { layout?: Record<string, unknown> }).layout;
    if (layout?.['visibility'] === 'none') continue;
    if (!DRAWN_LAYER_TYPES.has(layer.type)) {
      reasons.add(`${layer.type} layers`);
      continue;
    }
    if (layer.type === 'symbol') {
      for (const [name, reason] of SYMBOL_GAPS) if (layout?.[name] !== undefined) reasons.add(reason);
      const placement = layout?.['symbol-placement'];
      if ((placement === 'line' || placement === 'line-center') && hasCjkText(style, layer)) reasons.add('upright CJK glyphs along lines');
    }
    if ('source' in layer && typeof layer.source === 'string') usedSources.add(layer.source);
  }
  for (const id of usedSources) {
    const source = style.sources?.[id] as { type?: string; cluster?: boolean } | undefined;
    if (!source) continue; // MapLibre draws nothing for a layer without its source; neither do we
    if (!TILED_SOURCE_TYPES.has(source.type ?? '')) reasons.add(`${source.type} sources`);
    else if (source.type === 'geojson' && source.cluster) reasons.add('clustered GeoJSON');
  }
  return reasons.size > 0 ? [...reasons].sort().join('; ') : undefined;
}
