// The widget's pure pieces, without a browser: the shop's hours in the shopper's time zone
// (business-hours.ts) and the wait bands (queue-text.ts). esbuild bundles them for Node.
//
//   node --test tests/widget-units.test.mjs
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { build } from 'esbuild';
import { widgetDir } from './harness.mjs';

let hours;
let queueText;

async function load(file) {
  const out = await build({ entryPoints: [join(widgetDir, 'src/widget', file)], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

before(async () => {
  hours = await load('business-hours.ts');
  queueText = await load('queue-text.ts');
});

const at = (iso) => Date.parse(iso);
const rows = (weekly, shop, shopper, now) => hours.hoursForShopper(weekly, shop, shopper, at(now), 'en-US').map((r) => `${r.day} ${r.times}${r.now ? ' (now)' : ''}`.replace(/\u202f/g, ' '));

test('Berlin office hours read in New York time, winter and the weeks when only the US has moved its clocks', () => {
  const weekly = [{ day: 'mon', open: '09:00', close: '18:00' }, { day: 'wed', open: '09:00', close: '18:00' }];
  // Friday 4 December 2026: both on standard time, six hours apart.
  assert.deepEqual(rows(weekly, 'Europe/Berlin', 'America/New_York', '2026-12-04T12:00:00Z'), [
    'Monday 3:00 AM – 12:00 PM',
    'Wednesday 3:00 AM – 12:00 PM',
  ]);
  // Sunday 15 March 2026: New York is on summer time since the 8th, Berlin not before the 29th: five hours.
  assert.deepEqual(rows(weekly, 'Europe/Berlin', 'America/New_York', '2026-03-15T12:00:00Z'), [
    'Monday 4:00 AM – 1:00 PM',
    'Wednesday 4:00 AM – 1:00 PM',
  ]);
});

test("a shop's evening is the next day in Tokyo; a slot past midnight; the slot happening now", () => {
  assert.deepEqual(rows([{ day: 'mon', open: '17:00', close: '20:00' }], 'Europe/Berlin', 'Asia/Tokyo', '2026-12-04T12:00:00Z'), ['Tuesday 1:00 AM – 4:00 AM']);
  assert.deepEqual(rows([{ day: 'fri', open: '22:00', close: '02:00' }], 'Europe/Madrid', 'Europe/Madrid', '2026-12-04T12:00:00Z'), ['Friday 10:00 PM – 2:00 AM']);
  // Friday 4 December, 13:00 in Berlin: Friday's slot is open now and comes first.
  assert.deepEqual(rows([{ day: 'mon', open: '09:00', close: '18:00' }, { day: 'fri', open: '09:00', close: '18:00' }], 'Europe/Berlin', 'Europe/Berlin', '2026-12-04T12:00:00Z'), [
    'Friday 9:00 AM – 6:00 PM (now)',
    'Monday 9:00 AM – 6:00 PM',
  ]);
  // Malformed entries are skipped, not shown as nonsense.
  assert.deepEqual(rows([{ day: 'funday', open: '09:00', close: '18:00' }, { day: 'tue', open: '9', close: '18:00' }], 'Europe/Berlin', 'Europe/Berlin', '2026-12-04T12:00:00Z'), []);
});

test('zonedInstant finds the instant a wall clock shows, across DST', () => {
  assert.equal(hours.zonedInstant(2026, 11, 4, 9, 0, 'Europe/Berlin'), at('2026-12-04T08:00:00Z'));
  assert.equal(hours.zonedInstant(2026, 6, 1, 9, 0, 'Europe/Berlin'), at('2026-07-01T07:00:00Z'));
  assert.equal(hours.zonedInstant(2026, 2, 8, 12, 0, 'America/New_York'), at('2026-03-08T16:00:00Z'));
});

test('when the shop opens again, in words', () => {
  const now = at('2026-12-04T12:00:00Z');
  assert.equal(hours.describeOpening(now + 3 * 3600_000, 'Europe/Berlin', now, 'en-US').replace(/\u202f/g, ' '), 'Friday 4:00 PM (in 3 hours)');
  assert.equal(hours.describeOpening(now + 20 * 60_000, 'Europe/Berlin', now, 'en-US').replace(/\u202f/g, ' '), 'Friday 1:20 PM (in 20 minutes)');
  assert.equal(hours.describeOpening(now + 3 * 86_400_000, 'Europe/Berlin', now, 'en-US').replace(/\u202f/g, ' '), 'Monday 1:00 PM (in 3 days)');
});

test('wait estimates become honest bands, never a countdown', () => {
  const band = queueText.waitBand;
  assert.equal(band(null), null);
  assert.equal(band(Number.NaN), null);
  assert.equal(band(0), 'any moment now');
  assert.equal(band(30), 'any moment now');
  assert.equal(band(31), 'about a minute');
  assert.equal(band(90), 'about a minute');
  assert.equal(band(100), 'about 2 minutes');
  assert.equal(band(200), 'about 3 minutes');
  assert.equal(band(600), 'about 10 minutes');
  assert.equal(band(601), 'more than 10 minutes');
  assert.equal(band(5000), 'more than 20 minutes');
  assert.equal(queueText.waitText(null), 'We cannot estimate the wait right now.');
  assert.equal(queueText.positionText(1), 'You are number 1 in line — next up.');
  assert.equal(queueText.positionText(4), 'You are number 4 in line.');
});
