import { readFileSync } from 'node:fs';
import { createExpression, featureFilter, isExpression, latest, type LayerSpecification, type StylePropertySpecification } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveTokens, type Tokens } from '../../src/styles/compose.ts';
import { portableExpression, portableLayer } from '../../src/styles/portable-expressions.ts';
import { loadStyles } from '../../src/styles/style-store.ts';

const TILESETS = new Set(['sodertorn', 'byggnader', 'fastighetsregister']);

describe('expressions in the forms every client reads', () => {
  it('folds arithmetic on number literals, deepest first, and leaves arithmetic on data alone', () => {
    expect(portableExpression(['*', 1, 12])).toBe(12);
    expect(portableExpression(['interpolate', ['linear'], ['zoom'], 8, ['*', 1.25, 4], 16, ['+', ['*', 2, 3], 1]])).toEqual(['interpolate', ['linear'], ['zoom'], 8, 5, 16, 7]);
    expect(portableExpression(['-', 3])).toBe(-3);
    expect(portableExpression(['/', 1, 0])).toEqual(['/', 1, 0]);
    expect(portableExpression(['*', ['get', 'bredd'], 2])).toEqual(['*', ['get', 'bredd'], 2]);
  });

  it('writes every match label as an array, and never touches labels or literals', () => {
    expect(portableExpression(['match', ['get', 'klass'], 'skog', '#0a0', ['åker', 'äng'], '#aa0', '#fff'])).toEqual(['match', ['get', 'klass'], ['skog'], '#0a0', ['åker', 'äng'], '#aa0', '#fff']);
    // A label that looks like arithmetic is a value to match, and the fallback is not a label.
    expect(portableExpression(['match', ['get', 'op'], '*', ['*', 2, 2], ['*', 1, 3]])).toEqual(['match', ['get', 'op'], ['*'], 4, 3]);
    expect(portableExpression(['literal', ['*', 1, 2]])).toEqual(['literal', ['*', 1, 2]]);
    // Plain values that are arrays of strings or numbers stay as they are.
    expect(portableExpression(['Noto Sans Regular', 'Noto Sans Bold'])).toEqual(['Noto Sans Regular', 'Noto Sans Bold']);
    expect(portableExpression([4, 2, 1, 2])).toEqual([4, 2, 1, 2]);
  });

  it('writes membership in a literal list as a match, where match can hold the values', () => {
    expect(portableExpression(['in', ['get', 'klass'], ['literal', ['lokalgata', 'gångväg']]])).toEqual(['match', ['get', 'klass'], ['lokalgata', 'gångväg'], true, false]);
    expect(portableExpression(['in', ['get', 'n'], ['literal', [1, 2]]])).toEqual(['match', ['get', 'n'], [1, 2], true, false]);
    // Values a match label cannot be (mixed, fractional, repeated, none), and substring tests, stay.
    for (const list of [['a', 1], [1.5], ['a', 'a'], []]) expect(portableExpression(['in', ['get', 'k'], ['literal', list]])).toEqual(['in', ['get', 'k'], ['literal', list]]);
    expect(portableExpression(['in', 'ab', ['get', 'namn']])).toEqual(['in', 'ab', ['get', 'namn']]);
  });

  it('means the same to MapLibre: every shared layer evaluates alike before and after, at every zoom, for every class', () => {
    const tokens = parseYaml(readFileSync('styles/sodertorn/tokens.yaml', 'utf8')) as Tokens;
    const layers = parseYaml(readFileSync('styles/sodertorn/layers.yaml', 'utf8')) as { id: string }[];
    const klasser = ['skog', 'åker', 'öppen mark', 'park', 'bebyggelse', 'samhällsfunktion', 'industri', 'pendeltåg', 'motorväg', 'huvudgata', 'lokalgata', 'gångväg', 'småort', 'by', 'tätort', 'annat'];
    const features = klasser.flatMap((klass) => [undefined, 'Väg 73', 'E4'].map((namn) => ({ type: 2 as const, properties: { klass, andamal: klass, typ: klass, ...(namn ? { namn } : {}) }, geometry: [] })));
    const compared: string[] = [];
    for (const raw of layers) {
      const before = resolveTokens(raw, tokens, raw.id) as LayerSpecification;
      const after = portableLayer(before);
      if ('filter' in before && before.filter !== undefined) {
        const [a, b] = [featureFilter(before.filter, `${raw.id}.filter`), featureFilter((after as { filter?: unknown }).filter as never, `${raw.id}.filter`)];
        for (const feature of features) for (const zoom of [8, 12, 16]) expect(b.filter({ zoom }, feature as never), `${raw.id} filter`).toBe(a.filter({ zoom }, feature as never));
        compared.push(`${raw.id}/filter`);
      }
      for (const kind of ['paint', 'layout'] as const) {
        const properties = (before as unknown as Record<string, Record<string, unknown> | undefined>)[kind] ?? {};
        const portable = (after as unknown as Record<string, Record<string, unknown>>)[kind]!;
        const specs = (latest as unknown as Record<string, Record<string, StylePropertySpecification>>)[`${kind}_${before.type}`]!;
        for (const [name, value] of Object.entries(properties)) {
          if (!isExpression(value)) {
            expect(portable[name]).toEqual(value);
            continue;
          }
          const a = createExpression(value, `${raw.id}.${kind}.${name}`, specs[name]);
          const b = createExpression(portable[name], `${raw.id}.${kind}.${name}`, specs[name]);
          expect(a.result, `${raw.id}/${name}`).toBe('success');
          expect(b.result, `${raw.id}/${name} portable`).toBe('success');
          if (a.result !== 'success' || b.result !== 'success') continue;
          for (let zoom = 6; zoom <= 18; zoom += 0.5) {
            for (const feature of features) expect(b.value.evaluate({ zoom }, feature as never), `${raw.id}/${name} at ${zoom}`).toEqual(a.value.evaluate({ zoom }, feature as never));
          }
          compared.push(`${raw.id}/${name}`);
        }
      }
    }
    expect(compared).toEqual(expect.arrayContaining(['mark/fill-color', 'byggnad/fill-color', 'vag-lokal/filter', 'kommungrans/line-width', 'ortnamn-tatort/text-size']));
  });

  it('leaves no single-value match label and no foldable arithmetic in any shipped style', () => {
    const offending: string[] = [];
    const walk = (value: unknown, where: string): void => {
      if (!Array.isArray(value)) return;
      if (value[0] === 'literal') return;
      if (value[0] === 'match') {
        for (let i = 2; i < value.length - 1; i += 2) if (!Array.isArray(value[i])) offending.push(`${where}: match label ${JSON.stringify(value[i])}`);
      }
      if (['*', '+', '-', '/'].includes(value[0] as string) && value.slice(1).every((v) => typeof v === 'number')) offending.push(`${where}: ${JSON.stringify(value)}`);
      value.forEach((v, i) => walk(v, `${where}[${i}]`));
    };
    for (const style of loadStyles('styles', TILESETS)) {
      for (const layer of style.style.layers) walk([null, (layer as { paint?: unknown }).paint, (layer as { layout?: unknown }).layout, (layer as { filter?: unknown }).filter].flatMap((p) => (p && typeof p === 'object' && !Array.isArray(p) ? Object.values(p) : [p])), `${style.id}/${layer.id}`);
    }
    expect(offending).toEqual([]);
  });
});
