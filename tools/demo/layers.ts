import type { Geometry } from 'geojson';

/**
 * The demo base map's tables: one source of truth for the PostGIS loader, the GeoJSON file
 * writer, the tests and (by name) the server's tileset config. Layer, column and value names
 * are a contract with config/*.yaml and the styles: change them together.
 */

/** One attribute column of a demo table. */
export interface LayerColumn {
  readonly name: string;
  /** PostgreSQL type of the column. */
  readonly sqlType: 'text' | 'real' | 'integer';
  /** False when every feature has a value. */
  readonly nullable: boolean;
  /** The closed set of values, for enumerated text columns. */
  readonly values?: readonly string[];
}

/** Table definition of one demo layer; the table also has `id bigint primary key` and `geom`. */
export interface LayerTable {
  readonly geometryType: 'Polygon' | 'LineString' | 'Point';
  readonly columns: readonly LayerColumn[];
  /** One line for humans (COMMENT ON TABLE, --help). */
  readonly description: string;
}

/** Land cover classes of `mark`. */
export const MARK_CLASSES = ['skog', 'åker', 'öppen mark', 'bebyggelse', 'park', 'vatten'] as const;
/** Water types of `vatten`. */
export const WATER_TYPES = ['hav', 'sjö'] as const;
/** Road classes of `vag`, most important first. */
export const ROAD_CLASSES = ['motorväg', 'huvudgata', 'lokalgata', 'gångväg'] as const;
/** Railway types of `jarnvag`. */
export const RAIL_TYPES = ['pendeltåg', 'järnväg'] as const;
/** Building purposes of `byggnad` (Lantmäteriet's main groups). */
export const BUILDING_PURPOSES = ['bostad', 'industri', 'samhällsfunktion', 'verksamhet'] as const;
/** Place name types of `ortnamn`. */
export const PLACE_TYPES = ['tätort', 'småort', 'by'] as const;

/** The nine demo tables by layer name, in load and drawing order. */
export const LAYER_TABLES = {
  kommun: {
    geometryType: 'Polygon',
    description: 'The eight Södertörn municipalities, a seamless partition of the demo region.',
    columns: [
      { name: 'kommunkod', sqlType: 'text', nullable: false },
      { name: 'namn', sqlType: 'text', nullable: false },
    ],
  },
  mark: {
    geometryType: 'Polygon',
    description: 'Land cover, a seamless partition of the demo region.',
    columns: [{ name: 'klass', sqlType: 'text', nullable: false, values: MARK_CLASSES }],
  },
  vatten: {
    geometryType: 'Polygon',
    description: 'The Baltic, Mälaren, the Södertälje canal and lakes.',
    columns: [
      { name: 'typ', sqlType: 'text', nullable: false, values: WATER_TYPES },
      { name: 'namn', sqlType: 'text', nullable: true },
    ],
  },
  vag: {
    geometryType: 'LineString',
    description: 'Roads and streets, split where they meet water (short bridges kept).',
    columns: [
      { name: 'klass', sqlType: 'text', nullable: false, values: ROAD_CLASSES },
      { name: 'namn', sqlType: 'text', nullable: true },
    ],
  },
  jarnvag: {
    geometryType: 'LineString',
    description: 'Railways: commuter lines and main lines.',
    columns: [{ name: 'typ', sqlType: 'text', nullable: false, values: RAIL_TYPES }],
  },
  byggnad: {
    geometryType: 'Polygon',
    description: 'Building footprints; the count is the generator\'s scale knob.',
    columns: [
      { name: 'andamal', sqlType: 'text', nullable: false, values: BUILDING_PURPOSES },
      { name: 'hojd', sqlType: 'real', nullable: false },
    ],
  },
  fastighet: {
    geometryType: 'Polygon',
    description: 'Property parcels, one around each building; same id as its building.',
    columns: [{ name: 'beteckning', sqlType: 'text', nullable: false }],
  },
  adress: {
    geometryType: 'Point',
    description: 'Street addresses of dwellings and businesses, at the street side of the parcel.',
    columns: [{ name: 'gatuadress', sqlType: 'text', nullable: false }],
  },
  ortnamn: {
    geometryType: 'Point',
    description: 'Place names: towns (tätort) and villages (småort, by).',
    columns: [
      { name: 'namn', sqlType: 'text', nullable: false },
      { name: 'typ', sqlType: 'text', nullable: false, values: PLACE_TYPES },
    ],
  },
} as const satisfies Record<string, LayerTable>;

/** Name of a demo layer; also its table name and GeoJSON file name. */
export type LayerName = keyof typeof LAYER_TABLES;

/** Every layer in load and drawing order (areas first, points last). */
export const LAYER_NAMES = Object.keys(LAYER_TABLES) as LayerName[];

/** One generated feature; geometry in EPSG:3006 metres, rounded to centimetres. */
export interface DemoFeature {
  /** Positive, unique within its layer. */
  id: number;
  geometry: Geometry;
  properties: Record<string, string | number | null>;
}

/**
 * The generated map: per layer a function that streams its features. Each call starts a fresh,
 * identical pass, so a million buildings never have to sit in memory at once.
 */
export type BaseMap = Record<LayerName, () => Iterable<DemoFeature>>;
