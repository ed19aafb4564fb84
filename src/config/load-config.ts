import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type EngineConfig } from './schema.ts';

/** A configuration that cannot be used; the message names the file and option path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment variables the engine reads. Only this module reads process.env. */
export interface ConfigEnv {
  CONFIG?: string;
  DATABASE_URL?: string;
  PORT?: string;
  HOST?: string;
  PUBLIC_URL?: string;
  LOG_LEVEL?: string;
  REDIS_URL?: string;
  /** access.tokens.secret: the HS256 secret of tokens a portal mints. */
  ACCESS_TOKEN_SECRET?: string;
  /** "true": client addresses from X-Forwarded-For (limits.trustProxy), behind the proxy you run. */
  TRUST_PROXY?: string;
}

export const DEFAULT_CONFIG_PATH = 'config/sodertorn.yaml';

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Validates a parsed document; errors list every bad option by its path. */
export function parseConfig(raw: unknown, source = '<config>'): EngineConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue: z.core.$ZodIssue) => `  ${formatPath(issue.path) || '(root)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration in ${source}:\n${lines.join('\n')}`);
}

function readDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  try {
    return extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`cannot parse configuration file ${path}: ${(error as Error).message}`);
  }
}

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new ConfigError(`PORT must be an integer 0–65535, got "${value}"`);
  return Number(value);
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${value.slice(0, 20)}"`);
}

/** Loads the config file (CONFIG or the default path) and applies environment overrides. */
export function loadConfig(env: ConfigEnv = process.env as ConfigEnv): EngineConfig {
  const path = env.CONFIG ?? DEFAULT_CONFIG_PATH;
  const doc = (readDocument(path) ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const overridden = {
    ...doc,
    server: {
      ...doc.server,
      ...(env.HOST ? { host: env.HOST } : {}),
      ...(env.PORT ? { port: parsePort(env.PORT) } : {}),
      ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
      ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
    },
    database: { ...doc.database, ...(env.DATABASE_URL ? { url: env.DATABASE_URL } : {}) },
    ...(env.TRUST_PROXY ? { limits: { ...doc.limits, trustProxy: parseBoolean('TRUST_PROXY', env.TRUST_PROXY) } } : {}),
    ...(env.ACCESS_TOKEN_SECRET ? { access: { ...doc.access, tokens: { ...(doc.access?.tokens as object | undefined), secret: env.ACCESS_TOKEN_SECRET } } } : {}),
    ...(env.REDIS_URL ? { cache: { ...doc.cache, redis: { ...(doc.cache?.redis as object | undefined), url: env.REDIS_URL } } } : {}),
  };
  return parseConfig(overridden, path);
}
