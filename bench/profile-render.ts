/**
 * Where a render's time goes: `npx tsx bench/profile-render.ts [--zoom 13] [--rounds 5] [--out file.cpuprofile]`
 * draws the 4 × 4 metatiles of the metatile benchmark at one zoom (the bench database, the
 * engine's tile content, labels with the shipped fonts) in this thread under V8's sampling
 * profiler, encodes each tile as the render threads do, and prints the self time per
 * function and per stage (decode, style evaluation, symbol layout and placement, Skia
 * drawing, pixel painting, readback, encode). The profile file opens in Chrome's DevTools.
 * `--ab` times a metatile drawn whole against only its tiles drawn (view.keep); `--encode`
 * times one tile through the palette encoder's settings.
 *
 * Skia records draw calls and rasterises when pixels are read (getImageData, drawImage of
 * a canvas): its drawing shows up there, under "paths & drawing calls (native)".
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import sharp from 'sharp';
import { loadConfig } from '../src/config/load-config.ts';
import { FontLibrary } from '../src/fonts/font-library.ts';
import { boxAround, dataLevel, metatileOf, metatileView, styleZoomOf } from '../src/grids/metatile.ts';
import { bboxToTileRange, tileToBbox, type Bbox } from '../src/grids/tile-grid.ts';
import { webMercatorQuad as grid } from '../src/grids/web-mercator-quad.ts';
import { createLogger } from '../src/logger.ts';
import type { RenderView, SourceTile } from '../src/render/renderer.ts';
import { Database } from '../src/sources/postgis/database.ts';
import { PostgisSource } from '../src/sources/postgis/postgis-source.ts';
import { loadStyles } from '../src/styles/style-store.ts';
import { tileContentOf } from '../src/styles/tile-content-rules.ts';
import { encodeImage } from '../workers/encode.ts';
import { renderImage } from '../workers/skia/skia-renderer.ts';
import { ThreadGlyphs } from '../workers/thread-glyphs.ts';
import { ensureBenchDatabase } from './lib/bench-db.ts';
import { benchTiles } from './lib/bench-tiles.ts';
import { warmGlyphs } from './lib/glyphs.ts';
import { median, msSince, round } from './lib/stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stages by the file a function lives in (the first match wins); `(native)` is time in C++ (Skia, libvips). */
const STAGES: [string, RegExp][] = [
  ['MVT decode', /vector-tile|pbf|tile-geometry/],
  ['style evaluation', /maplibre-gl-style-spec|style-evaluation/],
  ['symbol layout & placement', /symbol-|text-layout|icon-layout|text-shaping|line-symbols|line-placement|collision-index|merge-lines|glyphs\.ts/],
  ['symbol & circle painting (JS pixel loops)', /draw-sdf|draw-icon|paint-buffer|circle-coverage|draw-circle|raster-quad/],
  ['paths & drawing calls', /feature-paths|draw-fill|draw-line|line-offset|line-overlaps|draw-context|skia-renderer|pattern|draw-background/],
  ['encode', /encode\.ts|sharp/],
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { zoom: { type: 'string', default: '13' }, rounds: { type: 'string', default: '5' }, out: { type: 'string' }, ab: { type: 'boolean' }, encode: { type: 'boolean' } } });
  const z = Number(values.zoom);
  const rounds = Number(values.rounds);
  const config = loadConfig({});
  const tileset = config.tilesets.find((t) => t.id === 'sodertorn')!;
  const styles = loadStyles(config.render.stylesDir, new Set(config.tilesets.map((t) => t.id)));
  const style = styles.find((s) => s.id === 'grundkarta')!;
  const databaseUrl = await ensureBenchDatabase('sodertorn_bench', { seed: 1, buildings: 200_000 });
  const db = new Database({ ...config.database, url: databaseUrl, maxQueued: 1000 }, createLogger('silent'));
  const source = new PostgisSource(tileset, db, config.tiles, undefined, tileContentOf(tileset, styles));
  const fonts = await FontLibrary.load(config.fonts.dir);
  const glyphs = new ThreadGlyphs();
  const views: { view: RenderView; tiles: SourceTile[]; pieces: ReturnType<typeof metatileView>['pieces'] }[] = [];
  try {
    const dataZ = dataLevel(grid, z, [0, 18]);
    const tilesUnder = async (bbox: Bbox): Promise<SourceTile[]> => {
      const range = bboxToTileRange(grid, bbox, dataZ)!;
      const under: Promise<SourceTile>[] = [];
      for (let y = range.minY; y <= range.maxY; y++) {
        for (let x = range.minX; x <= range.maxX; x++) under.push(source.getTile({ grid, z: dataZ, x, y }).then((mvt) => ({ sourceId: 'sodertorn', bbox: tileToBbox(grid, dataZ, x, y), mvt })));
      }
      return Promise.all(under);
    };
    const blocks = new Map(benchTiles(1, [z]).map((t) => [`${Math.floor(t.x / 4)}/${Math.floor(t.y / 4)}`, metatileOf(grid, z, t.x, t.y, 4)]));
    for (const meta of blocks.values()) {
      const mv = metatileView(grid, meta, config.render.metatileBufferPx, 2);
      views.push({ view: { bbox: mv.bbox, widthPx: mv.widthPx, heightPx: mv.heightPx, pixelRatio: 2, zoom: styleZoomOf(grid, z) }, tiles: await tilesUnder(mv.bbox), pieces: mv.pieces });
    }
  } finally {
    await db.close();
  }
  const draw = async ({ view, tiles, pieces }: (typeof views)[number]) => {
    // As a render thread draws a metatile: only its tiles, the buffer round them placing labels.
    const keep = boxAround(pieces)!;
    const image = renderImage(style.style as StyleSpecification, { ...view, keep }, tiles, { glyphs: glyphs.loader });
    for (const piece of pieces) await encodeImage(image, 'png', config.render, { ...piece, left: piece.left - keep.left, top: piece.top - keep.top }, true);
  };
  for (const v of views) await warmGlyphs(glyphs, fonts, () => renderImage(style.style as StyleSpecification, v.view, v.tiles, { glyphs: glyphs.loader }));
  for (const v of views) await draw(v); // JIT warm
  if (values.ab) {
    // A/B: whole canvas drawn vs only the kept tiles, interleaved so a busy machine weighs on both alike.
    const cpuMs = (f: () => void) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
    const a: number[] = [], b: number[] = [];
    for (let r = 0; r < rounds; r++) for (const { view, tiles, pieces } of views) {
      const keep = boxAround(pieces)!;
      a.push(cpuMs(() => renderImage(style.style as StyleSpecification, view, tiles, { glyphs: glyphs.loader })));
      b.push(cpuMs(() => renderImage(style.style as StyleSpecification, { ...view, keep }, tiles, { glyphs: glyphs.loader })));
    }
    console.log(`A/B per metatile render (CPU ms, median): whole canvas ${round(median(a), 1)}, kept tiles only ${round(median(b), 1)}`);
  }
  if (values.encode) {
    // One tile of the first metatile through the encoder's settings: time and bytes.
    const v = views[0]!;
    const image = renderImage(style.style as StyleSpecification, v.view, v.tiles, { glyphs: glyphs.loader });
    const piece = v.pieces[5] ?? v.pieces[0]!;
    const level = config.render.pngCompressionLevel;
    for (const [name, opts] of [
      ['true colour', { compressionLevel: level, adaptiveFiltering: false }],
      ['palette, dithered, effort 4', { compressionLevel: level, palette: true, quality: 70, effort: 4 }],
      ['palette, not dithered, effort 3 (the engine\'s)', { compressionLevel: level, palette: true, quality: 70, effort: 3, dither: 0 }],
      ['palette, not dithered, zlib level 9', { compressionLevel: 9, palette: true, quality: 70, effort: 3, dither: 0 }],
    ] as const) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 9; i++) {
        const t0 = process.hrtime.bigint();
        bytes = (await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } }).extract(piece).png(opts).toBuffer()).length;
        times.push(msSince(t0));
      }
      console.log(`  encode ${name}: ${round(median(times), 1)} ms, ${bytes} B`);
    }
  }

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const v of views) await draw(v);
  const totalMs = msSince(start);
  const cpu = process.cpuUsage(cpuStart);
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  session.disconnect();
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));

  const tilesDrawn = rounds * views.reduce((n, v) => n + v.pieces.length, 0);
  // CPU time counts this process's threads (libvips' too); wall time also counts waiting for a busy machine.
  console.log(`z${z}: ${views.length} metatiles × ${rounds} rounds, ${round(totalMs / tilesDrawn, 1)} ms per tile (render + palette PNG), ${round((cpu.user + cpu.system) / 1000 / tilesDrawn, 1)} ms CPU, one thread`);
  const { byFunction, byStage, sampledMs } = selfTimes(profile);
  console.log('\nper stage (self time):');
  for (const [stage, ms] of [...byStage].sort((a, b) => b[1] - a[1])) console.log(`  ${stage.padEnd(44)} ${String(round((100 * ms) / sampledMs, 1)).padStart(5)} %`);
  console.log('\ntop functions (self time):');
  for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${String(round((100 * ms) / sampledMs, 1)).padStart(5)} %  ${name}`);
}

/** Self time per function and per stage; a native frame counts for the JS function that called it. */
function selfTimes(profile: CpuProfile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byFunction = new Map<string, number>();
  const byStage = new Map<string, number>();
  let sampledMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    let node = nodes.get(id)!;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') return;
    sampledMs += ms;
    const native = url === '';
    // For a native frame (or a library's wrapper round one), find the engine's function that it ran for.
    let caller = node;
    const isOurs = (n: ProfileNode) => /\/(workers|src|bench)\//.test(n.callFrame.url) || /vector-tile|pbf|maplibre-gl-style-spec|sharp/.test(n.callFrame.url);
    while (!isOurs(caller) && parent.has(caller.id) && nodes.get(parent.get(caller.id)!)!.callFrame.functionName !== '(root)') caller = nodes.get(parent.get(caller.id)!)!;
    if (!isOurs(caller)) caller = node;
    const file = caller.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|workers\/skia|workers|src\/[^/]+)\//, '$1/');
    const via = node.callFrame.url.includes('@napi-rs/canvas') || native ? `[${native ? 'native' : 'canvas'}: ${functionName || '?'}${native && parent.has(id) ? ` via ${nodes.get(parent.get(id)!)!.callFrame.functionName}` : ''}] ` : '';
    const name = `${via}${caller.callFrame.functionName || '(anonymous)'} ${file}:${caller.callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const stage = STAGES.find(([, pattern]) => pattern.test(caller.callFrame.url))?.[0] ?? (caller.callFrame.url === '' ? 'native, no JS caller (GC, compiler)' : 'other JS');
    const key = native && stage !== 'encode' && !/GC|garbage/i.test(functionName) ? `${stage} (native)` : /GC|garbage/i.test(functionName) ? 'garbage collection' : stage;
    byStage.set(key, (byStage.get(key) ?? 0) + ms);
    node = caller;
  });
  return { byFunction, byStage, sampledMs };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
