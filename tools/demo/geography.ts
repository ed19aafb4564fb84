import type { Bbox, Xy } from './geometry.ts';

/**
 * The hand-drawn skeleton of the demo landscape in EPSG:3006: coastlines, lakes and the
 * routes of motorways and railways. Loosely modelled on the real Södertörn; the generator
 * smooths and roughens these lines with seeded noise.
 *
 *        626000                                           698000
 *  6584000 ┌─ Mälaren ─┐                              ┌── Baltic ─┐
 *          │  ╲___    │ Södertälje   Huddinge  Tyresö│           │
 *          │      canal│──E4/E20──────────     ~~~~~~│           │
 *          │ Nykvarn   ╲                  Handen     │           │
 *          │            fjord                 ╲      │           │
 *          │                              Nynäshamn ~~           │
 *  6520000 └─────────────────────────────────────────────────────┘
 */

/** The demo region: all municipality centres plus at least ~12 km margin. */
export const REGION_BBOX: Bbox = [626000, 6520000, 698000, 6584000];

/**
 * The Baltic coast from the north edge (east of Tyresö) to the south edge (south-west of
 * Nynäshamn), with Himmerfjärden reaching up towards Södertälje. Sea lies to the left of the
 * direction of travel, i.e. east and south.
 */
export const SEA_COAST: readonly Xy[] = [
  [691000, 6584000],
  [689500, 6577000],
  [688800, 6570000],
  [690500, 6563000],
  [687500, 6556500],
  [681500, 6551500],
  [676000, 6547500],
  [673000, 6541000],
  [671600, 6535500],
  [671300, 6530500],
  [668500, 6528000],
  [665000, 6530000],
  [663500, 6535500],
  [660500, 6539500],
  [657500, 6546500],
  [655200, 6553000],
  [653200, 6558300], // Himmerfjärden's head, south-east of Södertälje
  [651000, 6556000],
  [651500, 6549000],
  [649500, 6541000],
  [645000, 6532000],
  [640000, 6526000],
  [637000, 6520000],
];

/** Mälaren's southern shore from the north edge to the west edge, with the bay at Södertälje. */
export const MALAREN_SHORE: readonly Xy[] = [
  [653500, 6584000],
  [652500, 6578000],
  [651000, 6571500],
  [650300, 6567600], // the bay's tip, north of Södertälje
  [648300, 6570500],
  [644500, 6573500],
  [639000, 6571000],
  [633000, 6575500],
  [626000, 6577500],
];

/** Centre line of Södertälje kanal, from inside Mälaren's bay to inside Himmerfjärden. */
export const CANAL_LINE: readonly Xy[] = [
  [649900, 6570600],
  [650400, 6567000],
  [650550, 6565000],
  [650800, 6563000],
  [652000, 6560500],
  [653600, 6556000],
  [653900, 6553500],
];

/** A named lake: centre, length and width (metres) and the direction of its long axis. */
export interface LakeSpec {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly lengthM: number;
  readonly widthM: number;
  /** Direction of the long axis, degrees counter-clockwise from east. */
  readonly axisDeg: number;
}

/** Real lake names at approximate positions. */
export const LAKES: readonly LakeSpec[] = [
  { name: 'Magelungen', x: 674500, y: 6572800, lengthM: 3400, widthM: 800, axisDeg: 135 },
  { name: 'Drevviken', x: 682000, y: 6572600, lengthM: 3600, widthM: 800, axisDeg: 80 },
  { name: 'Orlången', x: 673600, y: 6567800, lengthM: 2600, widthM: 700, axisDeg: 20 },
  { name: 'Tullingesjön', x: 664000, y: 6568800, lengthM: 2800, widthM: 500, axisDeg: 85 },
  { name: 'Albysjön', x: 662600, y: 6571200, lengthM: 1500, widthM: 450, axisDeg: 75 },
  { name: 'Bornsjön', x: 655600, y: 6570800, lengthM: 2600, widthM: 1200, axisDeg: 20 },
  { name: 'Måsnaren', x: 655800, y: 6561500, lengthM: 2000, widthM: 700, axisDeg: 110 },
  { name: 'Långsjön', x: 669500, y: 6573700, lengthM: 1100, widthM: 350, axisDeg: 30 },
  { name: 'Yngern', x: 635500, y: 6556000, lengthM: 7000, widthM: 1400, axisDeg: 60 },
  { name: 'Lissmasjön', x: 676000, y: 6566000, lengthM: 1000, widthM: 500, axisDeg: 0 },
  { name: 'Muskan', x: 667500, y: 6547000, lengthM: 2000, widthM: 600, axisDeg: 100 },
  { name: 'Sillen', x: 642000, y: 6554500, lengthM: 3000, widthM: 800, axisDeg: 70 },
];

/** A hand-routed line: motorway (with its signed name) or railway. */
export interface RouteSpec {
  readonly name: string;
  readonly waypoints: readonly Xy[];
}

/** Motorways. E4 and E20 share the stretch Södertälje–Kungens kurva, as they do in reality. */
export const MOTORWAYS: readonly RouteSpec[] = [
  { name: 'E20', waypoints: [[626000, 6560000], [632000, 6561500], [639000, 6564600], [645000, 6566000], [647500, 6565500]] },
  { name: 'E4', waypoints: [[633000, 6520000], [640000, 6535000], [644500, 6551000], [646500, 6558000], [647500, 6565500]] },
  {
    name: 'E4/E20',
    waypoints: [[647500, 6565500], [652000, 6566800], [656000, 6566500], [660000, 6569000], [661500, 6572800], [666500, 6575000], [668000, 6584000]],
  },
  { name: 'Nynäsvägen', waypoints: [[677200, 6584000], [677000, 6576000], [677300, 6569000], [678000, 6563500]] },
  {
    name: 'Väg 73',
    waypoints: [[678000, 6563500], [677000, 6559500], [676000, 6556500], [671000, 6550000], [668500, 6542500], [669000, 6537000], [669700, 6534200]],
  },
];

/** Railways by type: the Stockholm commuter trains and the main lines. */
export const RAILWAYS: readonly (RouteSpec & { readonly typ: 'pendeltåg' | 'järnväg' })[] = [
  {
    name: 'Södertälje–Stockholm',
    typ: 'pendeltåg',
    waypoints: [[650300, 6564300], [653500, 6564000], [657100, 6564300], [661800, 6565200], [665600, 6566000], [668200, 6567800], [670300, 6569900], [671000, 6572300], [672500, 6584000]],
  },
  {
    name: 'Nynäsbanan',
    typ: 'pendeltåg',
    waypoints: [[669800, 6533500], [668500, 6538000], [666900, 6542300], [669500, 6549000], [674300, 6555000], [677700, 6557400], [678900, 6560200], [679500, 6563000], [680000, 6568300], [679600, 6573000], [678700, 6584000]],
  },
  {
    name: 'Grödingebanan',
    typ: 'järnväg',
    waypoints: [[668200, 6567800], [664000, 6561500], [658000, 6557500], [654500, 6559500], [651000, 6559500], [647100, 6553300], [640000, 6538000], [634000, 6520000]],
  },
  {
    name: 'Svealandsbanan',
    typ: 'järnväg',
    waypoints: [[650300, 6564300], [644000, 6563200], [639200, 6561800], [626000, 6559000]],
  },
];
