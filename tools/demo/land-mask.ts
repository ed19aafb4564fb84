import type { Bbox, Xy } from './geometry.ts';

/**
 * A coarse raster over the demo region saying what each cell is used for. Testing a point
 * against it is one array read, so a million building lots can be checked against water,
 * motorways and parks without polygon maths.
 *
 * Cells an outline passes through (or touches, with one cell to spare) are `shore`: only cells
 * marked `land` are guaranteed to lie wholly outside every water polygon.
 */

/** Meaning of a mask cell. */
export const CELL = {
  land: 0,
  /** Cell centre inside a water polygon, no outline nearby: wholly water. */
  water: 1,
  /** Within about a cell of a water outline: could be either. */
  shore: 2,
  /** Motorway or railway reserve: no buildings, no local streets. */
  majorCorridor: 3,
  /** Road between towns: no buildings. */
  minorCorridor: 4,
  park: 5,
  outside: 255,
} as const;

/** Raster of CELL values over a box. */
export class LandMask {
  readonly cells: Uint8Array;
  readonly cols: number;
  readonly rows: number;

  constructor(
    readonly bbox: Bbox,
    readonly cellM: number,
  ) {
    this.cols = Math.ceil((bbox[2] - bbox[0]) / cellM);
    this.rows = Math.ceil((bbox[3] - bbox[1]) / cellM);
    this.cells = new Uint8Array(this.cols * this.rows);
  }

  /** The CELL value at a point (CELL.outside beyond the box). */
  at(x: number, y: number): number {
    const c = Math.floor((x - this.bbox[0]) / this.cellM);
    const r = Math.floor((y - this.bbox[1]) / this.cellM);
    if (c < 0 || r < 0 || c >= this.cols || r >= this.rows) return CELL.outside;
    return this.cells[r * this.cols + c]!;
  }

  /**
   * Sets cells whose centre lies inside the polygon (even-odd over all rings, so holes stay
   * unset) to `value`, where `canOverwrite(current)` allows it. Scanline fill.
   */
  fillPolygon(rings: readonly (readonly Xy[])[], value: number, canOverwrite: (current: number) => boolean): void {
    const { cellM, cols, rows } = this;
    const [x0, y0] = this.bbox;
    const crossings = new Map<number, number[]>();
    for (const ring of rings) {
      for (let i = 0, n = ring.length; i < n; i++) {
        const [ax, ay] = ring[i]!;
        const [bx, by] = ring[(i + 1) % n]!;
        if (ay === by) continue;
        const yMin = Math.min(ay, by);
        const yMax = Math.max(ay, by);
        // rows whose centre y lies in [yMin, yMax): half-open so shared vertices count once
        const r0 = Math.max(0, Math.ceil((yMin - y0) / cellM - 0.5));
        const r1 = Math.min(rows - 1, Math.ceil((yMax - y0) / cellM - 0.5) - 1);
        for (let r = r0; r <= r1; r++) {
          const yc = y0 + (r + 0.5) * cellM;
          const x = ax + ((yc - ay) * (bx - ax)) / (by - ay);
          let list = crossings.get(r);
          if (!list) crossings.set(r, (list = []));
          list.push(x);
        }
      }
    }
    for (const [r, xs] of crossings) {
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const c0 = Math.max(0, Math.ceil((xs[k]! - x0) / cellM - 0.5));
        const c1 = Math.min(cols - 1, Math.ceil((xs[k + 1]! - x0) / cellM - 0.5) - 1);
        for (let c = c0; c <= c1; c++) {
          const idx = r * cols + c;
          if (canOverwrite(this.cells[idx]!)) this.cells[idx] = value;
        }
      }
    }
  }

  /**
   * Sets every cell within one cell of the rings' outlines to `value`. Samples every half
   * cell and marks the 3×3 block around each sample, so no cell an edge crosses is missed.
   */
  markOutline(rings: readonly (readonly Xy[])[], value: number): void {
    const step = this.cellM / 2;
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const [ax, ay] = ring[i]!;
        const [bx, by] = ring[i + 1]!;
        const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
        for (let k = 0; k <= n; k++) this.setBlock(ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n, 1, value, () => true);
      }
    }
  }

  /** Sets land cells within radiusM (plus up to a cell) of a polyline to `value`. */
  stampLine(line: readonly Xy[], radiusM: number, value: number): void {
    const step = this.cellM / 2;
    const reach = Math.ceil(radiusM / this.cellM);
    for (let i = 0; i + 1 < line.length; i++) {
      const [ax, ay] = line[i]!;
      const [bx, by] = line[i + 1]!;
      const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
      for (let k = 0; k <= n; k++) {
        this.setBlock(ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n, reach, value, (current) => current === CELL.land);
      }
    }
  }

  private setBlock(x: number, y: number, reach: number, value: number, canOverwrite: (current: number) => boolean): void {
    const c = Math.floor((x - this.bbox[0]) / this.cellM);
    const r = Math.floor((y - this.bbox[1]) / this.cellM);
    for (let dr = -reach; dr <= reach; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= this.rows) continue;
      for (let dc = -reach; dc <= reach; dc++) {
        const cc = c + dc;
        if (cc < 0 || cc >= this.cols) continue;
        // a disc, not a square, for wide stamps; the 3×3 outline block is always full
        if (reach > 1 && dr * dr + dc * dc > (reach + 0.5) * (reach + 0.5)) continue;
        const idx = rr * this.cols + cc;
        if (canOverwrite(this.cells[idx]!)) this.cells[idx] = value;
      }
    }
  }
}
