#!/usr/bin/env node
/**
 * Screenshots of both web demos at desktop (1280 × 900) and phone (390 × 844) width, for looking at
 * their layout by eye: `node scripts/web-screenshots.mjs [outDir]` (default: the system's temp folder)
 * after `npm run build`. The MNIST page after a 6 400-image run (its accuracy axis zoomed) with a
 * digit drawn on the pad; the images page after training on generated pictures and classifying six.
 * Writes mnist-desktop.png, mnist-phone.png, images-desktop.png and images-phone.png.
 */
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../examples/web/server.mjs';
import { pictures } from './browser-images-test.mjs';

const server = await startServer({ port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'shots-'));
const ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
const out = process.argv[2] ?? tmpdir();
for (const [w, h, tag] of [[1280, 900, 'desktop'], [390, 844, 'phone']]) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: w, height: h });
  await page.goto(`${server.url}?limit=6400&epochs=1&testLimit=1000&evalEvery=10&evalLimit=300&autostart=1`);
  await page.waitForFunction(() => window.demo?.state === 'done' || window.demo?.state === 'error', null, { timeout: 120000 });
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  const px = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...px(0.5, 0.15)); await page.mouse.down();
  for (const [fx, fy] of [[0.5, 0.5], [0.5, 0.85]]) await page.mouse.move(...px(fx, fy), { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/mnist-${tag}.png`, fullPage: true });
  const p2 = await ctx.newPage();
  await p2.setViewportSize({ width: w, height: h });
  await p2.goto(`${server.url}images.html?epochs=6`);
  await p2.waitForFunction(() => window.imagesDemo?.state === 'ready');
  await p2.setInputFiles('input[data-class="0"]', pictures(0, 0, 12));
  await p2.setInputFiles('input[data-class="1"]', pictures(1, 100, 12));
  await p2.waitForFunction(() => window.imagesDemo.counts.every((c) => c === 12));
  await p2.click('#train');
  await p2.waitForFunction(() => window.imagesDemo.done !== null);
  await p2.setInputFiles('#test-files', [...pictures(0, 1000, 3), ...pictures(1, 2000, 3)]);
  await p2.waitForFunction(() => window.imagesDemo.predictions.length === 6);
  await p2.waitForTimeout(300);
  await p2.screenshot({ path: `${out}/images-${tag}.png`, fullPage: true });
  await page.close(); await p2.close();
}
await ctx.close(); await server.close(); rmSync(profile, { recursive: true, force: true });
console.log(`screenshots in ${out}: mnist-desktop.png, mnist-phone.png, images-desktop.png, images-phone.png`);
