/** The slice of fontnik (SDF glyph ranges from font files, as MapLibre's glyph servers make them) the engine uses. */
declare module 'fontnik' {
  export interface FontFaceInfo {
    readonly family_name: string;
    readonly style_name?: string;
    readonly points: readonly number[];
  }
  type Callback<T> = (error: Error | null, result: T) => void;
  export function load(font: Buffer, callback: Callback<FontFaceInfo[]>): void;
  export function range(options: { font: Buffer; start: number; end: number }, callback: Callback<Buffer>): void;
  export function composite(pbfs: Buffer[], callback: Callback<Buffer>): void;
  const fontnik: { load: typeof load; range: typeof range; composite: typeof composite };
  export default fontnik;
}
