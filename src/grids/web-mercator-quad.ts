import { halvingGrid, type TileGrid } from './tile-grid.ts';

/** Half the circumference of the WGS84 sphere used by EPSG:3857, in metres. */
export const MERCATOR_HALF_EXTENT = 20037508.342789244;

/** The deepest level we define; 2^24 tiles a side is ~2 m tiles, deeper than any use here. */
const MAX_LEVEL = 24;

/** OGC WebMercatorQuad: the XYZ grid of web maps, 256-px tiles, one tile at level 0. */
export const webMercatorQuad: TileGrid = halvingGrid({
  id: 'WebMercatorQuad',
  title: 'Google Maps Compatible for the World',
  srid: 3857,
  proj4: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs',
  axisOrder: 'EN',
  origin: [-MERCATOR_HALF_EXTENT, MERCATOR_HALF_EXTENT],
  tileSizePx: 256,
  cellSize0: (2 * MERCATOR_HALF_EXTENT) / 256,
  matrixWidth0: 1,
  matrixHeight0: 1,
  levelCount: MAX_LEVEL + 1,
  wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
  // Mercator resolutions are compared at the equator: XYZ zoom z is level z.
  referenceLatitude: 0,
});

/** WGS84 longitude/latitude to EPSG:3857 metres. */
export function lonLatToMercator(lon: number, lat: number): [number, number] {
  const x = (lon * MERCATOR_HALF_EXTENT) / 180;
  const y = Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) * (MERCATOR_HALF_EXTENT / Math.PI);
  return [x, y];
}

/** EPSG:3857 metres to WGS84 longitude/latitude. */
export function mercatorToLonLat(x: number, y: number): [number, number] {
  const lon = (x / MERCATOR_HALF_EXTENT) * 180;
  const lat = (Math.atan(Math.exp((y / MERCATOR_HALF_EXTENT) * Math.PI)) * 360) / Math.PI - 90;
  return [lon, lat];
}
