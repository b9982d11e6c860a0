import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HS, startTestServer, type TestServer } from './support/test-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') {
    throw new Error(
      `${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`,
    );
  }
  console.warn(
    `SKIPPING the live page browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

let server: TestServer;
let browser: Browser;

describe.skipIf(!haveChromium)('live page in headless Chromium', () => {
  beforeAll(async () => {
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists users and updates who is online live', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?access_token=admin-token-123`);
    await page.waitForSelector('body[data-ready="all"]');
    const alice = `@alice:${HS}`;
    const row = page.locator(`#users li[data-user="${alice}"]`);
    expect(await row.getAttribute('data-presence')).toBe('offline');
    await server.as('alice-token-123').setPresence(alice, 'online', 'from the test');
    await page.waitForSelector(`#users li[data-user="${alice}"][data-presence="online"]`);
    expect(await row.textContent()).toContain('from the test');
    expect(await page.locator('#online-count').textContent()).toBe('1');
    await page.close();
  });

  it('shows what a chosen user receives and why', async () => {
    const page = await browser.newPage();
    const auditor = `@auditor:${HS}`;
    const bob = `@bob:${HS}`;
    const carol = `@carol:${HS}`;
    await page.goto(`${server.url}/?user=${encodeURIComponent(bob)}&access_token=admin-token-123`);
    await page.waitForSelector(`body[data-ready="${bob}"]`);
    expect(await page.locator('#received-title').textContent()).toContain(bob);
    // carol shares no room with bob: bob receives nothing of hers.
    await server.as('carol-token-123').setPresence(carol, 'online');
    await page.waitForSelector(`#users li[data-user="${carol}"][data-presence="online"]`);
    // alice shares !lobby with bob.
    await server.as('alice-token-123').setPresence(`@alice:${HS}`, 'unavailable', 'coffee');
    const entry = page.locator(`#received li[data-sender="@alice:${HS}"]`).first();
    await entry.waitFor();
    expect(await entry.textContent()).toContain(`!lobby:${HS}`);
    expect(await page.locator(`#received li[data-sender="${carol}"]`).count()).toBe(0);

    // Choosing the auditor by clicking: it receives carol's update through the router.
    await page.locator(`#users li[data-user="${auditor}"]`).click();
    await page.waitForSelector(`body[data-ready="${auditor}"]`);
    await server.as('carol-token-123').setPresence(carol, 'unavailable');
    const routed = page.locator(`#received li[data-sender="${carol}"]`).first();
    await routed.waitFor();
    expect(await routed.textContent()).toContain('ALL_USERS');
    await page
      .screenshot({ path: `${import.meta.dirname}/../.reports/live-page.png` })
      .catch(() => undefined);
    await page.close();
  });

  it('lists remote deliveries: local presence sent to other servers', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?access_token=admin-token-123`);
    await page.waitForSelector('body[data-ready="all"]');
    // dave shares !ops with @zed:remote.example.
    await server.as('dave-token-123').setPresence(`@dave:${HS}`, 'online');
    const sent = page.locator('#remote li[data-server="remote.example"]').first();
    await sent.waitFor();
    expect(await sent.textContent()).toContain(`@dave:${HS} → remote.example (1 user)`);
    await page.close();
  });
});
