import { DEFAULT_STYLE, WMTS_FORMATS } from '../core/tile-formats.ts';
import { OwsException } from './ows-exception.ts';


export interface WmtsGetTile {
  readonly request: 'GetTile';
  readonly layer: string;
  readonly style: string;
  /** File extension of the requested format. */
  readonly format: string;
  readonly tileMatrixSet: string;
  readonly tileMatrix: string;
  readonly tileRow: string;
  readonly tileCol: string;
}

export type WmtsRequest = { readonly request: 'GetCapabilities' } | WmtsGetTile;

/** Query parameters with names upper-cased (OGC KVP names are case-insensitive). */
function upperCaseKeys(query: URLSearchParams): Map<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of query) if (!map.has(k.toUpperCase())) map.set(k.toUpperCase(), v);
  return map;
}

function required(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw new OwsException('MissingParameterValue', `parameter ${name} is missing`, name);
  return value;
}

/** Checks a style name against a layer's styles; empty means the default. */
export function checkStyle(style: string, styles: readonly string[]): string {
  if (style === '') return DEFAULT_STYLE;
  if (styles.includes(style)) return style;
  throw new OwsException('InvalidParameterValue', `style "${style.slice(0, 64)}" does not exist for this layer; styles: ${styles.join(', ')}`, 'STYLE');
}

/** Parses a WMTS 1.0.0 KVP request, raising the OWS exception a client expects. */
export function parseWmtsKvp(query: URLSearchParams): WmtsRequest {
  const params = upperCaseKeys(query);
  const service = required(params, 'SERVICE');
  if (service.toUpperCase() !== 'WMTS') throw new OwsException('InvalidParameterValue', `SERVICE must be WMTS, got "${service.slice(0, 32)}"`, 'SERVICE');
  const request = required(params, 'REQUEST');
  if (request.toLowerCase() === 'getcapabilities') {
    const accept = params.get('ACCEPTVERSIONS');
    if (accept && !accept.split(',').map((v) => v.trim()).includes('1.0.0')) {
      throw new OwsException('VersionNegotiationFailed', `only version 1.0.0 is served, not ${accept.slice(0, 32)}`, 'ACCEPTVERSIONS');
    }
    return { request: 'GetCapabilities' };
  }
  if (request.toLowerCase() !== 'gettile') {
    throw new OwsException('OperationNotSupported', `request "${request.slice(0, 32)}" is not supported; use GetCapabilities or GetTile`, 'REQUEST');
  }
  const version = required(params, 'VERSION');
  if (version !== '1.0.0') throw new OwsException('InvalidParameterValue', `VERSION must be 1.0.0, got "${version.slice(0, 16)}"`, 'VERSION');
  const layer = required(params, 'LAYER');
  const style = params.get('STYLE') ?? required(params, 'STYLE');
  const mediaType = required(params, 'FORMAT');
  // Own keys only: FORMAT=constructor must not find Object.prototype.constructor.
  const format = Object.hasOwn(WMTS_FORMATS, mediaType) ? WMTS_FORMATS[mediaType] : undefined;
  if (!format) {
    throw new OwsException('InvalidParameterValue', `format "${mediaType.slice(0, 64)}" is not served; formats: ${Object.keys(WMTS_FORMATS).join(', ')}`, 'FORMAT');
  }
  return {
    request: 'GetTile',
    layer,
    style,
    format,
    tileMatrixSet: required(params, 'TILEMATRIXSET'),
    tileMatrix: required(params, 'TILEMATRIX'),
    tileRow: required(params, 'TILEROW'),
    tileCol: required(params, 'TILECOL'),
  };
}
