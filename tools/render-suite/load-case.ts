/**
 * The render suite's test folders: `tests/<group>/<case>/style.json` beside `expected.png`,
 * with the test's settings in the style's `metadata.test` (see the suite's README).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StyleSpecification } from '@maplibre/maplibre-gl-style-spec';

/** One test case on disk. */
export interface SuiteCase {
  /** `<group>/<case>`, as the suite names it. */
  readonly id: string;
  readonly group: string;
  readonly dir: string;
}

/** What a test asks for, with the suite's defaults filled in. */
export interface CaseSpec {
  /** Canvas size in CSS pixels. */
  readonly width: number;
  readonly height: number;
  readonly pixelRatio: number;
  /** The suite's bar: the largest fraction of differing pixels that still passes. */
  readonly allowed: number;
  /** View centre, [longitude, latitude]. */
  readonly center: readonly [number, number];
  /** MapLibre zoom (512-px world at zoom 0). */
  readonly zoom: number;
  readonly bearing: number;
  readonly pitch: number;
  /** Keys of `metadata.test` that ask for more than a still image (operations, queries…). */
  readonly extras: readonly string[];
}

/** The suite's defaults (README): 512 × 512 at pixel ratio 1, bar 0.00015. */
export const SUITE_DEFAULTS = { width: 512, height: 512, pixelRatio: 1, allowed: 0.00015 } as const;

/** `metadata.test` keys that need a live map (a 2D still renderer cannot honour them). */
const EXTRA_KEYS = ['operations', 'queryGeometry', 'queryOptions', 'collisionDebug', 'showOverdrawInspector', 'debug', 'addFakeCanvas'];

/** Test cases under `<folder>/tests`, sorted by id; `filter` keeps ids containing it. */
export function listCases(folder: string, filter?: string): SuiteCase[] {
  const testsDir = join(folder, 'tests');
  const cases: SuiteCase[] = [];
  for (const group of readdirSync(testsDir).sort()) {
    const groupDir = join(testsDir, group);
    let names: string[];
    try {
      names = readdirSync(groupDir).sort();
    } catch {
      continue; // a file, not a group
    }
    for (const name of names) {
      const dir = join(groupDir, name);
      if (!existsSync(join(dir, 'style.json'))) continue;
      const id = `${group}/${name}`;
      if (filter && !id.includes(filter)) continue;
      cases.push({ id, group, dir });
    }
  }
  return cases;
}

/** Reads a case's style; the expected image stays on disk. */
export function loadCase(testCase: SuiteCase): { style: StyleSpecification; spec: CaseSpec } {
  const style = JSON.parse(readFileSync(join(testCase.dir, 'style.json'), 'utf8')) as StyleSpecification;
  return { style, spec: parseCaseSpec(style) };
}

/** The test settings of a style, with defaults: pure, so it can be checked on its own. */
export function parseCaseSpec(style: unknown): CaseSpec {
  const root = isRecord(style) ? style : {};
  const metadata = isRecord(root['metadata']) ? root['metadata'] : {};
  const test = isRecord(metadata['test']) ? metadata['test'] : {};
  const center = Array.isArray(root['center']) ? root['center'] : [];
  return {
    width: positive(test['width'], SUITE_DEFAULTS.width),
    height: positive(test['height'], SUITE_DEFAULTS.height),
    pixelRatio: positive(test['pixelRatio'], SUITE_DEFAULTS.pixelRatio),
    allowed: finite(test['allowed'], SUITE_DEFAULTS.allowed),
    center: [finite(center[0], 0), finite(center[1], 0)],
    zoom: finite(root['zoom'], 0),
    bearing: finite(root['bearing'], 0),
    pitch: finite(root['pitch'], 0),
    extras: EXTRA_KEYS.filter((key) => test[key] !== undefined && test[key] !== false),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : fallback;
}
