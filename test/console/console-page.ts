/**
 * Steps of the console's browser tests on a page: giving a token, moving between views, waiting for a state to
 * come, and saving screenshots (to CONSOLE_SCREENSHOTS, default out/console-screenshots).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const SCREENSHOTS = resolve(process.env.CONSOLE_SCREENSHOTS ?? fileURLToPath(new URL('../../../out/console-screenshots/', import.meta.url)));

/** Asks `check` until it gives a value (the awaited state has come) or `timeoutMs` passes. */
export async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Moves the page to another of the console's views (a hash change: the page is not reloaded). */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

export async function giveToken(page: Page, token: string): Promise<void> {
  await page.getByTestId('token-form').waitFor();
  await page.fill('input[name=token]', token);
  await page.click('form.token button[type=submit]');
}
