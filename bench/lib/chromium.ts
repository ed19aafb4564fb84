import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium: playwright's own browser download cannot reach its host from here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Installs Debian's chromium with apt when it is missing (as root, like scripts/test-setup.mjs). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.error('[bench] installing chromium with apt-get…');
  try {
    execSync('apt-get install -y -qq chromium', { stdio: 'inherit', env });
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    execSync('apt-get update -qq && apt-get install -y -qq chromium', { stdio: 'inherit', env });
  }
}

/** Headless chromium; with --disable-gpu its WebGL runs on SwiftShader (no GPU here). */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
