/**
 * Named places of the demo map. The municipalities are facts (copied from
 * /work/shared/data/municipalities.json: codes, names, approximate main-town centres in WGS84);
 * the other towns are real place names at approximate positions, hand-placed in EPSG:3006.
 * Weights are each town's share of the generated buildings, roughly its relative size.
 */

/** One of the eight Södertörn municipalities. */
export interface Municipality {
  readonly kommunkod: string;
  readonly namn: string;
  readonly centralort: string;
  /** Approximate centre of the main town, WGS84 [lon, lat]. */
  readonly center: readonly [number, number];
  readonly weight: number;
}

/** The eight municipalities, in kommunkod order (their kommun feature ids are 1–8 in this order). */
export const MUNICIPALITIES: readonly Municipality[] = [
  { kommunkod: '0126', namn: 'Huddinge', centralort: 'Huddinge', center: [17.982, 59.237], weight: 7 },
  { kommunkod: '0127', namn: 'Botkyrka', centralort: 'Tumba', center: [17.833, 59.199], weight: 6 },
  { kommunkod: '0128', namn: 'Salem', centralort: 'Rönninge', center: [17.75, 59.193], weight: 3 },
  { kommunkod: '0136', namn: 'Haninge', centralort: 'Handen', center: [18.138, 59.168], weight: 6 },
  { kommunkod: '0138', namn: 'Tyresö', centralort: 'Tyresö', center: [18.229, 59.244], weight: 5 },
  { kommunkod: '0140', namn: 'Nykvarn', centralort: 'Nykvarn', center: [17.431, 59.178], weight: 2.5 },
  { kommunkod: '0181', namn: 'Södertälje', centralort: 'Södertälje', center: [17.626, 59.196], weight: 10 },
  { kommunkod: '0192', namn: 'Nynäshamn', centralort: 'Nynäshamn', center: [17.947, 58.903], weight: 4 },
];

/** A town that is not a centralort, placed in EPSG:3006. */
export interface TownSpec {
  readonly name: string;
  readonly kommunkod: string;
  readonly x: number;
  readonly y: number;
  readonly weight: number;
}

/** Other real towns (tätorter), approximate positions; they anchor railway stations and roads. */
export const SECONDARY_TOWNS: readonly TownSpec[] = [
  { name: 'Flemingsberg', kommunkod: '0126', x: 668200, y: 6568150, weight: 3 },
  { name: 'Segeltorp', kommunkod: '0126', x: 667800, y: 6574700, weight: 2 },
  { name: 'Skogås', kommunkod: '0136', x: 679950, y: 6568600, weight: 3 },
  { name: 'Jordbro', kommunkod: '0136', x: 678750, y: 6560050, weight: 2.5 },
  { name: 'Västerhaninge', kommunkod: '0136', x: 677650, y: 6557650, weight: 3 },
  { name: 'Tungelsta', kommunkod: '0136', x: 674400, y: 6555400, weight: 1.2 },
  { name: 'Tullinge', kommunkod: '0127', x: 665600, y: 6566500, weight: 3 },
  { name: 'Hallunda', kommunkod: '0127', x: 661100, y: 6570500, weight: 3.5 },
  { name: 'Vårsta', kommunkod: '0127', x: 660050, y: 6561650, weight: 1 },
  { name: 'Järna', kommunkod: '0181', x: 647050, y: 6553250, weight: 2 },
  { name: 'Hölö', kommunkod: '0181', x: 646450, y: 6545500, weight: 0.6 },
  { name: 'Mölnbo', kommunkod: '0181', x: 638700, y: 6547900, weight: 0.6 },
  { name: 'Ösmo', kommunkod: '0192', x: 666750, y: 6542000, weight: 1 },
];

/**
 * Extra points that pull municipal borders towards their real shape (Södertälje reaching south,
 * Botkyrka long north–south, Haninge owning the south-eastern archipelago); no town there.
 */
export const KOMMUN_ANCHORS: readonly { readonly kommunkod: string; readonly x: number; readonly y: number }[] = [
  { kommunkod: '0127', x: 662500, y: 6556000 },
  { kommunkod: '0181', x: 650000, y: 6538000 },
  { kommunkod: '0181', x: 632000, y: 6540000 },
  { kommunkod: '0140', x: 630000, y: 6568000 },
  { kommunkod: '0136', x: 690000, y: 6552000 },
  { kommunkod: '0136', x: 684000, y: 6541000 },
  { kommunkod: '0138', x: 692000, y: 6574000 },
  { kommunkod: '0126', x: 673500, y: 6577500 },
  { kommunkod: '0192', x: 660000, y: 6530000 },
];
