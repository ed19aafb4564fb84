/**
 * The one error answer, in the dialect of the route that failed: JSON (`{error: {code,
 * message, …}}`), an OWS exception report (WMTS) or a WMS service exception report. Each
 * client gets the document it parses; the status, Retry-After and WWW-Authenticate are the
 * same in every dialect.
 */
import type { ServerResponse } from 'node:http';
import { EngineError } from '../errors.ts';
import { exceptionReportXml, OwsException, owsExceptionOf } from '../ows/ows-exception.ts';
import { WmsException, wmsExceptionXml } from '../ows/wms.ts';
import { sendError } from './respond.ts';

/** How a route's errors are written. */
export type ErrorDialect = 'json' | 'ows' | 'wms';

/** Anything a route may throw, as the error its dialect writes (unknown errors become INTERNAL). */
export type AnswerableError = EngineError | OwsException | WmsException;

/** The WMS exception an engine error becomes, keeping its status. */
export function wmsExceptionOf(error: EngineError): WmsException {
  const code = error.status === 400 || error.status === 413 ? 'InvalidParameterValue' : 'NoApplicableCode';
  return new WmsException(code, error.message, error.status, error.retryAfterS);
}

/** A thrown value as an error of the dialect (an OWS or WMS exception thrown by a parser stays what it is). */
export function inDialect(thrown: unknown, dialect: ErrorDialect, toEngineError: (thrown: unknown) => EngineError): AnswerableError {
  if (thrown instanceof OwsException || thrown instanceof WmsException) return thrown;
  const error = thrown instanceof EngineError ? thrown : toEngineError(thrown);
  if (dialect === 'ows') return owsExceptionOf(error);
  if (dialect === 'wms') return wmsExceptionOf(error);
  return error;
}

/** Writes the error answer: no-store, Retry-After for 503s, a Bearer challenge for 401s. */
export function sendErrorAnswer(res: ServerResponse, error: AnswerableError, headers: Record<string, string>): void {
  if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="sodertorn-tiles"';
  if (error instanceof EngineError) return sendError(res, error, headers);
  const body = Buffer.from(error instanceof OwsException ? exceptionReportXml(error) : wmsExceptionXml(error));
  res.writeHead(error.status, {
    ...headers,
    'Content-Type': error instanceof OwsException ? 'application/xml; charset=utf-8' : 'text/xml; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...(error.retryAfterS === undefined ? {} : { 'Retry-After': String(error.retryAfterS) }),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
