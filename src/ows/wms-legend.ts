/**
 * GetLegendGraphic: a style's legend, read from the style itself: one row per class a
 * fill, line or circle layer draws (each value of a `match` on its colour, or its one
 * colour), labelled by the class value or the layer's metadata title. Layers marked
 * `metadata.legend: false` (casings, the white dashes of railways) are left out.
 */
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type { LayerSpecification, StyleSpecification } from '@maplibre/maplibre-gl-style-spec';

export interface LegendEntry {
  readonly label: string;
  readonly kind: 'fill' | 'line' | 'circle';
  readonly color: string;
}

const PAINT_COLOR = { fill: 'fill-color', line: 'line-color', circle: 'circle-color' } as const;

function titleOf(layer: LayerSpecification): string {
  const meta = layer.metadata as { title?: unknown } | undefined;
  return typeof meta?.title === 'string' ? meta.title : layer.id;
}

/** The legend rows of a style, top layer first as a map reader looks for them. Pure. */
export function legendEntries(style: StyleSpecification): LegendEntry[] {
  const entries: LegendEntry[] = [];
  for (const layer of [...style.layers].reverse()) {
    if (layer.type !== 'fill' && layer.type !== 'line' && layer.type !== 'circle') continue;
    if ((layer.metadata as { legend?: unknown } | undefined)?.legend === false) continue;
    const color = (layer.paint as Record<string, unknown> | undefined)?.[PAINT_COLOR[layer.type]];
    if (typeof color === 'string') entries.push({ label: titleOf(layer), kind: layer.type, color });
    else if (Array.isArray(color) && color[0] === 'match') {
      // ["match", input, label(s), colour, …, fallback]: one row per class.
      for (let i = 2; i + 1 < color.length; i += 2) {
        const labels = Array.isArray(color[i]) ? (color[i] as unknown[]).join(', ') : String(color[i]);
        if (typeof color[i + 1] === 'string') entries.push({ label: `${titleOf(layer)}: ${labels}`, kind: layer.type, color: color[i + 1] as string });
      }
      const fallback = color.at(-1);
      if (typeof fallback === 'string' && color.length % 2 === 1) entries.push({ label: `${titleOf(layer)}: övrigt`, kind: layer.type, color: fallback });
    }
  }
  return entries;
}

let fontsRegistered = false;

/** Draws the rows as a PNG: a swatch (area, line or dot) and the label for each. */
export function legendPng(entries: readonly LegendEntry[], fontsDir: string): Buffer {
  if (!fontsRegistered) {
    GlobalFonts.registerFromPath(`${fontsDir}/NotoSans-Regular.ttf`, 'Noto Sans');
    fontsRegistered = true;
  }
  const row = 20;
  const canvas = createCanvas(240, Math.max(1, entries.length) * row + 8);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px "Noto Sans"';
  ctx.textBaseline = 'middle';
  entries.forEach((e, i) => {
    const y = 4 + i * row + row / 2;
    ctx.fillStyle = e.color;
    ctx.strokeStyle = e.color;
    if (e.kind === 'fill') {
      ctx.fillRect(6, y - 6, 20, 12);
      ctx.strokeStyle = '#888888';
      ctx.lineWidth = 0.5;
      ctx.strokeRect(6, y - 6, 20, 12);
    } else if (e.kind === 'line') {
      // A grey casing under the line, so white and pale lines show on the white legend.
      for (const [width, colour] of [[5, '#bbbbbb'], [3, e.color]] as const) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.beginPath();
        ctx.moveTo(6, y);
        ctx.lineTo(26, y);
        ctx.stroke();
      }
    } else {
      ctx.beginPath();
      ctx.arc(16, y, 5, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.fillStyle = '#222222';
    ctx.fillText(e.label, 34, y);
  });
  return canvas.toBuffer('image/png');
}
