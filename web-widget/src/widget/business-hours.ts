// The shop's weekly hours (wall-clock times in the shop's IANA time zone) shown in the shopper's
// own time zone, with Intl only. Pure functions of `now`, so they can be checked in any zone.

import type { WeeklyHours } from './desk-api';

const DAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

interface WallClock {
  year: number;
  month: number; // 0-based
  day: number;
  hour: number;
  minute: number;
}

function wallClock(instant: number, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month') - 1, day: get('day'), hour: get('hour') % 24, minute: get('minute') };
}

/** How far `timeZone`'s clocks are ahead of UTC at `instant`, in ms. */
function offsetMs(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month, w.day, w.hour, w.minute) - Math.floor(instant / 60_000) * 60_000;
}

/** The instant at which `timeZone`'s clocks show the given wall time (DST gaps resolve forward). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const asUtc = Date.UTC(year, month, day, hour, minute);
  const first = asUtc - offsetMs(asUtc, timeZone);
  return asUtc - offsetMs(first, timeZone);
}

export interface OpeningWindow {
  /** Opening and closing instants (unix ms) of the next occurrence of this weekly slot. */
  opensAt: number;
  closesAt: number;
}

/** The next (or current) occurrence of each weekly slot after `now`, soonest first. */
export function nextOpenings(weekly: WeeklyHours[], shopTimeZone: string, now: number): OpeningWindow[] {
  const today = wallClock(now, shopTimeZone);
  const out: OpeningWindow[] = [];
  for (const slot of weekly) {
    const dow = DAY_INDEX[slot.day.slice(0, 3).toLowerCase()];
    const open = /^(\d{1,2}):(\d{2})$/.exec(slot.open);
    const close = /^(\d{1,2}):(\d{2})$/.exec(slot.close);
    if (dow === undefined || !open || !close) continue;
    for (let k = -1; k <= 7; k++) {
      const date = new Date(Date.UTC(today.year, today.month, today.day + k));
      if (date.getUTCDay() !== dow) continue;
      const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
      const opensAt = zonedInstant(y, m, d, Number(open[1]), Number(open[2]), shopTimeZone);
      let closesAt = zonedInstant(y, m, d, Number(close[1]), Number(close[2]), shopTimeZone);
      if (closesAt <= opensAt) closesAt += 24 * 3600_000; // Open past midnight.
      if (closesAt > now) {
        out.push({ opensAt, closesAt });
        break;
      }
    }
  }
  return out.sort((a, b) => a.opensAt - b.opensAt);
}

export interface HoursRow {
  /** Weekday of the opening in the shopper's zone, e.g. "Monday". */
  day: string;
  /** "3:00 PM – 12:00 AM" in the shopper's zone. */
  times: string;
  /** Whether this slot is happening right now. */
  now: boolean;
}

/** The week's hours as the shopper should read them: their weekdays, their clock. */
export function hoursForShopper(weekly: WeeklyHours[], shopTimeZone: string, shopperTimeZone: string, now: number, locale?: string): HoursRow[] {
  const day = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: shopperTimeZone });
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: shopperTimeZone });
  return nextOpenings(weekly, shopTimeZone, now).map((w) => ({
    day: day.format(w.opensAt),
    times: `${time.format(w.opensAt)} – ${time.format(w.closesAt)}`,
    now: w.opensAt <= now && now < w.closesAt,
  }));
}

/** "Monday at 3:00 PM (in 5 hours)" in the shopper's zone. */
export function describeOpening(at: number, shopperTimeZone: string, now: number, locale?: string): string {
  const when = new Intl.DateTimeFormat(locale, { weekday: 'long', hour: 'numeric', minute: '2-digit', timeZone: shopperTimeZone }).format(at);
  const minutes = Math.max(1, Math.round((at - now) / 60_000));
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const inWords = minutes < 90 ? rel.format(minutes, 'minute') : minutes < 48 * 60 ? rel.format(Math.round(minutes / 60), 'hour') : rel.format(Math.round(minutes / 1440), 'day');
  return `${when} (${inWords})`;
}

export function shopperTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
