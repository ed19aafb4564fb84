import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { checkStyles, outputsOf } from '../../src/styles/style-check.ts';
import { loadStyles } from '../../src/styles/style-store.ts';

const config = loadConfig({});
const FONTS = ['Noto Sans Bold', 'Noto Sans Italic', 'Noto Sans Regular'];

function styleDir(layers: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-'));
  cpSync('styles/icons', join(dir, 'icons'), { recursive: true });
  writeFileSync(join(dir, 'test.json'), JSON.stringify({ version: 8, sprite: 'sprite://icons', glyphs: 'fonts://{fontstack}/{range}.pbf', sources: { s: { type: 'vector', url: 'tileset://sodertorn' } }, layers }));
  return dir;
}

describe('the style check', () => {
  it('finds what the data, the fonts and the sprite do not have, and unused icons', () => {
    const dir = styleDir([
      { id: 'a', type: 'line', source: 's', 'source-layer': 'vagar' },
      { id: 'b', type: 'fill', source: 's', 'source-layer': 'byggnad', filter: ['==', ['get', 'typ'], 'x'] },
      { id: 'c', type: 'symbol', source: 's', 'source-layer': 'vag', layout: { 'text-field': '{namn} {nummer}', 'text-font': ['Comic Sans Bold'], 'icon-image': ['case', ['==', ['get', 'klass'], 'E'], 'skold-europavag', 'kyrka'] } },
    ]);
    const findings = checkStyles({ styles: loadStyles(dir, new Set(['sodertorn'])), tilesets: config.tilesets, fonts: FONTS, sprites: new Map([['icons', ['skold-europavag', 'ort-tatort']]]) });
    expect(findings.map((f) => `${f.level} ${f.where}: ${f.message.split(' (')[0]}`)).toEqual([
      'error test layer a: source-layer "vagar" is not a layer of tileset sodertorn',
      'error test layer b: reads attribute "typ", which layer byggnad of tileset sodertorn does not carry',
      'error test layer c: reads attribute "nummer", which layer vag of tileset sodertorn does not carry',
      'warning test layer c: font "Comic Sans Bold" is not in the engine\'s fonts',
      'error test layer c: image "kyrka" is not in sprite icons',
      'warning sprite icons: icon "ort-tatort" is not used by any style',
    ]);
  });

  it('reads the outputs of case, match, step and literal, not their conditions', () => {
    expect(outputsOf(['case', ['==', ['get', 'k'], 'E'], 'e', 'v'])).toEqual(['e', 'v']);
    expect(outputsOf(['match', ['get', 'k'], 'a', 'x', ['b', 'c'], 'y', 'z'])).toEqual(['x', 'y', 'z']);
    expect(outputsOf(['step', ['zoom'], 'p', 12, 'q'])).toEqual(['p', 'q']);
    expect(outputsOf(['literal', ['A', 'B']])).toEqual([['A', 'B']]);
    expect(outputsOf(['get', 'icon'])).toEqual([]);
  });

  it('passes the shipped styles, from the command line', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} };
    expect(await runCli(['check-styles'], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out.at(-1)).toBe('4 styles (fastighetskarta, gra, grundkarta, utskrift): 0 errors, 0 warnings');
  });

  it('fails from the command line on a style with errors, naming them', async () => {
    const dir = styleDir([{ id: 'a', type: 'line', source: 's', 'source-layer': 'vagar' }]);
    const configFile = join(mkdtempSync(join(tmpdir(), 'check-config-')), 'config.yaml');
    writeFileSync(configFile, `render:\n  stylesDir: ${dir}\ntilesets:\n  - { id: sodertorn, layers: [{ id: vag, table: vag, srid: 3006, attributes: [klass] }] }\n`);
    const err: string[] = [];
    const io: CliIo = { out: () => undefined, err: (l) => err.push(l), env: {} };
    expect(await runCli(['check-styles', '--config', configFile], io)).toBe(1);
    expect(err.join('\n')).toMatch(/error: test layer a: source-layer "vagar" is not a layer of tileset sodertorn/);
  });
});
