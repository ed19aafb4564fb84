/**
 * A feature's label point for layers with `labelPoint` in embedded mode, as the PostGIS
 * query makes it: a polygon's pole of inaccessibility (polylabel; PostGIS finds the same
 * centre with ST_MaximumInscribedCircle), a point on any other shape. Coordinates are
 * WGS84; longitudes are scaled by cos(latitude) first so the circle is round on the ground,
 * not in degrees. Pure.
 */
import polylabel from 'polylabel';

export interface Geometry {
  type: string;
  coordinates: unknown;
}

type Ring = number[][];

/** About 1 m at these latitudes. */
const PRECISION_DEGREES = 1e-5;

function poleOf(polygons: Ring[][]): number[] | undefined {
  let best: { point: number[]; distance: number } | undefined;
  for (const rings of polygons) {
    const outer = rings[0];
    if (!outer || outer.length < 4) continue;
    const lat0 = outer.reduce((sum, c) => sum + c[1]!, 0) / outer.length;
    const k = Math.cos((lat0 * Math.PI) / 180);
    const scaled = rings.map((ring) => ring.map(([x, y]) => [x! * k, y!]));
    const pole = polylabel(scaled, PRECISION_DEGREES);
    if (!best || pole.distance > best.distance) best = { point: [pole[0] / k, pole[1]], distance: pole.distance };
  }
  return best?.point;
}

/** The middle vertex of the longest part of a line, or the first point. */
function pointOn(lines: Ring[]): number[] | undefined {
  const longest = lines.reduce<Ring | undefined>((a, b) => (!a || b.length > a.length ? b : a), undefined);
  return longest?.[Math.floor((longest.length - 1) / 2)];
}

export function labelPointOf(geometry: Geometry): Geometry {
  const c = geometry.coordinates;
  let point: number[] | undefined;
  switch (geometry.type) {
    case 'Polygon': point = poleOf([c as Ring[]]); break;
    case 'MultiPolygon': point = poleOf(c as Ring[][]); break;
    case 'LineString': point = pointOn([c as Ring]); break;
    case 'MultiLineString': point = pointOn(c as Ring[]); break;
    case 'MultiPoint': point = (c as Ring)[0]; break;
    default: return geometry;
  }
  return point ? { type: 'Point', coordinates: point } : geometry;
}
