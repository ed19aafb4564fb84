import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { styleForClients } from '../../src/styles/client-style.ts';
import { composeStyle, recipeSchema, resolveTokens } from '../../src/styles/compose.ts';
import { buildSprite } from '../../src/styles/sprite-builder.ts';
import { layoutSprite } from '../../src/styles/sprite-layout.ts';
import { loadStyles } from '../../src/styles/style-store.ts';

const TILESETS = new Set(['sodertorn', 'byggnader', 'fastighetsregister']);
const recipe = (extra: object = {}) => recipeSchema.parse({ name: 'T', layers: 'l.yaml', tokens: 't.yaml', ...extra });
const FILES = { recipe: 't.yaml', layers: 'l.yaml' };

describe('composing styles from shared layers and tokens', () => {
  const tokens = { colour: { vatten: '#0000ff', land: '#eeeeee' }, font: { bold: ['Noto Sans Bold'] } };
  const layers = [
    { id: 'bg', type: 'background', paint: { 'background-color': '$colour.land' } },
    { id: 'vatten', type: 'fill', source: 'sodertorn', 'source-layer': 'vatten', metadata: { group: 'bas' }, paint: { 'fill-color': '$colour.vatten' } },
    { id: 'namn', type: 'symbol', source: 'sodertorn', 'source-layer': 'ortnamn', metadata: { group: 'text' }, layout: { 'text-field': ['get', 'namn'], 'text-font': '$font.bold' } },
  ];

  it('replaces tokens, applies overrides and makes one source per tileset', () => {
    const style = composeStyle(recipe({ override: { colour: { vatten: '#123456' } }, sprite: 'icons' }), layers, tokens, FILES);
    expect(style.layers.map((l) => l.id)).toEqual(['bg', 'vatten', 'namn']);
    expect((style.layers[1] as { paint: Record<string, unknown> }).paint['fill-color']).toBe('#123456');
    expect((style.layers[2] as { layout: Record<string, unknown> }).layout['text-font']).toEqual(['Noto Sans Bold']);
    expect(style.sources).toEqual({ sodertorn: { type: 'vector', url: 'tileset://sodertorn' } });
    expect(style.sprite).toBe('sprite://icons');
    expect(style.glyphs).toBe('fonts://{fontstack}/{range}.pbf');
  });

  it('leaves out excluded groups and layers', () => {
    expect(composeStyle(recipe({ exclude: ['text', 'bg'] }), layers, tokens, FILES).layers.map((l) => l.id)).toEqual(['vatten']);
  });

  it('names the file, the layer and the property of an unknown token, and refuses overriding a token that does not exist', () => {
    expect(() => resolveTokens({ paint: { 'fill-color': ['match', 1, 1, '$colour.hav', '#fff'] } }, tokens, 'l.yaml: layer vatten')).toThrow('l.yaml: layer vatten.paint.fill-color[3]: unknown token $colour.hav');
    expect(() => composeStyle(recipe({ override: { colour: { hav: '#000' } } }), layers, tokens, FILES)).toThrow(/t\.yaml: override\.colour\.hav is not a shared token/);
  });
});

describe('the shipped styles', () => {
  it('are three public styles over the sodertorn tileset and one over the property register too, with the engine sprite and fonts', () => {
    const styles = loadStyles('styles', TILESETS);
    expect(styles.map((s) => s.id)).toEqual(['fastighetskarta', 'gra', 'grundkarta', 'utskrift']);
    for (const s of styles) {
      // Only fastighetskarta draws the restricted tileset: the others leave its group out.
      expect([...s.sources.values()]).toEqual(s.id === 'fastighetskarta' ? ['sodertorn', 'fastighetsregister'] : ['sodertorn']);
      expect(s.spriteFolder).toBe('icons');
    }
  });

  it('take the water colour from one token: one edit recolours every style that does not define its own palette', () => {
    const dir = mkdtempSync(join(tmpdir(), 'styles-'));
    cpSync('styles', dir, { recursive: true });
    const tokensFile = join(dir, 'sodertorn/tokens.yaml');
    writeFileSync(tokensFile, readFileSync(tokensFile, 'utf8').replace(/vatten: "#[0-9a-f]{6}"/, 'vatten: "#ff00ff"'));
    const water = (id: string) => {
      const style = loadStyles(dir, TILESETS).find((s) => s.id === id)!;
      return (style.style.layers.find((l) => l.id === 'vatten') as { paint: Record<string, unknown> }).paint['fill-color'];
    };
    expect(water('grundkarta')).toBe('#ff00ff');
    expect(water('utskrift')).toBe('#ff00ff');
    expect(water('gra')).not.toBe('#ff00ff'); // the grey map has its own palette
  });

  it('fail start-up naming the file, the layer and the property of an invalid value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'styles-'));
    cpSync('styles', dir, { recursive: true });
    const layersFile = join(dir, 'sodertorn/layers.yaml');
    writeFileSync(layersFile, readFileSync(layersFile, 'utf8').replace('paint: { fill-color: $colour.vatten }', 'paint: { fill-color: 12 }'));
    expect(() => loadStyles(dir, TILESETS)).toThrow(/style .*fastighetskarta\.yaml is invalid:\n {2}layers\[2\] \(layer "vatten"\)\.paint\.fill-color: color expected, number found/);
  });

  it('refuse a style naming a tileset that is not configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'styles-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ version: 8, sources: { s: { type: 'vector', url: 'tileset://nope' } }, layers: [] }));
    expect(() => loadStyles(dir, TILESETS)).toThrow(/sources\.s\.url names tileset "nope"/);
  });
});

describe('styles for web clients', () => {
  it('point tilesets, glyphs and the sprite at this server', () => {
    const [style] = loadStyles('styles', TILESETS).filter((s) => s.id === 'grundkarta');
    const served = styleForClients(style!.style, 'grundkarta', 'https://karta.example.se/tiles-api');
    expect(served.sources.sodertorn).toEqual({ type: 'vector', url: 'https://karta.example.se/tiles-api/tiles/sodertorn.json' });
    expect(served.glyphs).toBe('https://karta.example.se/tiles-api/fonts/{fontstack}/{range}.pbf');
    expect(served.sprite).toBe('https://karta.example.se/tiles-api/styles/grundkarta/sprite');
  });
});

describe('sprites from SVG icons', () => {
  it('lays images out without overlap within the width', () => {
    const sizes = Array.from({ length: 40 }, (_, i) => ({ name: `i${i}`, width: 5 + ((i * 7) % 30), height: 4 + ((i * 5) % 20) }));
    const { width, height, placed } = layoutSprite(sizes, 64);
    expect(width).toBeLessThanOrEqual(64);
    for (const a of placed) {
      expect(a.x + a.width).toBeLessThanOrEqual(width);
      expect(a.y + a.height).toBeLessThanOrEqual(height);
      for (const b of placed) {
        if (a === b) continue;
        const apart = a.x + a.width < b.x + 1 || b.x + b.width < a.x + 1 || a.y + a.height < b.y + 1 || b.y + b.height < a.y + 1;
        expect(apart, `${a.name} and ${b.name} overlap`).toBe(true);
      }
    }
  });

  it('rasterises each icon at its CSS size at 1× and twice that at 2×', async () => {
    const set = await buildSprite('styles/icons');
    expect(Object.keys(set[1].json)).toEqual(['ort-tatort', 'skold-europavag', 'skold-vag']);
    const one = set[1].json['skold-europavag']!;
    const two = set[2].json['skold-europavag']!;
    expect([one.width, one.height, one.pixelRatio]).toEqual([24, 16, 1]);
    expect([two.width, two.height, two.pixelRatio]).toEqual([48, 32, 2]);
    // The middle of the European road shield is its green.
    const { data, info } = await sharp(set[2].png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = ((two.y + 16) * info.width + two.x + 24) * 4;
    expect([...data.subarray(at, at + 4)]).toEqual([0x00, 0x84, 0x3d, 255]);
  });
});

describe('legends from styles', () => {
  it('list a row per class of a match on a colour, top layer first, without layers marked legend: false', async () => {
    const { legendEntries } = await import('../../src/ows/wms-legend.ts');
    const [style] = loadStyles('styles', TILESETS).filter((s) => s.id === 'grundkarta');
    const entries = legendEntries(style!.style);
    const labels = entries.map((e) => e.label);
    expect(labels[0]).toBe('Kommungräns');
    expect(labels).toContain('Mark: skog');
    expect(labels).toContain('Vatten');
    expect(labels.some((l) => l.includes('kant'))).toBe(false);
    expect(entries.find((e) => e.label === 'Vatten')).toMatchObject({ kind: 'fill', color: '#a9cde8' });
  });
});
