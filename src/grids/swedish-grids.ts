import { halvingGrid, type TileGrid } from './tile-grid.ts';

/**
 * SWEREF 99 TM (EPSG:3006) as Lantmäteriet's WMTS and Swedish municipal viewers (Hajk)
 * tile it: origin (-1 200 000, 8 500 000), 4096 m/px at level 0 halving to 0.5 m/px at
 * level 13, 256-px tiles. Level 0 is 4 × 4 tiles (4 194 304 m a side), which covers all
 * of Sweden (x 181 896–1 086 312, y 6 090 353–7 689 478) with room to spare.
 */
export const sweref99tm: TileGrid = halvingGrid({
  id: '3006',
  title: 'SWEREF 99 TM (EPSG:3006), Lantmäteriet grid',
  srid: 3006,
  proj4: '+proj=utm +zone=33 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  axisOrder: 'NE',
  origin: [-1_200_000, 8_500_000],
  tileSizePx: 256,
  cellSize0: 4096,
  matrixWidth0: 4,
  matrixHeight0: 4,
  levelCount: 14,
  referenceLatitude: 59.2,
});

/**
 * SWEREF 99 18 00 (EPSG:3011), the local projection of the Stockholm region. No national
 * grid exists for it, so this one is chosen to cover Stockholm County (x 100–235 km,
 * y 6 510–6 700 km in 3011) with whole tiles: origin (0, 6 800 000) on round kilometres,
 * 256 m/px at level 0 (tiles of 65 536 m, a 4 × 5 matrix = 262 × 328 km), halving to
 * 0.125 m/px at level 11, fine enough for 1:500 prints of municipal base maps.
 */
export const sweref991800: TileGrid = halvingGrid({
  id: '3011',
  title: 'SWEREF 99 18 00 (EPSG:3011), Stockholm region grid',
  srid: 3011,
  proj4: '+proj=tmerc +lat_0=0 +lon_0=18 +k=1 +x_0=150000 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  axisOrder: 'NE',
  origin: [0, 6_800_000],
  tileSizePx: 256,
  cellSize0: 256,
  matrixWidth0: 4,
  matrixHeight0: 5,
  levelCount: 12,
  referenceLatitude: 59.2,
});
