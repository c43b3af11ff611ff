/**
 * What loading the console costs a browser with an empty cache: the bytes over the wire (response headers and
 * bodies, compressed as sent, of the page, its files and the data it asks for until it has rendered the status)
 * and the time from navigation start until `rendered` (a selector) is on the page.
 */
import type { Page } from 'playwright-core';

export interface FirstLoad {
  bytes: number;
  requests: number;
  renderedMs: number;
}

export async function firstLoad(page: Page, url: string, rendered: string): Promise<FirstLoad> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
    bytes += event.encodedDataLength;
    requests++;
  });
  await page.goto(url);
  await page.waitForSelector(rendered);
  const renderedMs = await page.evaluate(() => performance.now());
  await cdp.detach();
  return { bytes, requests, renderedMs };
}
