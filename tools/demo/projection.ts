import proj4 from 'proj4';

/** SRID of every demo geometry: SWEREF 99 TM, the national grid of Sweden. */
export const DEMO_SRID = 3006;

/** EPSG:3006 as a proj4 definition (SWEREF 99 is tied to ETRS89, equal to WGS84 at metre level). */
export const EPSG_3006_PROJ4 = '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0 +units=m +no_defs';

const converter = proj4(EPSG_3006_PROJ4, 'WGS84');

/** EPSG:3006 easting/northing (metres) to WGS84 [lon, lat] (degrees). */
export function toWgs84(x: number, y: number): [number, number] {
  const [lon, lat] = converter.forward([x, y]);
  return [lon as number, lat as number];
}

/** WGS84 [lon, lat] (degrees) to EPSG:3006 [easting, northing] (metres). */
export function fromWgs84(lon: number, lat: number): [number, number] {
  const [x, y] = converter.inverse([lon, lat]);
  return [x as number, y as number];
}
