import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The offline OGC schemas Debian's python3-mapproxy ships. */
export const OGC_SCHEMAS = '/usr/share/python3-mapproxy/test/schemas';

/** Validates an XML document against a schema with xmllint, offline; returns xmllint's verdict. */
export function validateXml(xml: string, schema: string): { valid: boolean; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'xml-')), 'doc.xml');
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(OGC_SCHEMAS, schema), file], { encoding: 'utf8' });
  return { valid: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const run = promisify(execFile);

// Clients run asynchronously: the engine under test answers from this same process.

/** Runs a Python snippet with Debian's python3 (where python3-owslib is installed); returns stdout as JSON. */
export async function runPython<T>(code: string): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/** gdalinfo -json of a dataset name, without GDAL's WMS cache. */
export async function gdalinfo(name: string): Promise<Record<string, any>> {
  const { stdout } = await run('gdalinfo', ['-json', '-nomd', name], { encoding: 'utf8', env: { ...process.env, GDAL_ENABLE_WMS_CACHE: 'NO', GDAL_HTTP_TIMEOUT: '20' } });
  return JSON.parse(stdout) as Record<string, any>;
}
