/**
 * Calendar arithmetic in Japan time (UTC+9, no DST) without the machine's zone: certificate
 * validity ends at 23:59:59 JST (14:59:59Z) of the holder's 5th birthday after issue.
 */

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The JST calendar date at epoch milliseconds `ms`. */
export function jstDate(ms: number): CalendarDate {
  const shifted = new Date(ms + JST_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Adds whole days to a calendar date. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Orders two calendar dates (negative, zero, positive). */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The birthday in `year`. Someone born on 29 February has it on 28 February in common years: under
 * Japanese law (年齢計算ニ関スル法律) a year of age is completed at the end of the day before the
 * anniversary, so 28 February is where the birthday year ends.
 */
export function birthdayIn(birth: CalendarDate, year: number): CalendarDate {
  if (birth.month === 2 && birth.day === 29 && !isLeapYear(year)) return { year, month: 2, day: 28 };
  return { year, month: birth.month, day: birth.day };
}

/** The `count`-th birthday strictly after `issued` (a card issued on a birthday counts from the next). */
export function nthBirthdayAfter(birth: CalendarDate, issued: CalendarDate, count: number): CalendarDate {
  let year = issued.year;
  if (compareDates(birthdayIn(birth, year), issued) <= 0) year += 1;
  return birthdayIn(birth, year + count - 1);
}

/** 23:59:59 JST of a calendar date, as epoch milliseconds (14:59:59Z of the same date). */
export function endOfJstDay(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day, 14, 59, 59);
}

/** NotAfter of a JPKI certificate issued at `issuedAt`: 23:59:59 JST on the 5th birthday after issue. */
export function fifthBirthdayNotAfter(birth: CalendarDate, issuedAt: number): Date {
  return new Date(endOfJstDay(nthBirthdayAfter(birth, jstDate(issuedAt), 5)));
}

/** Parses `YYYY-MM-DD` into a real calendar date, or undefined. */
export function parseCalendarDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const roundTrip = addDays(date, 0);
  return compareDates(roundTrip, date) === 0 ? date : undefined;
}

/** `YYYY-MM-DD`. */
export function formatCalendarDate(date: CalendarDate): string {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}
