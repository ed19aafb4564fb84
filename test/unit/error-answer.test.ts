import { describe, expect, it } from 'vitest';
import { EngineError, toEngineError } from '../../src/errors.ts';
import { inDialect } from '../../src/http/error-answer.ts';
import { OwsException } from '../../src/ows/ows-exception.ts';
import { WmsException } from '../../src/ows/wms.ts';

describe('the error answer in a route’s dialect', () => {
  const unknown = new EngineError('UNKNOWN_TILESET', 'no tileset "x"; known: a');
  const busy = new EngineError('OVERLOADED', 'too many', { retryAfterS: 3 });

  it('keeps 503 and Retry-After in every dialect; WMTS names an unknown parameter value as OWS does (400)', () => {
    for (const dialect of ['json', 'ows', 'wms'] as const) {
      const answered = inDialect(busy, dialect, toEngineError);
      expect([answered.status, answered.retryAfterS]).toEqual([503, 3]);
    }
    expect(inDialect(unknown, 'json', toEngineError).status).toBe(404);
    expect(inDialect(unknown, 'wms', toEngineError).status).toBe(404);
    expect(inDialect(unknown, 'ows', toEngineError)).toMatchObject({ status: 400, code: 'InvalidParameterValue' });
  });

  it('writes WMTS errors as OWS exceptions and WMS errors as WMS exceptions, with the message', () => {
    const ows = inDialect(unknown, 'ows', toEngineError);
    expect(ows).toBeInstanceOf(OwsException);
    expect(ows.message).toBe(unknown.message);
    const wms = inDialect(new EngineError('PRINT_TOO_LARGE', 'too big'), 'wms', toEngineError);
    expect(wms).toBeInstanceOf(WmsException);
    expect([wms.code, wms.status]).toEqual(['InvalidParameterValue', 413]);
    expect(inDialect(unknown, 'json', toEngineError)).toBe(unknown);
  });

  it('leaves an exception a protocol parser threw as it is, and turns anything else into INTERNAL', () => {
    const parsed = new WmsException('LayerNotDefined', 'no layer', 404);
    expect(inDialect(parsed, 'json', toEngineError)).toBe(parsed);
    const bug = inDialect(new TypeError('x is undefined'), 'ows', toEngineError);
    expect([bug.status, bug.code]).toEqual([500, 'NoApplicableCode']);
  });
});
