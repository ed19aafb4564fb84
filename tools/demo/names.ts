import type { Random } from './random.ts';

/**
 * Swedish-sounding names built from word lists: streets, main streets, village names and
 * the roads named after the town they lead to.
 */

/** First parts of local street names: trees, flowers, birds, old trades, landscape. */
const STREET_WORDS = [
  'Björk', 'Tall', 'Gran', 'Ek', 'Lind', 'Lönn', 'Ask', 'Al', 'Asp', 'Rönn', 'Hassel', 'Sälg', 'Lärk', 'Hägg', 'Oxel',
  'Syren', 'Fläder', 'Ljung', 'Vide', 'En', 'Blåbärs', 'Lingon', 'Hallon', 'Smultron', 'Vallmo', 'Klöver', 'Viol',
  'Kastanj', 'Tulpan', 'Prästkrage', 'Blåklints', 'Vitsippe', 'Gullvive', 'Lilje', 'Rosen', 'Trast', 'Fink', 'Sparv',
  'Sval', 'Orre', 'Tjäder', 'Hök', 'Falk', 'Uggle', 'Mås', 'Tran', 'Vip', 'Duv', 'Hjort', 'Räv', 'Ekorr', 'Sol',
  'Mån', 'Stjärn', 'Skogs', 'Bergs', 'Sjö', 'Ängs', 'Åker', 'Kvarn', 'Smed', 'Skol', 'Kyrk', 'Park', 'Tegel', 'Torg',
  'Bäck', 'Ström', 'Hamn', 'Båt', 'Segel', 'Fiskar', 'Verkstads', 'Snickar', 'Murar', 'Bagar', 'Mjölnar', 'Vävar',
  'Hantverkar', 'Gärdes', 'Hage', 'Sten', 'Sand', 'Mosse', 'Kärr', 'Udd', 'Vik', 'Näs', 'Holm', 'Back', 'Hed',
] as const;

/** Second parts of local street names. */
const STREET_KINDS = ['vägen', 'stigen', 'gatan', 'gränd', 'backen', 'slingan', 'allén', 'gången'] as const;

/** Names of a town's main streets (every sixth street); none can also come out of streetName(). */
const MAIN_STREETS = [
  'Drottninggatan', 'Järnvägsgatan', 'Nygatan', 'Centralvägen', 'Industrivägen', 'Bangårdsvägen', 'Tingsvägen',
  'Landsvägen', 'Ringvägen', 'Idrottsvägen', 'Strandvägen', 'Gamla vägen', 'Norra vägen', 'Södra vägen',
  'Östra vägen', 'Västra vägen', 'Malmvägen', 'Postvägen', 'Brunnsvägen', 'Prästgårdsvägen', 'Gästgivarvägen',
  'Tullvägen', 'Allévägen', 'Hagavägen', 'Kungsgatan', 'Stationsvägen', 'Föreningsvägen', 'Badhusvägen',
] as const;

/** Village name beginnings. */
const VILLAGE_HEADS = [
  'Ek', 'Björk', 'Lind', 'Ask', 'Sjö', 'Berg', 'Norr', 'Sör', 'Väster', 'Öster', 'Lill', 'Stor', 'Hag', 'Ny', 'Gran',
  'Tall', 'Al', 'Rönn', 'Hassel', 'Sand', 'Sten', 'Kvarn', 'Kyrk', 'Ulv', 'Råd', 'Vret', 'Häst', 'Ox', 'Ors', 'Frö',
  'Tors', 'Grind', 'Skog', 'Mal', 'Hall', 'Ängs', 'Lunda', 'Bränn', 'Kärr', 'Myr',
] as const;

/** Village name endings. */
const VILLAGE_TAILS = ['by', 'sta', 'vik', 'berga', 'torp', 'näs', 'hult', 'ängen', 'dal', 'holm', 'sätra', 'tuna', 'åker', 'hagen', 'löt', 'säter', 'ryd', 'boda'] as const;

/** How many distinct local street names a town can have. */
export const STREET_NAME_COUNT = STREET_WORDS.length * STREET_KINDS.length;

/**
 * The n-th local street name (n taken modulo STREET_NAME_COUNT). Consecutive n walk the word
 * list first, so nearby serials give different first words.
 */
export function streetName(n: number): string {
  const k = ((n % STREET_NAME_COUNT) + STREET_NAME_COUNT) % STREET_NAME_COUNT;
  return `${STREET_WORDS[k % STREET_WORDS.length]}${STREET_KINDS[Math.floor(k / STREET_WORDS.length)]}`;
}

/** How many distinct main street names there are. */
export const MAIN_STREET_COUNT = MAIN_STREETS.length;

/** The n-th main street name (n ≥ 0, wraps around). */
export function mainStreetName(n: number): string {
  return MAIN_STREETS[((n % MAIN_STREETS.length) + MAIN_STREETS.length) % MAIN_STREETS.length]!;
}

/** Distinct village names, none equal to a name in `taken`. */
export function villageNames(rng: Random, count: number, taken: ReadonlySet<string>): string[] {
  const names: string[] = [];
  const used = new Set(taken);
  for (let attempt = 0; names.length < count; attempt++) {
    if (attempt > 10_000) throw new Error('ran out of village names');
    const head = rng.pick(VILLAGE_HEADS);
    const tail = rng.pick(VILLAGE_TAILS);
    // "Ekby", "Berghult"; avoid doubled letters at the seam ("Tallläng").
    const name = head.endsWith(tail[0]!) ? head + tail.slice(1) : head + tail;
    if (used.has(name)) continue;
    used.add(name);
    names.push(name);
  }
  return names;
}

/** The road named after the town it leads to: "Huddingevägen", "Nykvarnsvägen", "Skogåsvägen". */
export function roadNameTowards(town: string): string {
  const last = town[town.length - 1]!.toLowerCase();
  return 'aeiouyåäö'.includes(last) || last === 's' ? `${town}vägen` : `${town}svägen`;
}
