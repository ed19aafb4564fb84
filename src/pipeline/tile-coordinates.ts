import { EngineError } from '../errors.ts';
import { type TileGrid, zoomRange } from '../grids/tile-grid.ts';

/** A validated tile position in a grid. */
export interface TileCoordinates {
  readonly z: number;
  readonly x: number;
  readonly y: number;
}

const INTEGER = /^(0|[1-9]\d{0,9})$/;

function parseInteger(name: string, raw: string, max: number, context: string): number {
  if (!INTEGER.test(raw) || Number(raw) > max) {
    throw new EngineError('INVALID_TILE_COORDINATE', `${name} must be an integer 0–${max} ${context}, got "${raw.slice(0, 32)}"`, {
      detail: { parameter: name, min: 0, max },
    });
  }
  return Number(raw);
}

/**
 * Parses z/x/y path segments against a grid and the tileset's zoom range. Errors name
 * the parameter and its valid range, e.g. "x must be an integer 0–1023 at zoom 10".
 */
export function parseTileCoordinates(
  grid: TileGrid,
  zoom: { minzoom: number; maxzoom: number; tilesetId: string; gridId?: string },
  raw: { z: string; x: string; y: string },
): TileCoordinates {
  const [, gridMax] = zoomRange(grid);
  const minZ = zoom.minzoom;
  const maxZ = Math.min(zoom.maxzoom, gridMax);
  if (!INTEGER.test(raw.z) || Number(raw.z) < minZ || Number(raw.z) > maxZ) {
    throw new EngineError(
      INTEGER.test(raw.z) ? 'ZOOM_OUT_OF_RANGE' : 'INVALID_TILE_COORDINATE',
      `zoom must be an integer ${minZ}–${maxZ} for tileset ${zoom.tilesetId}${zoom.gridId ? ` in grid ${zoom.gridId}` : ''}, got "${raw.z.slice(0, 32)}"`,
      { detail: { parameter: 'z', min: minZ, max: maxZ } },
    );
  }
  const z = Number(raw.z);
  const level = grid.levels[z]!;
  const x = parseInteger('x', raw.x, level.matrixWidth - 1, `at zoom ${z}`);
  const y = parseInteger('y', raw.y, level.matrixHeight - 1, `at zoom ${z}`);
  return { z, x, y };
}
