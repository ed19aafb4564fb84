/**
 * Symbol layout, MapLibre's first stage: for one symbol layer, each feature's text shaped
 * and icon fitted (text-layout.ts, icon-layout.ts), anchored at points or every
 * symbol-spacing along its lines (line-symbols.ts) in the map frame, as MapLibre lays out
 * a tile, then put on the screen with the view's bearing. The result, symbols with their
 * collision shapes in placement order, goes to symbol-placement.ts. Pure: no canvas.
 *
 * A symbol belongs to the tile whose own extent holds its anchor (neighbours' buffers
 * repeat it), even when that anchor is off the canvas, so labels run on across tile seams.
 */
import type { Feature, GlobalProperties } from '@maplibre/maplibre-gl-style-spec';
import type { Box, CollisionShape } from './collision-index.ts';
import type { TileBatch } from './draw-context.ts';
import type { PlacedIcon } from './draw-icon.ts';
import type { SdfSymbol } from './draw-sdf.ts';
import { GLYPH_SIZE_PX, type GlyphSource } from './glyphs.ts';
import { iconCandidate, iconImageOf } from './icon-layout.ts';
import { isInExtent, type AnchorSpacing, type Extent } from './line-placement.ts';
import { iconAngleOnLine, layoutScale, linesOf, lineSites, RepeatedText, siteOnScreen, tileExtent } from './line-symbols.ts';
import { mergeLines } from './merge-lines.ts';
import type { SpriteAtlas, SpriteIcon } from './sprite.ts';
import { boundProperties, type SymbolLayer } from './style-evaluation.ts';
import type { SymbolLayoutContext } from './symbol-layout-context.ts';
import type { Candidate, LaidOutLayer, SymbolInstance } from './symbol-placement.ts';
import { lineTextCandidate, shapeLabel, textCandidate, textRectOf, type ShapedText, type ShapingCache } from './text-layout.ts';
import type { TileFeature } from './tile-geometry.ts';
import type { ViewRotation } from './view-rotation.ts';

/** A laid-out symbol: SDF glyphs for its text, a sprite image for its icon. */
export type Symbol = SymbolInstance<readonly SdfSymbol[], PlacedIcon>;
export type SymbolLayerLayout = LaidOutLayer<readonly SdfSymbol[], PlacedIcon>;

/** What symbol layout reads beyond the layer: the render's zoom, screen and resources. */
export interface SymbolLayoutEnvironment {
  readonly globals: GlobalProperties;
  readonly pixelRatio: number;
  readonly rotation: ViewRotation;
  readonly glyphs: GlyphSource;
  /** Undefined when the render has no sprite: icons are then left out. */
  readonly sprite: SpriteAtlas | undefined;
}

/** A feature of a tile with what it shows. */
interface SymbolFeature {
  readonly tf: TileFeature;
  readonly feature: Feature;
  /** The feature's index in its tile (draw order among equal y). */
  readonly index: number;
  readonly shaped: ShapedText | undefined;
  readonly image: SpriteIcon | undefined;
}

/** The symbols of one layer over the tiles that carry its features, in placement order. */
export function layoutSymbolLayer(layer: SymbolLayer, batches: readonly TileBatch[], env: SymbolLayoutEnvironment): SymbolLayerLayout {
  const read = boundProperties(layer.properties, env.globals);
  const c: SymbolLayoutContext = { read, properties: layer.properties, pixelRatio: env.pixelRatio, rotation: env.rotation };
  const hasText = layer.properties.isSet('text-field');
  const hasIcon = layer.properties.isSet('icon-image') && env.sprite !== undefined;
  const instances: Symbol[] = [];
  if (!hasText && !hasIcon) return { instances, drawsByViewportY: false };
  // symbol-placement depends on the zoom only.
  const placement = layer.properties.get('symbol-placement').evaluate(env.globals);
  const textAlongLine = (feature: Feature): boolean => placement !== 'point' && alignsWithLine(read('text-rotation-alignment')(feature));
  // A point symbol turns with the map only when its alignment says `map` (`auto` is the viewport's at points).
  const textTurn = (feature: Feature): number => (read('text-rotation-alignment')(feature) === 'map' ? env.rotation.angleRad : 0);
  const iconTurn = (feature: Feature): number => (read('icon-rotation-alignment')(feature) === 'map' ? env.rotation.angleRad : 0);
  const shapings: ShapingCache = new Map();

  // MapLibre places tile by tile from the top of the screen down, then left to right.
  const ordered = batches
    .map((batch) => ({ batch, at: env.rotation.toScreen(batch.tileRect.x, batch.tileRect.y) }))
    .sort((a, b) => a.at[1] - b.at[1] || a.at[0] - b.at[0])
    .map(({ batch }) => batch);
  ordered.forEach((batch, tile) => {
    /** Keeps a symbol unless symbol-avoid-edges wants it inside its tile and it is not. */
    const add = (f: SymbolFeature, extent: Extent, text: Candidate<readonly SdfSymbol[]> | undefined, icon: Candidate<PlacedIcon> | undefined, y: number, layoutShift: readonly [number, number]): void => {
      const inTile = (shape: CollisionShape): boolean => isInside(inLayout(shape, env.rotation, layoutShift), extent);
      if (read('symbol-avoid-edges')(f.feature) && ![text, icon].every((candidate) => !candidate || candidate.shapes.every(inTile))) return;
      instances.push({ text, icon, tile, y, index: f.index });
    };
    const features: SymbolFeature[] = [];
    batch.features.forEach((tf, index) => {
      const feature = tf.feature;
      const shaped = hasText ? shapeLabel(c, layer.textFieldHasTokens, feature, env.glyphs, shapings, placement, textAlongLine(feature)) : undefined;
      const image = hasIcon ? iconImageOf(c, layer.iconImageHasTokens, feature, env.sprite!) : undefined;
      if (shaped || image) features.push({ tf, feature, index, shaped, image });
    });
    const textRect = (f: SymbolFeature) => f.shaped && textRectOf(f.shaped, read('text-size')(f.feature));

    if (placement === 'point') {
      for (const f of features) {
        const extent = tileExtent(f.tf.placement);
        for (const [mx, my] of anchorsOf(f.tf)) {
          if (!isInExtent({ x: mx, y: my }, extent)) continue;
          const at = env.rotation.toScreen(mx, my);
          const text = f.shaped && textCandidate(c, f.feature, f.shaped, at, textTurn(f.feature));
          const icon = f.image && iconCandidate(c, f.feature, f.image, at, textRect(f), iconTurn(f.feature));
          add(f, extent, text, icon, at[1], [mx - at[0], my - at[1]]);
        }
      }
      return;
    }
    const lines = features.map((f) => ({ item: f, text: f.shaped?.text, lines: linesOf(f.tf) }));
    const repeated = new RepeatedText();
    for (const { item: f, lines: merged } of placement === 'line' ? mergeLines(lines) : lines) {
      const extent = tileExtent(f.tf.placement);
      const spacing = anchorSpacing(c, f);
      for (const laidOut of lineSites(merged, placement, extent, spacing)) {
        if (placement === 'line' && f.shaped && repeated.isTooClose(f.shaped.text, laidOut.anchor, spacing.spacingPx / 2)) continue;
        const site = siteOnScreen(laidOut, env.rotation);
        const at = [site.anchor.x, site.anchor.y] as const;
        let text: Candidate<readonly SdfSymbol[]> | undefined;
        if (f.shaped) {
          text = textAlongLine(f.feature) ? lineTextCandidate(c, f.feature, f.shaped, site) : textCandidate(c, f.feature, f.shaped, at, 0);
          if (!text) continue;
        }
        let icon: Candidate<PlacedIcon> | undefined;
        if (f.image) {
          const onLine = alignsWithLine(read('icon-rotation-alignment')(f.feature));
          const angle = onLine ? iconAngleOnLine(site, read('icon-keep-upright')(f.feature)) : undefined;
          if (onLine && angle === undefined) continue;
          icon = iconCandidate(c, f.feature, f.image, at, textRect(f), 0, angle);
        }
        add(f, extent, text, icon, at[1], [laidOut.anchor.x - at[0], laidOut.anchor.y - at[1]]);
      }
    }
  });
  return { instances, drawsByViewportY: drawsByViewportY(layer, env.globals) };
}

/** `auto` rotation alignment means `map` for symbols along lines. */
function alignsWithLine(alignment: string): boolean {
  return alignment === 'map' || alignment === 'auto';
}

/**
 * A collision shape as it lay in the tile before the view turned: circles along a line
 * turn back with it; a box keeps its shape and moves with its anchor, as MapLibre checks
 * symbol-avoid-edges once, when it lays the tile out.
 */
function inLayout(shape: CollisionShape, rotation: ViewRotation, [dx, dy]: readonly [number, number]): CollisionShape {
  if (rotation.isNone) return shape;
  if ('r' in shape) {
    const [cx, cy] = rotation.toMap(shape.cx, shape.cy);
    return { ...shape, cx, cy };
  }
  return { x1: shape.x1 + dx, y1: shape.y1 + dy, x2: shape.x2 + dx, y2: shape.y2 + dy };
}

function isInside(shape: CollisionShape, e: Extent): boolean {
  const box: Box = 'r' in shape ? { x1: shape.cx - shape.r, y1: shape.cy - shape.r, x2: shape.cx + shape.r, y2: shape.cy + shape.r } : shape;
  return box.x1 >= e.left && box.x2 <= e.right && box.y1 >= e.top && box.y2 <= e.bottom;
}

/**
 * How anchors are spaced on this feature's lines, as MapLibre's symbol layout measures it
 * in the tile: the label length is the longer of text and icon, both scaled by
 * text-size / 24 (MapLibre's textMaxBoxScale, applied to icons too).
 */
function anchorSpacing(c: SymbolLayoutContext, { tf, feature, shaped, image }: SymbolFeature): AnchorSpacing {
  const { read } = c;
  const { pxPerLayoutPx, overscaling } = layoutScale(tf.placement, c.pixelRatio);
  const hasText = c.properties.isSet('text-field');
  const boxScale = ((hasText ? read('text-size')(feature) : 16) / GLYPH_SIZE_PX) * pxPerLayoutPx;
  const textLength = shaped ? shaped.shaping.right - shaped.shaping.left : 0;
  const iconLength = image ? image.width / image.pixelRatio : 0;
  return {
    spacingPx: read('symbol-spacing')(feature) * pxPerLayoutPx,
    labelLengthPx: Math.max(textLength, iconLength) * boxScale,
    angleWindowPx: shaped ? (3 / 5) * GLYPH_SIZE_PX * boxScale : 0,
    maxAngleRad: (read('text-max-angle')(feature) * Math.PI) / 180,
    startGapPx: 2 * GLYPH_SIZE_PX * boxScale,
    overscaling,
  };
}

/**
 * Whether symbols that may overlap draw top to bottom: MapLibre's symbol-z-order
 * `viewport-y`, which `auto` means without a sort key.
 */
function drawsByViewportY(layer: SymbolLayer, globals: GlobalProperties): boolean {
  const property = (name: Parameters<SymbolLayer['properties']['get']>[0]) => layer.properties.get(name).evaluate(globals);
  const zOrder = property('symbol-z-order');
  if (zOrder !== 'viewport-y' && !(zOrder === 'auto' && !layer.sortKey)) return false;
  return [property('text-allow-overlap'), property('icon-allow-overlap'), property('text-ignore-placement'), property('icon-ignore-placement')].some(Boolean);
}

/**
 * Anchors of a feature in map-frame pixels, as MapLibre's point placement picks them: every
 * point, a line's first vertex, a polygon's centre (the middle of its outer ring's box here,
 * where MapLibre takes the pole of inaccessibility).
 */
function anchorsOf(tf: TileFeature): [number, number][] {
  const { coords, ringEnds } = tf.geometry();
  if (tf.type === 1) {
    const anchors: [number, number][] = [];
    for (let i = 0; i < coords.length; i += 2) anchors.push([coords[i]!, coords[i + 1]!]);
    return anchors;
  }
  if (tf.type === 2) {
    const anchors: [number, number][] = [];
    let start = 0;
    for (const end of ringEnds) {
      if (end > start) anchors.push([coords[start * 2]!, coords[start * 2 + 1]!]);
      start = end;
    }
    return anchors;
  }
  if (tf.type === 3 && ringEnds.length > 0) {
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < ringEnds[0]!; i++) {
      const x = coords[i * 2]!;
      const y = coords[i * 2 + 1]!;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    return [[(minX + maxX) / 2, (minY + maxY) / 2]];
  }
  return [];
}
