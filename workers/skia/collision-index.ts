/**
 * Boxes and circles of the labels placed so far, in canvas pixels, bucketed in a grid so a
 * new shape is tested only against its neighbours. Shapes touching count as colliding, as
 * in MapLibre's GridIndex (circles stand for labels along lines). Pure.
 */

/** An axis-aligned box in canvas pixels. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** A circle in canvas pixels: one of the discs MapLibre strings along a line label. */
export interface Circle {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

export type CollisionShape = Box | Circle;

/** 64-px cells: a label box spans a few of them, so a test reads few lists. */
const CELL_PX = 64;

export class CollisionIndex {
  private readonly cells = new Map<number, CollisionShape[]>();
  private readonly columns: number;

  /** The canvas width the index covers (boxes beyond it are kept in the edge columns). */
  constructor(widthPx: number) {
    this.columns = Math.max(1, Math.ceil(widthPx / CELL_PX)) + 2;
  }

  /** Whether a shape touches or overlaps one inserted before. */
  collides(shape: CollisionShape): boolean {
    let hit = false;
    this.forCells(boundsOf(shape), (key) => {
      for (const other of this.cells.get(key) ?? []) {
        if (intersects(shape, other)) {
          hit = true;
          return false;
        }
      }
      return true;
    });
    return hit;
  }

  insert(shape: CollisionShape): void {
    this.forCells(boundsOf(shape), (key) => {
      let list = this.cells.get(key);
      if (!list) this.cells.set(key, (list = []));
      list.push(shape);
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

function isCircle(shape: CollisionShape): shape is Circle {
  return 'r' in shape;
}

function boundsOf(shape: CollisionShape): Box {
  if (!isCircle(shape)) return shape;
  return { x1: shape.cx - shape.r, y1: shape.cy - shape.r, x2: shape.cx + shape.r, y2: shape.cy + shape.r };
}

/** Whether two shapes touch or overlap. */
function intersects(a: CollisionShape, b: CollisionShape): boolean {
  if (isCircle(a) && isCircle(b)) return (a.cx - b.cx) ** 2 + (a.cy - b.cy) ** 2 <= (a.r + b.r) ** 2;
  if (isCircle(a)) return circleTouchesBox(a, b as Box);
  if (isCircle(b)) return circleTouchesBox(b, a);
  return a.x1 <= b.x2 && a.y1 <= b.y2 && a.x2 >= b.x1 && a.y2 >= b.y1;
}

function circleTouchesBox(c: Circle, box: Box): boolean {
  // Distance from the centre to the box's nearest point.
  const dx = Math.max(box.x1 - c.cx, 0, c.cx - box.x2);
  const dy = Math.max(box.y1 - c.cy, 0, c.cy - box.y2);
  return dx * dx + dy * dy <= c.r * c.r;
}

/** Device pixels per symbol unit along the symbol's x and y (they differ for icons fitted to text). */
export type SymbolScale = readonly [number, number];

/**
 * The collision box of a symbol in canvas pixels: its rectangle in symbol units (relative
 * to the anchor), scaled, rotated about the anchor (x, y), grown by a padding in pixels.
 */
export function symbolBox(
  rect: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number },
  x: number,
  y: number,
  [scaleX, scaleY]: SymbolScale,
  rotateRad: number,
  paddingPx: number,
): Box {
  const cos = Math.cos(rotateRad);
  const sin = Math.sin(rotateRad);
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [u, w] of [
    [rect.left, rect.top],
    [rect.right, rect.top],
    [rect.right, rect.bottom],
    [rect.left, rect.bottom],
  ] as const) {
    const px = u * scaleX * cos - w * scaleY * sin;
    const py = u * scaleX * sin + w * scaleY * cos;
    x1 = Math.min(x1, px);
    x2 = Math.max(x2, px);
    y1 = Math.min(y1, py);
    y2 = Math.max(y2, py);
  }
  return { x1: x + x1 - paddingPx, y1: y + y1 - paddingPx, x2: x + x2 + paddingPx, y2: y + y2 + paddingPx };
}
