/**
 * A MapLibre style compiled for drawing: filters, paint and layout properties turned into
 * evaluators by @maplibre/maplibre-gl-style-spec (never re-implemented here), once per
 * style object. Pure: no canvas, no node: imports.
 */
import {
  createVisibilityExpression,
  expression,
  featureFilter,
  latest,
  type BackgroundLayerSpecification,
  type CameraFunctionSpecification,
  type CircleLayerSpecification,
  type Color,
  type CompositeFunctionSpecification,
  type ExpressionSpecification,
  type Feature,
  type FillLayerSpecification,
  type FilterSpecification,
  type GlobalProperties,
  type LayerSpecification,
  type LineLayerSpecification,
  type RasterLayerSpecification,
  type SourceFunctionSpecification,
  type StylePropertySpecification,
  type StyleSpecification,
  type SymbolLayerSpecification,
} from '@maplibre/maplibre-gl-style-spec';

/** A paint or layout property, evaluated per zoom and, when data-driven, per feature. */
export interface StyleProperty<T> {
  /** True when the value depends on the feature (a `get`, `match` on properties, ...). */
  readonly featureDependent: boolean;
  evaluate(globals: GlobalProperties, feature?: Feature): T;
}

/** A property bound to one render's globals: constant ones are evaluated once. */
export type FeatureValue<T> = (feature: Feature) => T;

/** The layout and paint properties of a layer type, by spec name, as the spec's TypeScript types give them. */
type PropertiesOf<L> = NonNullable<L extends { layout?: infer Layout } ? Layout : never> &
  NonNullable<L extends { paint?: infer Paint } ? Paint : never>;

/** A property's spec name for a layer type. */
export type PropertyName<L> = keyof PropertiesOf<L> & string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any value type: only the shapes matter here
type NotAValue = ExpressionSpecification | CameraFunctionSpecification<any> | SourceFunctionSpecification<any> | CompositeFunctionSpecification<any>;

/** Properties with no default in the spec: undefined unless the style sets them. */
type WithoutDefault = 'line-dasharray' | `${string}-sort-key`;

/**
 * What a property evaluates to: a Color for colours (undefined when nothing is drawn),
 * opaque values for what the drawing code resolves itself (formatted text, images,
 * padding), else the value type the spec declares.
 */
export type PropertyValue<K extends string, S> = K extends `${string}-color`
  ? Color | undefined
  : K extends 'text-field' | 'icon-image' | 'icon-padding' | `${string}-pattern`
    ? unknown
    : K extends WithoutDefault
      ? Exclude<NonNullable<S>, NotAValue> | undefined
      : Exclude<NonNullable<S>, NotAValue>;

/**
 * A layer's properties read by spec name, compiled on first use and kept; an unset
 * property takes the spec's default. `isSet` tells the ones whose absence changes what
 * is drawn (a pattern, an outline colour) from their defaults.
 */
export interface LayerProperties<L> {
  get<K extends PropertyName<L>>(name: K): StyleProperty<PropertyValue<K, PropertiesOf<L>[K]>>;
  isSet(name: PropertyName<L>): boolean;
}

interface LayerBase {
  readonly id: string;
  /** Where the layer sits in `style.layers`, for messages. */
  readonly index: number;
  readonly minzoom: number;
  readonly maxzoom: number;
  readonly visible: boolean;
}

interface FeatureLayerBase extends LayerBase {
  readonly source: string;
  readonly sourceLayer: string;
  readonly filter: (globals: GlobalProperties, feature: Feature) => boolean;
  /** `*-sort-key`: features of a tile are drawn in ascending key order. */
  readonly sortKey: StyleProperty<number | undefined> | undefined;
  /** `*-layer-opacity`: applied once to the whole layer, so overlaps do not accumulate. */
  readonly layerOpacity: StyleProperty<number>;
  /** `*-layer-blend` as a canvas composite operation ('source-over' for normal). */
  readonly layerBlend: GlobalCompositeOperationName;
}

export interface BackgroundLayer extends LayerBase {
  readonly type: 'background';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<BackgroundLayerSpecification>;
}

export interface FillLayer extends FeatureLayerBase {
  readonly type: 'fill';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<FillLayerSpecification>;
}

export interface LineLayer extends FeatureLayerBase {
  readonly type: 'line';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<LineLayerSpecification>;
}

export interface CircleLayer extends FeatureLayerBase {
  readonly type: 'circle';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<CircleLayerSpecification>;
}

/**
 * A symbol layer: its text and icons are read by spec name from `properties` where they
 * are used (see symbol-layout.ts), with the spec's defaults.
 */
export interface SymbolLayer extends FeatureLayerBase {
  readonly type: 'symbol';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<SymbolLayerSpecification>;
  /** True when text-field is a string or zoom function whose `{field}` tokens name feature properties. */
  readonly textFieldHasTokens: boolean;
  /** As textFieldHasTokens, for icon-image (`{maki}-12`). */
  readonly iconImageHasTokens: boolean;
}

/** A raster layer: the pictures of a `raster` or `image` source, colour-adjusted. */
export interface RasterLayer extends LayerBase {
  readonly type: 'raster';
  /** Any property by its spec name (see LayerProperties). */
  readonly properties: LayerProperties<RasterLayerSpecification>;
  readonly source: string;
}

/** The layer types drawn so far. */
export type CompiledLayer = BackgroundLayer | FillLayer | LineLayer | CircleLayer | SymbolLayer | RasterLayer;

export type FeatureLayer = FillLayer | LineLayer | CircleLayer | SymbolLayer;

export interface CompiledStyle {
  /** Drawable layers in style order; layers of other types are left out. */
  readonly layers: readonly CompiledLayer[];
}

/** The canvas composite operations `*-layer-blend` maps to. */
export type GlobalCompositeOperationName =
  | 'source-over'
  | 'multiply'
  | 'color'
  | 'luminosity'
  | 'lighter'
  | 'screen'
  | 'overlay';

const BLEND_OPERATIONS: Record<string, GlobalCompositeOperationName> = {
  normal: 'source-over',
  multiply: 'multiply',
  color: 'color',
  luminosity: 'luminosity',
  'plus-lighter': 'lighter',
  screen: 'screen',
  overlay: 'overlay',
};

const compiledStyles = new WeakMap<StyleSpecification, CompiledStyle>();

/**
 * The compiled form of a style, built on first use and kept as long as the style object
 * lives. Throws on an expression the style spec rejects, naming the layer and property;
 * call it when a style is loaded to fail early.
 */
export function compileStyle(style: StyleSpecification): CompiledStyle {
  let compiled = compiledStyles.get(style);
  if (!compiled) {
    const globalState = globalStateDefaults(style);
    const layers: CompiledLayer[] = [];
    style.layers.forEach((layer, index) => {
      const drawable = compileLayer(layer, index, globalState);
      if (drawable) layers.push(drawable);
    });
    compiled = { layers };
    compiledStyles.set(style, compiled);
  }
  return compiled;
}

/** Whether a layer draws at this zoom: visible, and minzoom <= zoom < maxzoom as in MapLibre. */
export function isLayerShown(layer: CompiledLayer, zoom: number): boolean {
  return layer.visible && zoom >= layer.minzoom && zoom < layer.maxzoom;
}

/**
 * A layer's properties bound to one render's globals, read by spec name: each is bound on
 * first use and kept, so `read('text-size')(feature)` costs a call where the value is
 * constant over the render.
 */
export function boundProperties<L>(properties: LayerProperties<L>, globals: GlobalProperties): BoundProperties<L> {
  const bound = new Map<string, FeatureValue<unknown>>();
  return ((name: PropertyName<L>) => {
    let value = bound.get(name);
    if (!value) bound.set(name, (value = bindProperty(properties.get(name), globals)));
    return value;
  }) as BoundProperties<L>;
}

/** A layer's properties by spec name, each a function of the feature (see boundProperties). */
export type BoundProperties<L> = <K extends PropertyName<L>>(name: K) => FeatureValue<PropertyValue<K, PropertiesOf<L>[K]>>;

/** Binds a property to a render's globals; feature-independent values are evaluated once. */
export function bindProperty<T>(property: StyleProperty<T>, globals: GlobalProperties): FeatureValue<T> {
  if (property.featureDependent) return (feature) => property.evaluate(globals, feature);
  const value = property.evaluate(globals);
  return () => value;
}

/**
 * A CSS colour for the canvas from a style-spec Color (premultiplied r, g, b in 0..1)
 * times an opacity; undefined when nothing would be drawn.
 */
export function toCssColor(color: Color | undefined, opacity: number): string | undefined {
  if (!color) return undefined;
  const alpha = color.a * opacity;
  if (!(alpha > 0)) return undefined;
  // Colour.toString() un-premultiplies; done by hand here to fold the opacity in.
  const r = Math.round((color.r / color.a) * 255);
  const g = Math.round((color.g / color.a) * 255);
  const b = Math.round((color.b / color.a) * 255);
  return `rgba(${r},${g},${b},${Math.min(alpha, 1)})`;
}

function compileLayer(
  layer: LayerSpecification,
  index: number,
  globalState: Record<string, unknown>,
): CompiledLayer | undefined {
  const prefix = `layers[${index}]`;
  const base: LayerBase = {
    id: layer.id,
    index,
    minzoom: layer.minzoom ?? 0,
    maxzoom: layer.maxzoom ?? Number.POSITIVE_INFINITY,
    visible: wrap(layer, 'layout.visibility', () =>
      createVisibilityExpression(layer.layout?.visibility ?? 'visible', `${prefix}.layout.visibility`, globalState).evaluate() !== 'none',
    ),
  };
  const paint = (layer as { paint?: Record<string, unknown> }).paint ?? {};
  const layout = (layer as { layout?: Record<string, unknown> }).layout ?? {};
  // Typed per layer type where the switch below hands it out.
  const properties = layerProperties<never>(layer, index, globalState);
  const property = <T>(group: 'paint' | 'layout', name: string): StyleProperty<T> =>
    compileProperty<T>(layer, index, group, name, (group === 'paint' ? paint : layout)[name], globalState);

  switch (layer.type) {
    case 'background':
      return {
        ...base,
        type: 'background',
        properties: properties as LayerProperties<BackgroundLayerSpecification>,
      };
    case 'fill':
      return {
        ...featureLayerBase(layer, base, globalState, property),
        type: 'fill',
        properties: properties as LayerProperties<FillLayerSpecification>,
      };
    case 'line':
      return {
        ...featureLayerBase(layer, base, globalState, property),
        type: 'line',
        properties: properties as LayerProperties<LineLayerSpecification>,
      };
    case 'circle':
      return {
        ...featureLayerBase(layer, base, globalState, property),
        type: 'circle',
        properties: properties as LayerProperties<CircleLayerSpecification>,
      };
    case 'symbol':
      return {
        ...featureLayerBase(layer, base, globalState, property),
        type: 'symbol',
        properties: properties as LayerProperties<SymbolLayerSpecification>,
        textFieldHasTokens: hasLegacyTokens(layout['text-field']),
        iconImageHasTokens: hasLegacyTokens(layout['icon-image']),
      };
    case 'raster':
      // raster-fade-duration is not read: a static render shows every tile fully faded in.
      return {
        ...base,
        type: 'raster',
        properties: properties as LayerProperties<RasterLayerSpecification>,
        source: layer.source,
      };
    default:
      // hillshade, heatmap, fill-extrusion and color-relief are not drawn by this renderer yet.
      return undefined;
  }
}

/**
 * A layer's property reader. The properties the style sets are compiled now, so a bad
 * expression fails when the style is loaded; unset ones when first read.
 */
function layerProperties<L>(layer: LayerSpecification, index: number, globalState: Record<string, unknown>): LayerProperties<L> {
  const paint = (layer as { paint?: Record<string, unknown> }).paint ?? {};
  const layout = (layer as { layout?: Record<string, unknown> }).layout ?? {};
  const compiled = new Map<string, StyleProperty<unknown>>();
  const get = (name: string): StyleProperty<unknown> => {
    let property = compiled.get(name);
    if (!property) {
      const group = propertySpec('paint', layer.type, name) ? 'paint' : 'layout';
      property = compileProperty(layer, index, group, name, (group === 'paint' ? paint : layout)[name], globalState);
      compiled.set(name, property);
    }
    return property;
  };
  for (const name of [...Object.keys(paint), ...Object.keys(layout)]) {
    if (propertySpec('paint', layer.type, name) || propertySpec('layout', layer.type, name)) get(name);
  }
  return {
    get: get as LayerProperties<L>['get'],
    isSet: (name) => paint[name] !== undefined || layout[name] !== undefined,
  };
}

/**
 * Whether `{field}` tokens of a value are resolved, as MapLibre does for text-field values
 * that are neither expressions nor data-driven functions.
 */
function hasLegacyTokens(value: unknown): boolean {
  if (typeof value === 'string') return true;
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('property' in value);
}

function featureLayerBase(
  layer: Exclude<LayerSpecification, { type: 'background' }>,
  base: LayerBase,
  globalState: Record<string, unknown>,
  property: <T>(group: 'paint' | 'layout', name: string) => StyleProperty<T>,
): Omit<FeatureLayerBase, keyof LayerBase> & LayerBase {
  const type = layer.type;
  const filter = wrap(layer, 'filter', () =>
    featureFilter(layer.filter as FilterSpecification | undefined, `layers[${base.index}].filter`, globalState),
  );
  const layout = (layer as { layout?: Record<string, unknown> }).layout ?? {};
  const paint = (layer as { paint?: Record<string, unknown> }).paint ?? {};
  const blend = paint[`${type}-layer-blend`];
  return {
    ...base,
    source: 'source' in layer ? String(layer.source) : '',
    sourceLayer: 'source-layer' in layer && layer['source-layer'] !== undefined ? layer['source-layer'] : '',
    filter: (globals, feature) => filter.filter(globals, feature),
    sortKey: layout[`${type}-sort-key`] === undefined ? undefined : property('layout', `${type}-sort-key`),
    layerOpacity: hasSpec('paint', `${type}-layer-opacity`)
      ? property('paint', `${type}-layer-opacity`)
      : { featureDependent: false, evaluate: () => 1 },
    layerBlend: (typeof blend === 'string' && BLEND_OPERATIONS[blend]) || 'source-over',
  };
}

/** Compiles one property with the spec's own parser; a missing value takes the spec default. */
function compileProperty<T>(
  layer: LayerSpecification,
  index: number,
  group: 'paint' | 'layout',
  name: string,
  value: unknown,
  globalState: Record<string, unknown>,
): StyleProperty<T> {
  const spec = propertySpec(group, layer.type, name);
  if (!spec) throw new Error(`Style layer "${layer.id}" (layers[${index}]): ${group}.${name} is not in the style spec`);
  const compiled = wrap(layer, `${group}.${name}`, () =>
    expression.normalizePropertyExpression(
      (value === undefined ? spec.default : value) as never,
      `layers[${index}].${group}.${name}`,
      spec,
      globalState,
    ),
  );
  const fallback = spec.default === undefined || spec.type === 'color' ? undefined : spec.default;
  return {
    featureDependent: compiled.kind === 'source' || compiled.kind === 'composite',
    // The spec's evaluate() already falls back to the default on runtime errors; `??`
    // covers constants the style left null.
    evaluate: (globals, feature) => (compiled.evaluate(globals, feature) ?? fallback) as T,
  };
}

type SpecGroups = Record<string, Record<string, StylePropertySpecification> | undefined>;

function propertySpec(group: 'paint' | 'layout', layerType: string, name: string): StylePropertySpecification | undefined {
  return (latest as unknown as SpecGroups)[`${group}_${layerType}`]?.[name];
}

function hasSpec(group: 'paint' | 'layout', name: string): boolean {
  const layerType = name.slice(0, name.indexOf('-layer-'));
  return propertySpec(group, layerType, name) !== undefined;
}

/** Default values of the style's global state (`state` in the root), for `global-state`. */
function globalStateDefaults(style: StyleSpecification): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(style.state ?? {})) defaults[key] = (schema as { default?: unknown }).default;
  return defaults;
}

function wrap<T>(layer: LayerSpecification, what: string, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    throw new Error(`Style layer "${layer.id}" ${what}: ${(error as Error).message}`, { cause: error });
  }
}
