/**
 * Boxes of the labels placed so far, in canvas pixels, bucketed in a grid so a new box is
 * tested only against its neighbours. Boxes touching count as colliding, as in MapLibre's
 * GridIndex. Pure.
 */

/** An axis-aligned box in canvas pixels. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** 64-px cells: a label box spans a few of them, so a test reads few lists. */
const CELL_PX = 64;

export class CollisionIndex {
  private readonly cells = new Map<number, Box[]>();
  private readonly columns: number;

  /** The canvas width the index covers (boxes beyond it are kept in the edge columns). */
  constructor(widthPx: number) {
    this.columns = Math.max(1, Math.ceil(widthPx / CELL_PX)) + 2;
  }

  /** Whether a box touches or overlaps one inserted before. */
  collides(box: Box): boolean {
    let hit = false;
    this.forCells(box, (key) => {
      for (const other of this.cells.get(key) ?? []) {
        if (box.x1 <= other.x2 && box.y1 <= other.y2 && box.x2 >= other.x1 && box.y2 >= other.y1) {
          hit = true;
          return false;
        }
      }
      return true;
    });
    return hit;
  }

  insert(box: Box): void {
    this.forCells(box, (key) => {
      let list = this.cells.get(key);
      if (!list) this.cells.set(key, (list = []));
      list.push(box);
      return true;
    });
  }

  private forCells(box: Box, visit: (key: number) => boolean): void {
    const column = (x: number): number => Math.min(this.columns - 1, Math.max(0, Math.floor(x / CELL_PX) + 1));
    const row = (y: number): number => Math.max(0, Math.floor(y / CELL_PX) + 1);
    for (let r = row(box.y1); r <= row(box.y2); r++) {
      for (let c = column(box.x1); c <= column(box.x2); c++) {
        if (!visit(r * this.columns + c)) return;
      }
    }
  }
}
