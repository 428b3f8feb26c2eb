// `fathom inspect-text` writes a self-contained HTML page; rendered here in headless
// Chromium (Debian's package, installed by .ci/run) driven by playwright-core.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { ROOT, scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TEXT = 'Once upon a time, there was a little girl named Lily. She saw a purple elephant <b>in</b> the park.';

describe('inspect-text HTML report', { skip: skipWithoutStories || (!CHROMIUM && 'no Chromium at /usr/bin/chromium (apt-get install chromium)') }, () => {
  it('renders the tokens coloured by surprisal and an attention heatmap that follows the selection', async (t) => {
    const dir = scratchDir('report');
    const out = path.join(dir, 'report.html');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'inspect-text', STORIES_260K, '-p', TEXT, '--out', out]);
    assert.match(stdout, /tokens, perplexity [\d.]+, attention of 5 layers × 8 heads/);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`fetched ${r.url()}`);
      });
      await page.goto(pathToFileURL(out).href);
      await page.waitForSelector('body[data-ready="true"]');

      // Every token is there, in order, and the page text is the input (the markup in it is shown, not run).
      const tokens = await page.$$eval('.token', (spans) => spans.map((s) => s.textContent));
      assert.equal(tokens.join('').replace('<s>', '').trim(), TEXT);
      assert.equal(await page.$$eval('#tokens b', (b) => b.length), 0);
      // Surprising tokens are coloured; the first (unscored) token is not.
      const backgrounds = await page.$$eval('.token', (spans) => spans.map((s) => s.style.background));
      assert.equal(backgrounds[0], '');
      assert.ok(new Set(backgrounds.slice(1)).size > 5, 'tokens are coloured by surprisal');

      // The heatmap is drawn and causal: nothing right of the diagonal.
      const pixels = await page.$eval('#heatmap', (c) => {
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let below = 0,
          above = 0;
        for (let q = 0; q < c.height; q++)
          for (let k = 0; k < c.width; k++) {
            const o = (q * c.width + k) * 4;
            const ink = 255 * 3 - data[o] - data[o + 1] - data[o + 2];
            if (k <= q) below += ink;
            else above += ink;
          }
        return { below, above, size: c.width };
      });
      assert.equal(pixels.size, tokens.length);
      assert.ok(pixels.below > 0 && pixels.above === 0, JSON.stringify(pixels));

      // Hovering a token shows its alternatives and shades the tokens it attended to.
      const spans = await page.$$('.token');
      await spans[12].hover();
      assert.equal(await page.$eval('#tip', (tip) => tip.ownerDocument.defaultView.getComputedStyle(tip).display), 'block');
      assert.match(await page.$eval('#tip', (tip) => tip.textContent), /p = [\d.e-]+ · [\d.]+ bits/);
      const shaded = await page.$$eval('.token', (s) => s.filter((e) => e.style.getPropertyValue('--att') !== 'transparent').length);
      assert.ok(shaded > 0 && shaded <= 13, `${shaded} tokens shaded`);
      // Another layer and head change the picture.
      const before = await page.$eval('#heatmap', (c) => c.toDataURL());
      await page.selectOption('#layer', '0');
      await page.selectOption('#head', '3');
      assert.notEqual(await page.$eval('#heatmap', (c) => c.toDataURL()), before);

      const shot = path.join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot} (${statSync(shot).size} bytes)`);
      assert.ok(statSync(shot).size > 10_000);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
