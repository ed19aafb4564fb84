/**
 * The tile formats the engine serves and their names in each protocol: file extensions
 * and media types for XYZ, WMTS and OGC API paths. Pure data, shared by the HTTP routes,
 * the pipelines and the cache's purging (which must spell every URL a tile has).
 */

/** Vector tile formats by file extension; .pbf is the alias many clients still use. */
export const VECTOR_FORMATS = { mvt: 'application/vnd.mapbox-vector-tile', pbf: 'application/x-protobuf' } as const;
export type VectorFormat = keyof typeof VECTOR_FORMATS;

/** Image formats the engine encodes, by file extension. */
export const RASTER_FORMATS = { png: 'image/png', webp: 'image/webp', jpg: 'image/jpeg' } as const;
export type RasterFormat = keyof typeof RASTER_FORMATS;

/** The style every layer has: for raster formats, the first style that draws the layer. */
export const DEFAULT_STYLE = 'default';

/** Vector tile formats WMTS offers, by media type, with the file extension the pipeline knows. */
export const WMTS_VECTOR_FORMATS: Readonly<Record<string, string>> = {
  'application/vnd.mapbox-vector-tile': 'mvt',
  'application/x-protobuf': 'pbf',
};

/** Raster formats, offered for layers that a style draws. */
export const WMTS_RASTER_FORMATS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
};

/** Every tile format WMTS knows, by media type; images first, as GDAL's WMTS driver takes the first ResourceURL. */
export const WMTS_FORMATS: Readonly<Record<string, string>> = { ...WMTS_RASTER_FORMATS, ...WMTS_VECTOR_FORMATS };

/** File extension → media type, for the RESTful paths. */
export const WMTS_EXTENSIONS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(WMTS_FORMATS).map(([type, ext]) => [ext, type]));

/** Image formats of OGC API map tiles, by their `?f=` value: the first is served when none is asked for. */
export const OGC_MAP_FORMATS = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' } as const;
