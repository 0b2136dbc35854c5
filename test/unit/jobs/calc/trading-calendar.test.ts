import { describe, expect, it } from 'vitest';
import {
  addTradingDays,
  countTradingDays,
  holidaysOfYear,
  isTradingDay,
  isValidIsoDate,
  nextTradingDay,
  nyDateOf,
  previousTradingDay,
  targetDate,
  tradingDayOnOrAfter,
  tradingDayOnOrBefore,
  tradingDaysBetween,
  tradingDaysOfYear,
} from '../../../../jobs/calc/trading-calendar.js';

/**
 * Full-day closures as published by the NYSE ("Holidays & Trading Hours", nyse.com/markets/hours-calendars,
 * and the exchange's announcement of the 2025-01-09 closure for President Carter's national day of
 * mourning), typed in by hand rather than derived from the rules under test.
 */
const PUBLISHED_CLOSURES: Record<number, string[]> = {
  2020: ['2020-01-01', '2020-01-20', '2020-02-17', '2020-04-10', '2020-05-25', '2020-07-03', '2020-09-07', '2020-11-26', '2020-12-25'],
  2021: ['2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24'],
  2022: ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26'],
  2023: ['2023-01-02', '2023-01-16', '2023-02-20', '2023-04-07', '2023-05-29', '2023-06-19', '2023-07-04', '2023-09-04', '2023-11-23', '2023-12-25'],
  2024: ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25'],
  2025: ['2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25'],
  2026: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
  2027: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24'],
};

/** Weekdays of a year counted by brute force with Date.UTC, independent of the calendar module. */
function weekdaysIn(year: number): number {
  let n = 0;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) n++;
  }
  return n;
}

describe('NYSE trading calendar', () => {
  it('closes every published full-day closure of 2020-2027 and nothing else on weekdays', () => {
    for (const [year, closures] of Object.entries(PUBLISHED_CLOSURES)) {
      for (const d of closures) expect(isTradingDay(d), d).toBe(false);
      expect(holidaysOfYear(Number(year)).map((h) => h.date)).toEqual(closures);
    }
  });

  // Trading days = weekdays − published weekday closures. Weekdays: 2020 262, 2021 261, 2022 260,
  // 2023 260, 2024 262, 2025 261, 2026 261, 2027 261. For 2027 this gives 261 − 10 = 251, not 252:
  // the exchange's 2027 list closes Friday 18 June (Juneteenth falls on a Saturday) and Friday
  // 24 December (Christmas on a Saturday), and keeps Friday 31 December open (New Year 2028 is a
  // Saturday), so 251 is the exchange's count.
  it.each([
    [2020, 253],
    [2021, 252],
    [2022, 251],
    [2023, 250],
    [2024, 252],
    [2025, 250],
    [2026, 251],
    [2027, 251],
  ])('has the exchange count of trading days in %i (%i)', (year, expected) => {
    expect(weekdaysIn(year) - (PUBLISHED_CLOSURES[year]?.length ?? 0)).toBe(expected);
    expect(tradingDaysOfYear(year)).toHaveLength(expected);
    expect(countTradingDays(`${year}-01-01`, `${year}-12-31`)).toBe(expected);
    expect(tradingDaysBetween(`${year}-01-01`, `${year}-12-31`)).toHaveLength(expected);
  });

  it('does not move a Saturday New Year back to Friday 31 December', () => {
    expect(isTradingDay('2022-12-30')).toBe(true); // 2023-01-01 is a Sunday: Monday 2 January closes
    expect(isTradingDay('2021-12-31')).toBe(true); // 2022-01-01 is a Saturday
    expect(isTradingDay('2010-12-31')).toBe(true); // 2011-01-01 is a Saturday
    expect(isTradingDay('2027-12-31')).toBe(true); // 2028-01-01 is a Saturday
    expect(isTradingDay('2023-01-02')).toBe(false);
  });

  it('observes Juneteenth from 2022 only', () => {
    expect(isTradingDay('2021-06-18')).toBe(true);
    expect(isTradingDay('2021-06-21')).toBe(true);
    expect(isTradingDay('2022-06-20')).toBe(false);
    expect(isTradingDay('2023-06-19')).toBe(false);
  });

  it('observes MLK Day from 1998 only', () => {
    expect(isTradingDay('1997-01-20')).toBe(true);
    expect(isTradingDay('1998-01-19')).toBe(false);
  });

  it('knows the one-off closures since 1990 and keeps shortened sessions open', () => {
    for (const d of ['1994-04-27', '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      expect(isTradingDay(d), d).toBe(false);
    }
    // 1996-01-08: blizzard, late open and early close, but the exchange traded.
    expect(isTradingDay('1996-01-08')).toBe(true);
    expect(isTradingDay('2001-09-17')).toBe(true);
  });

  it('computes Good Friday from Easter in both centuries', () => {
    // Easter Sundays from published tables: 1990-04-15, 2000-04-23, 2038-04-25, 2100-03-28.
    expect(isTradingDay('1990-04-13')).toBe(false);
    expect(isTradingDay('2000-04-21')).toBe(false);
    expect(isTradingDay('2038-04-23')).toBe(false);
    expect(isTradingDay('2100-03-26')).toBe(false);
  });

  it('navigates from trading and non-trading days', () => {
    expect(previousTradingDay('2024-01-02')).toBe('2023-12-29');
    expect(nextTradingDay('2023-12-29')).toBe('2024-01-02');
    expect(previousTradingDay('2024-01-06')).toBe('2024-01-05'); // Saturday
    expect(nextTradingDay('2024-01-06')).toBe('2024-01-08');
    expect(addTradingDays('2024-01-06', -1)).toBe('2024-01-05');
    expect(addTradingDays('2024-01-06', 1)).toBe('2024-01-08');
    expect(addTradingDays('2024-01-06', 0)).toBe('2024-01-05');
    expect(addTradingDays('2024-01-05', 0)).toBe('2024-01-05');
    expect(tradingDayOnOrBefore('2024-12-25')).toBe('2024-12-24');
    expect(tradingDayOnOrAfter('2024-12-25')).toBe('2024-12-26');
    // 2025 has 250 trading days, so +250 from the last day of 2024 is the last day of 2025,
    // +251 is Friday 2026-01-02 and +252 Monday 2026-01-05.
    expect(addTradingDays('2024-12-31', 250)).toBe('2025-12-31');
    expect(addTradingDays('2024-12-31', 252)).toBe('2026-01-05');
    expect(addTradingDays('2026-01-05', -252)).toBe('2024-12-31');
  });

  it('agrees with a brute-force walk for addTradingDays and countTradingDays across years', () => {
    const days = tradingDaysBetween('2018-06-01', '2026-06-30');
    // Walk from an arbitrary start using only isTradingDay and day steps.
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let k = 0; k < 200; k++) {
      const i = Math.floor(rnd() * (days.length - 1));
      const j = Math.floor(rnd() * (days.length - 1));
      const a = days[i]!;
      const b = days[j]!;
      expect(addTradingDays(a, j - i)).toBe(b);
      expect(countTradingDays(a, b)).toBe(j >= i ? j - i + 1 : 0);
    }
    let walked = 0;
    for (let t = Date.UTC(2018, 5, 1); t <= Date.UTC(2026, 5, 30); t += 86_400_000) {
      if (isTradingDay(new Date(t).toISOString().slice(0, 10))) walked++;
    }
    expect(days.length).toBe(walked);
  });

  it('rejects malformed and out-of-range dates with a RangeError naming the value', () => {
    expect(() => isTradingDay('1989-12-29')).toThrow(/1989-12-29/);
    expect(() => isTradingDay('2101-01-03')).toThrow(RangeError);
    expect(() => isTradingDay('2024-02-30')).toThrow(/2024-02-30/);
    expect(() => isTradingDay('2024-1-05')).toThrow(RangeError);
    expect(() => previousTradingDay('1990-01-02')).toThrow(RangeError);
    expect(isValidIsoDate('2024-02-29')).toBe(true);
    expect(isValidIsoDate('2023-02-29')).toBe(false);
    expect(isValidIsoDate('2024-02-29T00:00:00Z')).toBe(false);
    expect(isValidIsoDate(20240229)).toBe(false);
  });

  describe('targetDate (America/New_York, DST aware)', () => {
    // UTC instants chosen so the New York wall clock is just before / after 16:30.
    it('spring forward: Sunday 2024-03-10 and Monday 2024-03-11 (EDT, UTC−4)', () => {
      expect(targetDate(Date.UTC(2024, 2, 10, 21, 0))).toBe('2024-03-08'); // Sunday 17:00 EDT
      expect(targetDate(Date.UTC(2024, 2, 11, 20, 29))).toBe('2024-03-08'); // Monday 16:29 EDT
      expect(targetDate(Date.UTC(2024, 2, 11, 20, 30))).toBe('2024-03-11'); // Monday 16:30 EDT
      // 21:15 UTC would be 16:15 in EST: a UTC−5 mistake would say "before the cutoff".
      expect(targetDate(new Date(Date.UTC(2024, 2, 11, 21, 15)))).toBe('2024-03-11');
    });

    it('fall back: Sunday 2024-11-03 and Monday 2024-11-04 (EST, UTC−5)', () => {
      expect(targetDate(Date.UTC(2024, 10, 3, 22, 0))).toBe('2024-11-01');
      expect(targetDate(Date.UTC(2024, 10, 4, 21, 29))).toBe('2024-11-01'); // 16:29 EST
      expect(targetDate(Date.UTC(2024, 10, 4, 21, 30))).toBe('2024-11-04'); // 16:30 EST
      // 20:45 UTC is 16:45 EDT but 15:45 EST: still before the cutoff on 4 November.
      expect(targetDate(Date.UTC(2024, 10, 4, 20, 45))).toBe('2024-11-01');
    });

    it('uses the New York calendar date near midnight UTC and honours a configured cutoff', () => {
      // 2024-07-03 02:00 UTC is 2024-07-02 22:00 EDT.
      expect(targetDate(Date.UTC(2024, 6, 3, 2, 0))).toBe('2024-07-02');
      expect(targetDate(Date.UTC(2024, 6, 2, 20, 5), '16:00')).toBe('2024-07-02');
      expect(targetDate(Date.UTC(2024, 6, 2, 20, 5), '18:30')).toBe('2024-07-01');
      // Holiday after the cutoff: the previous trading day.
      expect(targetDate(Date.UTC(2024, 6, 4, 23, 0))).toBe('2024-07-03');
      expect(() => targetDate(0, '4pm')).toThrow(RangeError);
    });

    it('nyDateOf maps Polygon daily-bar timestamps (New York midnight) to their date', () => {
      expect(nyDateOf(Date.UTC(2024, 0, 2, 5, 0))).toBe('2024-01-02'); // EST midnight
      expect(nyDateOf(Date.UTC(2024, 6, 1, 4, 0))).toBe('2024-07-01'); // EDT midnight
      expect(nyDateOf(Date.UTC(2024, 6, 1, 3, 59))).toBe('2024-06-30');
    });
  });
});
