import { gridExtent, inAxisOrder, scaleDenominator, type TileGrid } from './tile-grid.ts';

/** The OGC URI of an EPSG CRS. */
export function crsUri(srid: number): string {
  return `http://www.opengis.net/def/crs/EPSG/0/${srid}`;
}

/**
 * A grid as an OGC Two Dimensional Tile Matrix Set 2.0 JSON document that the 1.0 encoding's
 * readers take too: `identifier`, `supportedCRS` and each matrix's `identifier` and
 * `topLeftCorner` beside their 2.0 names (GDAL 3.6 reads only 1.0; 2.0 readers skip them).
 */
export function tileMatrixSetJson(grid: TileGrid) {
  const extent = gridExtent(grid);
  const origin = inAxisOrder(grid, grid.origin[0], grid.origin[1]);
  return {
    id: grid.id,
    identifier: grid.id,
    title: grid.title,
    ...(grid.description === undefined ? {} : { description: grid.description }),
    ...(grid.id === 'WebMercatorQuad' ? { uri: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad' } : {}),
    crs: crsUri(grid.srid),
    supportedCRS: crsUri(grid.srid),
    orderedAxes: grid.axisOrder === 'NE' ? ['N', 'E'] : ['X', 'Y'],
    ...(grid.wellKnownScaleSet === undefined ? {} : { wellKnownScaleSet: grid.wellKnownScaleSet }),
    boundingBox: {
      lowerLeft: inAxisOrder(grid, extent[0], extent[1]),
      upperRight: inAxisOrder(grid, extent[2], extent[3]),
      crs: crsUri(grid.srid),
      orderedAxes: grid.axisOrder === 'NE' ? ['N', 'E'] : ['X', 'Y'],
    },
    tileMatrices: grid.levels.map((level, z) => ({
      id: String(z),
      identifier: String(z),
      scaleDenominator: scaleDenominator(grid, level),
      cellSize: level.cellSize,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: origin,
      topLeftCorner: origin,
      tileWidth: grid.tileSizePx,
      tileHeight: grid.tileSizePx,
      matrixWidth: level.matrixWidth,
      matrixHeight: level.matrixHeight,
    })),
  };
}
