/**
 * A minimal path router: routes are regular expressions with named groups, tried in
 * order. Bare node:http plus this keeps a cached tile off a framework's per-request toll.
 */
export type RouteParams = Record<string, string>;

export interface Route<H> {
  readonly name: string;
  readonly pattern: RegExp;
  readonly handler: H;
  /** The dialect of its error answers (see error-answer.ts); JSON unless the route's clients expect an OGC exception report. */
  readonly errors?: 'json' | 'ows' | 'wms';
}

/** Finds the first route matching a decoded path. */
export function matchRoute<H>(routes: readonly Route<H>[], path: string): { route: Route<H>; params: RouteParams } | undefined {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: { ...m.groups } };
  }
  return undefined;
}
