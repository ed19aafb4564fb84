import { wgs84Grid } from './geographic-grid.ts';
import { sweref991800, sweref99tm } from './swedish-grids.ts';
import type { TileGrid } from './tile-grid.ts';
import { webMercatorQuad } from './web-mercator-quad.ts';

/** Every grid the engine serves; every tileset is available in each. */
export const GRIDS: readonly TileGrid[] = [webMercatorQuad, sweref99tm, sweref991800, wgs84Grid];

/** Grids by id. */
export const GRIDS_BY_ID: ReadonlyMap<string, TileGrid> = new Map(GRIDS.map((g) => [g.id, g]));
