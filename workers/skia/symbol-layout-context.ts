/** What the layout of one symbol layer reads over one render, shared by its text and icon layout. */
import type { SymbolLayerSpecification } from '@maplibre/maplibre-gl-style-spec';
import type { BoundProperties, LayerProperties } from './style-evaluation.ts';
import type { ViewRotation } from './view-rotation.ts';

export interface SymbolLayoutContext {
  /** The layer's properties by spec name, bound to the render's zoom. */
  readonly read: BoundProperties<SymbolLayerSpecification>;
  /** The same, unbound: whether a property depends on the feature. */
  readonly properties: LayerProperties<SymbolLayerSpecification>;
  readonly pixelRatio: number;
  readonly rotation: ViewRotation;
}

/** A `*-translate` in screen pixels: turned with the map with the `map` anchor, as given with `viewport`. */
export function translateOnScreen(
  translate: readonly [number, number],
  anchor: 'map' | 'viewport',
  { pixelRatio, rotation }: Pick<SymbolLayoutContext, 'pixelRatio' | 'rotation'>,
): [number, number] {
  const [x, y] = [translate[0] * pixelRatio, translate[1] * pixelRatio];
  return anchor === 'map' ? rotation.vectorToScreen(x, y) : [x, y];
}
