/**
 * grundkarta as a Mapnik XML style, for the cold-rendering peer (bench/peers/mapnik.ts).
 *
 * Colours, widths, opacities, dashes, text sizes and halos are not copied by hand: they are
 * the engine's own style (styles/grundkarta.yaml over styles/sodertorn/) evaluated with the
 * style spec at every XYZ level, one Mapnik rule per level where a value changes with the
 * zoom (Mapnik has no zoom interpolation; its tiles only ever sit on whole levels). What is
 * written by hand is what has no generic translation: the SQL of each Mapnik layer (the
 * rows a level draws, as the engine's tile content rules keep them), and the filters and
 * placements of the label layers.
 *
 * Scales: a 256-px XYZ tile of level z is drawn at MapLibre zoom z − 1 (512-px worlds, as
 * the engine's raster tiles are: src/grids/metatile.ts styleZoomOf), so a style layer with
 * minzoom m is drawn from XYZ m + 1; each level's rule spans the scale denominators within
 * half a level of Mapnik's 559082264.028 / 2^z.
 *
 * Not translated (Mapnik 3.1 has no equivalent): icon-text-fit (the route shields keep the
 * SVG's 24 × 16 px instead of stretching around the number), text-max-angle is Mapnik's
 * max-char-angle-delta between characters, MapLibre's collision boxes and SDF halos.
 */
import { expression, featureFilter, latest, type LayerSpecification, type StyleSpecification, type StylePropertySpecification } from '@maplibre/maplibre-gl-style-spec';
import { LAYER_TABLES, type LayerName } from '../../../tools/demo/layers.ts';

/** Mapnik's scale denominator of a 256-px XYZ tile at level 0 (0.28 mm pixels). */
const SCALE_Z0 = 559_082_264.028_717_8;

/** How the Mapnik style reaches the bench database and the style's files. */
export interface MapnikStyleOptions {
  /** Parameters of Mapnik's postgis datasource: host, port, user, password, dbname. */
  readonly postgis: Readonly<Record<string, string>>;
  /** Absolute folder of the SVG icons (styles/icons). */
  readonly iconsDir: string;
  /** Absolute folder of the Noto fonts (fonts/). */
  readonly fontsDir: string;
  /** XYZ levels the rules are written for, inclusive. */
  readonly zooms: readonly [number, number];
  /** Pixels around the image within which features are read and labels placed (renderd's buffer-size). */
  readonly bufferPx: number;
  /** [minX, minY, maxX, maxY] of the data in EPSG:3006, so Mapnik does not ask PostGIS for each table's extent. */
  readonly extent3006: readonly [number, number, number, number];
}

/** Scale denominator of XYZ level z. */
const scaleOf = (z: number) => SCALE_Z0 / 2 ** z;

/** The rule elements that confine a rule to XYZ levels from..to (inclusive). */
function scaleRange(from: number, to: number): string {
  return `<MaxScaleDenominator>${round(scaleOf(from) * Math.SQRT2)}</MaxScaleDenominator><MinScaleDenominator>${round(scaleOf(to) / Math.SQRT2)}</MinScaleDenominator>`;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Escapes element text (filters, SQL), leaving quotes readable. */
const textEscape = (s: string) => s.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A feature as the style spec evaluates it. */
interface SampleFeature {
  readonly type: 'Point' | 'LineString' | 'Polygon';
  readonly properties: Record<string, string>;
}

/** A paint or layout property of a style layer at a MapLibre zoom, for one feature. */
function evaluate(layer: LayerSpecification, group: 'paint' | 'layout', name: string, zoom: number, feature?: SampleFeature): unknown {
  const spec = (latest as unknown as Record<string, Record<string, StylePropertySpecification> | undefined>)[`${group}_${layer.type}`]?.[name];
  if (!spec) throw new Error(`${layer.id}: ${group}.${name} is not in the style spec`);
  const value = (layer as unknown as Record<string, Record<string, unknown> | undefined>)[group]?.[name];
  const compiled = expression.normalizePropertyExpression((value === undefined ? (spec as { default?: unknown }).default : value) as never, `${layer.id}.${group}.${name}`, spec);
  return compiled.evaluate({ zoom }, (feature ?? { type: 'Point', properties: {} }) as never);
}

/** A colour as Mapnik reads it. */
function colour(value: unknown): string {
  const c = value as { r: number; g: number; b: number; a: number };
  // The spec's colours are premultiplied.
  const un = (v: number) => (c.a === 0 ? 0 : Math.round((v / c.a) * 255));
  return c.a === 1 ? `rgb(${un(c.r)},${un(c.g)},${un(c.b)})` : `rgba(${un(c.r)},${un(c.g)},${un(c.b)},${round(c.a)})`;
}

const number = (value: unknown) => round(Number(value));

/**
 * The features a style layer may see, one per value of its table's enumerated column
 * (klass, andamal, typ): enough to evaluate a `match` on it, and to say which values its
 * filter keeps. Tables without one give a single feature.
 */
function samplesOf(table: LayerName): { filter: string | undefined; feature: SampleFeature }[] {
  const def = LAYER_TABLES[table];
  const type = def.geometryType;
  const column = def.columns.find((c) => 'values' in c);
  if (!column || !('values' in column)) return [{ filter: undefined, feature: { type, properties: {} } }];
  return column.values.map((value) => ({ filter: `[${column.name}] = '${value}'`, feature: { type, properties: { [column.name]: value } } }));
}

/**
 * Rules of a fill or line layer: for each XYZ level it is drawn at, the symbolizers of each
 * value of the enumerated column its filter keeps; values drawn alike share a rule and
 * levels drawn alike share a scale range.
 */
function dataRules(layer: LayerSpecification, table: LayerName, zooms: readonly number[]): string[] {
  const filter = featureFilter(('filter' in layer ? layer.filter : undefined) as never, layer.id);
  const perZoom = zooms.map((z) => {
    const zoom = z - 1;
    const bySymbolizer = new Map<string, string[]>();
    const samples = samplesOf(table);
    let kept = 0;
    for (const { filter: mapnikFilter, feature } of samples) {
      if (!filter.filter({ zoom }, feature as never)) continue;
      kept++;
      const symbolizer = symbolizerOf(layer, zoom, feature);
      if (!symbolizer) continue;
      bySymbolizer.set(symbolizer, [...(bySymbolizer.get(symbolizer) ?? []), mapnikFilter ?? '']);
    }
    // Every value drawn alike: no filter at all.
    const all = kept === samples.length;
    return [...bySymbolizer].map(([symbolizer, filters]) => ({ symbolizer, filter: all && bySymbolizer.size === 1 ? '' : filters.filter(Boolean).join(' or ') }));
  });
  return mergeLevels(zooms, perZoom);
}

/** Runs of consecutive levels with the same rules become one rule each. */
function mergeLevels(zooms: readonly number[], perZoom: readonly { symbolizer: string; filter: string }[][]): string[] {
  const rules: string[] = [];
  const open = new Map<string, { from: number; to: number; symbolizer: string; filter: string }>();
  const close = (key: string) => {
    const r = open.get(key)!;
    rules.push(`<Rule>${r.filter ? `<Filter>${textEscape(r.filter)}</Filter>` : ''}${scaleRange(r.from, r.to)}${r.symbolizer}</Rule>`);
    open.delete(key);
  };
  zooms.forEach((z, i) => {
    const keys = new Set<string>();
    for (const rule of perZoom[i]!) {
      const key = `${rule.filter}\n${rule.symbolizer}`;
      keys.add(key);
      const running = open.get(key);
      if (running && running.to === z - 1) running.to = z;
      else {
        if (running) close(key);
        open.set(key, { from: z, to: z, ...rule });
      }
    }
    for (const key of [...open.keys()]) if (!keys.has(key)) close(key);
  });
  for (const key of [...open.keys()]) close(key);
  return rules;
}

/** Mapnik symbolizers of one feature of a fill or line layer at a MapLibre zoom. */
function symbolizerOf(layer: LayerSpecification, zoom: number, feature: SampleFeature): string | undefined {
  if (layer.type === 'fill') {
    const fill = colour(evaluate(layer, 'paint', 'fill-color', zoom, feature));
    const opacity = number(evaluate(layer, 'paint', 'fill-opacity', zoom, feature));
    const outline = layer.paint?.['fill-outline-color'] === undefined ? '' : `<LineSymbolizer stroke="${colour(evaluate(layer, 'paint', 'fill-outline-color', zoom, feature))}" stroke-width="1"${opacity === 1 ? '' : ` stroke-opacity="${opacity}"`}/>`;
    return `<PolygonSymbolizer fill="${fill}"${opacity === 1 ? '' : ` fill-opacity="${opacity}"`}/>${outline}`;
  }
  if (layer.type === 'line') {
    const width = number(evaluate(layer, 'paint', 'line-width', zoom, feature));
    const opacity = number(evaluate(layer, 'paint', 'line-opacity', zoom, feature));
    if (width <= 0 || opacity <= 0) return undefined;
    const cap = String(evaluate(layer, 'layout', 'line-cap', zoom, feature));
    const join = String(evaluate(layer, 'layout', 'line-join', zoom, feature));
    // MapLibre counts dashes in line widths.
    const dashes = layer.paint?.['line-dasharray'] === undefined ? undefined : (evaluate(layer, 'paint', 'line-dasharray', zoom, feature) as number[]);
    const dash = dashes && dashes.length > 0 ? ` stroke-dasharray="${dashes.map((d) => round(d * width, 2)).join(',')}"` : '';
    return (
      `<LineSymbolizer stroke="${colour(evaluate(layer, 'paint', 'line-color', zoom, feature))}" stroke-width="${width}"` +
      `${opacity === 1 ? '' : ` stroke-opacity="${opacity}"`} stroke-linecap="${cap}" stroke-linejoin="${join}"${dash}/>`
    );
  }
  throw new Error(`${layer.id}: a ${layer.type} layer is not a data layer`);
}

/** What the hand-written label rules say per style layer: the Mapnik filter, symbolizer and its text. */
interface LabelRule {
  readonly filter?: string;
  /** TextSymbolizer or ShieldSymbolizer. */
  readonly kind?: 'text' | 'shield';
  /** Mapnik expression of the text. */
  readonly text: string;
  /** ShieldSymbolizer's image (an SVG of styles/icons); for a text, an icon drawn with it (a shield with the text displaced). */
  readonly icon?: string;
  /** Extra Mapnik attributes. */
  readonly attributes?: Record<string, string | number>;
}

/**
 * The label layers: MapLibre filters, text fields and icons written as Mapnik filters and
 * expressions (regular expressions for the route-number prefixes); per level, a function of
 * the level's zoom.
 */
const LABELS: Readonly<Record<string, (zoom: number) => readonly LabelRule[]>> = {
  'vag-namn': () => [
    {
      filter: "[klass] = 'huvudgata' or [klass] = 'lokalgata' or ([klass] = 'motorväg' and not [namn].match('E.*') and not [namn].match('Väg .*'))",
      text: '[namn]',
      attributes: { placement: 'line', spacing: 250 },
    },
  ],
  // MapLibre: one symbol every 400 px along the motorway, kept horizontal, the number on a shield.
  vagnummer: () => [
    { filter: "[klass] = 'motorväg' and [namn].match('E.*')", kind: 'shield', text: '[namn]', icon: 'skold-europavag', attributes: { placement: 'line', spacing: 400 } },
    { filter: "[klass] = 'motorväg' and [namn].match('Väg .*')", kind: 'shield', text: "[namn].replace('^Väg ', '')", icon: 'skold-vag', attributes: { placement: 'line', spacing: 400 } },
  ],
  'vatten-namn': () => [{ text: '[namn]' }],
  'kommun-namn': () => [{ text: '[namn]', attributes: { 'text-transform': 'uppercase' } }],
  'ortnamn-by': () => [{ filter: "[typ] = 'småort' or [typ] = 'by'", text: '[namn]' }],
  // Below zoom 12 a dot with the name under it (text-anchor top, text-offset 0.5 em), then the name alone.
  'ortnamn-tatort': (zoom) => [{ filter: "[typ] = 'tätort'", text: '[namn]', ...(zoom < 12 ? { icon: 'ort-tatort' } : {}) }],
};

/** Rules of a symbol layer at each level: the hand-written filters, with sizes and colours from the style. */
function labelRules(layer: LayerSpecification, zooms: readonly number[], options: MapnikStyleOptions): string[] {
  const labels = LABELS[layer.id];
  if (!labels) throw new Error(`symbol layer ${layer.id} has no Mapnik translation in bench/peers/mapnik/grundkarta-xml.ts`);
  const perZoom = zooms.map((z) => {
    const zoom = z - 1;
    const get = (group: 'paint' | 'layout', name: string) => evaluate(layer, group, name, zoom);
    const size = number(get('layout', 'text-size'));
    const font = (get('layout', 'text-font') as string[])[0]!;
    const haloWidth = number(get('paint', 'text-halo-width'));
    const common: Record<string, string | number> = {
      'face-name': font,
      size,
      fill: colour(get('paint', 'text-color')),
      ...(haloWidth > 0 ? { 'halo-fill': colour(get('paint', 'text-halo-color')), 'halo-radius': haloWidth } : {}),
      // text-padding: the space kept around a label.
      margin: number(get('layout', 'text-padding')),
    };
    const letterSpacing = number(get('layout', 'text-letter-spacing'));
    if (letterSpacing !== 0) common['character-spacing'] = round(letterSpacing * size, 2);
    const placement = String(get('layout', 'symbol-placement'));
    if (placement === 'line') common['max-char-angle-delta'] = number(get('layout', 'text-max-angle'));
    else common['wrap-width'] = round(number(get('layout', 'text-max-width')) * size, 1);
    return labels(zoom).map((rule) => {
      const attributes = { ...common, ...rule.attributes };
      let symbolizer: string;
      if (rule.kind === 'shield' || rule.icon) {
        attributes.file = `${options.iconsDir}/${rule.icon}.svg`;
        if (rule.kind !== 'shield') {
          // The icon at the point, the text under it: text-anchor top with text-offset [0, 0.5] em.
          Object.assign(attributes, { 'unlock-image': 'true', dy: round(size * 0.5 + size / 2, 1) });
        }
        symbolizer = `<ShieldSymbolizer ${attributesOf(attributes)}>${textEscape(rule.text)}</ShieldSymbolizer>`;
      } else {
        symbolizer = `<TextSymbolizer ${attributesOf(attributes)}>${textEscape(rule.text)}</TextSymbolizer>`;
      }
      return { symbolizer, filter: rule.filter ?? '' };
    });
  });
  return mergeLevels(zooms, perZoom);
}

const attributesOf = (attributes: Record<string, string | number>) =>
  Object.entries(attributes)
    .map(([k, v]) => `${k}="${xmlEscape(String(v))}"`)
    .join(' ');

/**
 * The rows of a table one Mapnik layer reads, as the engine's tile content rules keep them
 * (what the styles draw at the level): a subquery where !scale_denominator! is Mapnik's scale.
 * labelPoint: the point the engine labels a polygon at (src/sources/postgis/mvt-query.ts),
 * so its expression index serves Mapnik's bbox condition too.
 */
function layerSql(table: LayerName, labels: boolean): string {
  const below = (z: number) => `!scale_denominator! < ${round(scaleOf(z) * Math.SQRT2)}`;
  const labelPoint = 'CASE WHEN ST_Dimension(geom) = 2 THEN (ST_MaximumInscribedCircle(geom)).center ELSE ST_PointOnSurface(geom) END';
  const select = (columns: string, where?: string, geom = 'geom') => `(SELECT ${geom} AS geom${columns ? `, ${columns}` : ''} FROM ${table}${where ? ` WHERE ${where}` : ''}) AS ${table}`;
  switch (`${table}${labels ? ' labels' : ''}`) {
    case 'mark':
      return select('klass', "klass <> 'vatten'");
    case 'vatten':
      return select('typ');
    case 'byggnad':
      return select('andamal');
    // Local streets and footpaths from XYZ 11 (vag-lokal's minzoom 10).
    case 'vag':
      return select('klass', `klass IN ('motorväg', 'huvudgata') OR ${below(11)}`);
    case 'jarnvag':
      return select('typ');
    case 'kommun':
      return select('');
    // Route numbers from XYZ 9, street names from XYZ 14 (vag-namn's minzoom 13).
    case 'vag labels':
      return select('klass, namn', `namn IS NOT NULL AND (klass = 'motorväg' OR ${below(14)})`);
    case 'vatten labels':
      return select('namn', 'namn IS NOT NULL', labelPoint);
    case 'kommun labels':
      return select('namn', undefined, labelPoint);
    // Villages from XYZ 12 (ortnamn-by's minzoom 11).
    case 'ortnamn labels':
      return select('namn, typ', `typ = 'tätort' OR ${below(12)}`);
    default:
      throw new Error(`no Mapnik SQL for table ${table}${labels ? ' (labels)' : ''}`);
  }
}

/** The table a style layer's source layer reads (the tileset config's label point layers read their polygons' table). */
function tableOf(sourceLayer: string): LayerName {
  const table = sourceLayer.replace(/_etikett$/, '');
  if (!Object.hasOwn(LAYER_TABLES, table)) throw new Error(`source layer ${sourceLayer} reads no demo table`);
  return table as LayerName;
}

/**
 * The Mapnik XML of a MapLibre style over the Södertörn tileset: the background as the
 * map's colour, then one Mapnik layer per run of consecutive style layers over the same
 * source layer (one query, its features kept for each of the run's styles), in the style's
 * order, so the drawing order is MapLibre's.
 */
export function mapnikXmlOf(style: StyleSpecification, options: MapnikStyleOptions): string {
  const zooms = Array.from({ length: options.zooms[1] - options.zooms[0] + 1 }, (_, i) => options.zooms[0] + i);
  const layers = style.layers.filter((l) => (l.layout as { visibility?: string } | undefined)?.visibility !== 'none');
  const background = layers.find((l) => l.type === 'background');
  const runs: { sourceLayer: string; labels: boolean; layers: LayerSpecification[] }[] = [];
  for (const layer of layers) {
    if (layer.type === 'background') continue;
    if (layer.type !== 'fill' && layer.type !== 'line' && layer.type !== 'symbol') throw new Error(`${layer.id}: ${layer.type} layers have no Mapnik translation here`);
    const sourceLayer = (layer as { 'source-layer': string })['source-layer'];
    const labels = layer.type === 'symbol';
    const last = runs.at(-1);
    if (last && last.sourceLayer === sourceLayer && last.labels === labels) last.layers.push(layer);
    else runs.push({ sourceLayer, labels, layers: [layer] });
  }
  // MapLibre places symbols from the top layer down (a town's name wins over the street
  // names under it); Mapnik places them as it draws. The symbol layers are the style's
  // last, over every other, so drawing them in reverse order gives MapLibre's priority.
  const firstLabels = runs.findIndex((r) => r.labels);
  if (firstLabels >= 0 && runs.slice(firstLabels).some((r) => !r.labels)) throw new Error('a symbol layer under a fill or line layer: Mapnik would place its labels in another order than MapLibre');
  if (firstLabels >= 0) {
    const labels = runs.splice(firstLabels).reverse();
    for (const run of labels) run.layers.reverse();
    runs.push(...labels);
  }
  // A layer is drawn at MapLibre zooms [minzoom, maxzoom): XYZ levels minzoom + 1 to maxzoom.
  const levelsOf = (layer: LayerSpecification) => zooms.filter((z) => z - 1 >= (layer.minzoom ?? 0) && z - 1 < (layer.maxzoom ?? 24));
  const styles: string[] = [];
  const mapnikLayers: string[] = [];
  for (const run of runs) {
    const table = tableOf(run.sourceLayer);
    const names: string[] = [];
    for (const layer of run.layers) {
      const levels = levelsOf(layer);
      if (levels.length === 0) continue;
      const rules = layer.type === 'symbol' ? labelRules(layer, levels, options) : dataRules(layer, table, levels);
      styles.push(`  <Style name="${layer.id}">\n    ${rules.join('\n    ')}\n  </Style>`);
      names.push(layer.id);
    }
    if (names.length === 0) continue;
    const levels = run.layers.flatMap(levelsOf);
    const name = `${table}${run.labels ? '-text' : ''}`;
    mapnikLayers.push(
      `  <Layer name="${name}" srs="&sweref;" ${names.length > 1 ? 'cache-features="true" ' : ''}maximum-scale-denominator="${round(scaleOf(Math.min(...levels)) * Math.SQRT2)}" minimum-scale-denominator="${round(scaleOf(Math.max(...levels)) / Math.SQRT2)}">\n` +
        names.map((n) => `    <StyleName>${n}</StyleName>\n`).join('') +
        `    <Datasource base="bench"><Parameter name="table">${textEscape(layerSql(table, run.labels))}</Parameter></Datasource>\n  </Layer>`,
    );
  }
  const parameters = { type: 'postgis', ...options.postgis, geometry_field: 'geom', srid: '3006', extent: options.extent3006.join(',') };
  return `<?xml version="1.0" encoding="utf-8"?>
<!--
  ${xmlEscape(style.name ?? 'style')} translated to Mapnik by bench/peers/mapnik/grundkarta-xml.ts
  for the cold-rendering benchmark (bench/peers/mapnik.ts): generated, do not edit.
-->
<!DOCTYPE Map [
<!ENTITY merc "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs +over">
<!ENTITY sweref "+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs">
]>
<Map srs="&merc;" background-color="${background ? colour(evaluate(background, 'paint', 'background-color', zooms[0]! - 1)) : 'transparent'}" buffer-size="${options.bufferPx}" font-directory="${xmlEscape(options.fontsDir)}">
  <Datasource name="bench">
${Object.entries(parameters)
  .map(([k, v]) => `    <Parameter name="${k}">${xmlEscape(v)}</Parameter>`)
  .join('\n')}
  </Datasource>
${styles.join('\n')}
${mapnikLayers.join('\n')}
</Map>
`;
}
