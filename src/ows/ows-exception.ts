import { EngineError } from '../errors.ts';
import { element, textElement } from './xml.ts';

/** OWS 1.1 exception codes used by WMTS 1.0.0 (OGC 07-057r7, table 28) with their HTTP status. */
export const OWS_EXCEPTION_STATUS = {
  MissingParameterValue: 400,
  InvalidParameterValue: 400,
  TileOutOfRange: 400,
  OperationNotSupported: 501,
  InvalidUpdateSequence: 400,
  VersionNegotiationFailed: 400,
  NoApplicableCode: 500,
} as const;

export type OwsExceptionCode = keyof typeof OWS_EXCEPTION_STATUS;

/** An error answered as an OWS ExceptionReport rather than JSON. */
export class OwsException extends Error {
  readonly code: OwsExceptionCode;
  readonly locator: string | undefined;
  readonly status: number;
  readonly retryAfterS: number | undefined;

  constructor(code: OwsExceptionCode, message: string, locator?: string, options: { status?: number; retryAfterS?: number } = {}) {
    super(message);
    this.name = 'OwsException';
    this.code = code;
    this.locator = locator;
    this.status = options.status ?? OWS_EXCEPTION_STATUS[code];
    this.retryAfterS = options.retryAfterS;
  }
}

/** The ExceptionReport document of an exception. */
export function exceptionReportXml(error: OwsException): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    element(
      'ows:ExceptionReport',
      {
        'xmlns:ows': 'http://www.opengis.net/ows/1.1',
        'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
        'xsi:schemaLocation': 'http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd',
        version: '1.1.0',
        'xml:lang': 'en',
      },
      element('ows:Exception', { exceptionCode: error.code, locator: error.locator }, textElement('ows:ExceptionText', error.message)),
    )
  );
}

/** Where each engine error points in a WMTS request, and which OWS code it becomes. */
const FROM_ENGINE: Partial<Record<EngineError['code'], [OwsExceptionCode, string]>> = {
  UNKNOWN_TILESET: ['InvalidParameterValue', 'LAYER'],
  UNKNOWN_GRID: ['InvalidParameterValue', 'TILEMATRIXSET'],
  UNKNOWN_FORMAT: ['InvalidParameterValue', 'FORMAT'],
  ZOOM_OUT_OF_RANGE: ['InvalidParameterValue', 'TILEMATRIX'],
};

/** Maps a pipeline error to the OWS exception a WMTS client expects. */
export function owsExceptionOf(error: EngineError): OwsException {
  if (error.code === 'INVALID_TILE_COORDINATE') {
    const parameter = error.detail?.parameter;
    if (parameter === 'z') return new OwsException('InvalidParameterValue', error.message.replace(/^zoom/, 'TileMatrix'), 'TILEMATRIX');
    const locator = parameter === 'x' ? 'TILECOL' : 'TILEROW';
    const message = error.message.replace(/^[xy] /, `${locator === 'TILECOL' ? 'TileCol' : 'TileRow'} `).replace(' at zoom ', ' at TileMatrix ');
    return new OwsException('TileOutOfRange', message, locator);
  }
  const mapped = FROM_ENGINE[error.code];
  if (mapped) return new OwsException(mapped[0], error.message, mapped[1]);
  return new OwsException('NoApplicableCode', error.message, undefined, {
    status: error.status,
    ...(error.retryAfterS === undefined ? {} : { retryAfterS: error.retryAfterS }),
  });
}
