/**
 * Symbol placement, MapLibre's second stage: the symbols the layout stage gave (anchored
 * texts and icons with their collision shapes) are placed against one collision index, from
 * the top layer of the style down and, within a layer, in layout order; then each layer's
 * winners are put in draw order. Pure: no canvas, no glyphs, so it is tested on boxes alone.
 */
import type { CollisionIndex, CollisionShape } from './collision-index.ts';

/** A text or icon that may be placed, and what it draws if it is. */
export interface Candidate<T> {
  readonly item: T;
  /** One box, or the circles of a label along a line, on the screen. */
  readonly shapes: readonly CollisionShape[];
  readonly allowOverlap: boolean;
  readonly ignorePlacement: boolean;
  /** text-optional / icon-optional: the symbol may show without it. */
  readonly optional: boolean;
}

/** One anchor's text and icon, with what their draw order depends on. */
export interface SymbolInstance<Text, Icon> {
  readonly text: Candidate<Text> | undefined;
  readonly icon: Candidate<Icon> | undefined;
  /** The tile's place in placement order, the anchor's screen y, the feature's index in its tile. */
  readonly tile: number;
  readonly y: number;
  readonly index: number;
}

/** A layer's symbols as laid out, in placement order. */
export interface LaidOutLayer<Text, Icon> {
  readonly instances: readonly SymbolInstance<Text, Icon>[];
  /**
   * Whether symbols that may overlap draw top to bottom, so lower ones cover higher ones:
   * MapLibre's symbol-z-order `viewport-y`, which `auto` means without a sort key.
   */
  readonly drawsByViewportY: boolean;
}

/** A layer's texts and icons that won their place, in draw order. */
export interface PlacedLayer<Text, Icon> {
  readonly texts: readonly Text[];
  readonly icons: readonly Icon[];
}

/**
 * Places each layer's symbols; `layers` in style order, placed from the last (the top) to
 * the first, as MapLibre does, so a label drawn above wins its room.
 */
export function placeLayers<Text, Icon>(layers: readonly LaidOutLayer<Text, Icon>[], collisions: CollisionIndex): PlacedLayer<Text, Icon>[] {
  const placed = new Array<PlacedLayer<Text, Icon>>(layers.length);
  for (let i = layers.length - 1; i >= 0; i--) placed[i] = placeLayer(layers[i]!, collisions);
  return placed;
}

/** One layer's symbols placed in order against the collision index, then put in draw order. */
export function placeLayer<Text, Icon>(layer: LaidOutLayer<Text, Icon>, collisions: CollisionIndex): PlacedLayer<Text, Icon> {
  const texts: Drawn<Text>[] = [];
  const icons: Drawn<Icon>[] = [];
  for (const instance of layer.instances) {
    const placed = placeSymbol(collisions, instance.text, instance.icon);
    if (placed.text) texts.push({ ...instance, item: instance.text!.item });
    if (placed.icon) icons.push({ ...instance, item: instance.icon!.item });
  }
  return { texts: drawOrder(texts, layer.drawsByViewportY), icons: drawOrder(icons, layer.drawsByViewportY) };
}

/**
 * Places a symbol's text and icon as MapLibre's placement does: each must find room (or
 * allow overlap); unless one of them is optional, both show or neither; what shows takes
 * its room unless it ignores placement.
 */
export function placeSymbol(
  index: CollisionIndex,
  text: Candidate<unknown> | undefined,
  icon: Candidate<unknown> | undefined,
): { text: boolean; icon: boolean } {
  const fits = (c: Candidate<unknown>): boolean => c.allowOverlap || !c.shapes.some((shape) => index.collides(shape));
  let placeText = text !== undefined && fits(text);
  let placeIcon = icon !== undefined && fits(icon);
  const iconWithoutText = !text || text.optional;
  const textWithoutIcon = !icon || icon.optional;
  if (!iconWithoutText && !textWithoutIcon) placeText = placeIcon = placeText && placeIcon;
  else if (!textWithoutIcon) placeText = placeText && placeIcon;
  else if (!iconWithoutText) placeIcon = placeText && placeIcon;
  if (placeText && !text!.ignorePlacement) for (const shape of text!.shapes) index.insert(shape);
  if (placeIcon && !icon!.ignorePlacement) for (const shape of icon!.shapes) index.insert(shape);
  return { text: placeText, icon: placeIcon };
}

interface Drawn<T> {
  readonly item: T;
  readonly tile: number;
  readonly y: number;
  readonly index: number;
}

/** The items in draw order: placement order, or per tile by anchor y (ties: later features first) as MapLibre sorts a bucket. */
function drawOrder<T>(drawn: Drawn<T>[], sortByY: boolean): T[] {
  // Anchors sit on the tile's integer grid, so equal canvas y means equal tile y, as MapLibre compares.
  if (sortByY) drawn.sort((a, b) => a.tile - b.tile || a.y - b.y || b.index - a.index);
  return drawn.map((d) => d.item);
}
