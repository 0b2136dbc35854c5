import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  concentration,
  parseSicCode,
  sectorExposures,
  sectorOf,
  sectorOfSic,
  SECTORS,
  SIC_MAJOR_GROUPS,
  SIC_OVERRIDES,
} from '../../../../../jobs/calc/risk/index.js';

describe('concentration', () => {
  it('HHI, effective number and top shares on gross weights (hand-worked)', () => {
    // |MV| = 50, 30, 20 → G = 100, g = 0.5, 0.3, 0.2; HHI = 0.25 + 0.09 + 0.04 = 0.38; 1/HHI = 2.6315789…
    const c = concentration([50, -30, 20]);
    expect(c.grossValue).toBe(100);
    expect(c.hhi.value).toBeCloseTo(0.38, 15);
    expect(c.effectiveHoldings.value).toBeCloseTo(1 / 0.38, 14);
    expect(c.top3Share.value).toBeCloseTo(1, 15);
    expect(c.top10Share.value).toBeCloseTo(1, 15);
  });

  it('top-3 and top-10 of twelve holdings', () => {
    // |MV| = 12, 11, …, 1: G = 78; top 3 = 33/78; top 10 = (78 − 2 − 1)/78 = 75/78; HHI = Σk²/78² = 650/6084.
    const mvs = Array.from({ length: 12 }, (_, i) => (i % 2 ? -(12 - i) : 12 - i));
    const c = concentration(mvs);
    expect(c.top3Share.value).toBeCloseTo(33 / 78, 15);
    expect(c.top10Share.value).toBeCloseTo(75 / 78, 15);
    expect(c.hhi.value).toBeCloseTo(650 / 6084, 15);
  });

  it('a single holding is fully concentrated; no holding gives null with a reason', () => {
    const one = concentration([-500]);
    expect(one.hhi.value).toBe(1);
    expect(one.effectiveHoldings.value).toBe(1);
    const none = concentration([]);
    expect(none.hhi.value).toBeNull();
    expect(none.hhi.unavailable?.reason).toBe('insufficient_holdings');
    expect(concentration([0, 0]).top3Share.value).toBeNull();
  });
});

describe('SIC → sector table', () => {
  it('maps the pinned examples', () => {
    expect(sectorOfSic('3571')).toBe('Information Technology'); // AAPL
    expect(sectorOfSic('6021')).toBe('Financials'); // JPM
    expect(sectorOfSic('2911')).toBe('Energy'); // XOM
    expect(sectorOfSic('2834')).toBe('Health Care'); // JNJ
    expect(sectorOfSic('4911')).toBe('Utilities'); // NEE
  });

  it('maps every major group of the SIC system, and nothing else', () => {
    const existing = [
      1, 2, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, ...Array.from({ length: 20 }, (_, i) => 20 + i), ...Array.from({ length: 10 }, (_, i) => 40 + i),
      50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 75, 76, 78, 79, 80, 81, 82, 83, 84, 86, 87, 88, 89,
      91, 92, 93, 94, 95, 96, 97, 99,
    ];
    expect(SIC_MAJOR_GROUPS.map((g) => g.group)).toEqual(existing);
    for (const g of SIC_MAJOR_GROUPS) {
      expect(SECTORS).toContain(g.sector);
      // Government and nonclassifiable codes have no corporate sector; every other group has one.
      if (g.group < 91) expect(g.sector, `major group ${g.group}`).not.toBe('Unknown');
    }
    for (const unassigned of [3, 4, 5, 6, 11, 18, 19, 66, 68, 69, 71, 74, 77, 85, 90, 98]) {
      expect(sectorOfSic(unassigned * 100 + 50), `group ${unassigned}`).toBe('Unknown');
    }
  });

  it('keeps overrides inside one major group, ordered and disjoint', () => {
    const groups = new Set(SIC_MAJOR_GROUPS.map((g) => g.group));
    SIC_OVERRIDES.forEach((r, i) => {
      expect(r.from).toBeLessThanOrEqual(r.to);
      expect(Math.floor(r.from / 100)).toBe(Math.floor(r.to / 100));
      expect(groups.has(Math.floor(r.from / 100))).toBe(true);
      if (i > 0) expect(r.from).toBeGreaterThan(SIC_OVERRIDES[i - 1]!.to);
      const major = SIC_MAJOR_GROUPS.find((g) => g.group === Math.floor(r.from / 100))!;
      expect(r.sector, `${r.from}-${r.to} repeats its major group's sector`).not.toBe(major.sector);
    });
  });

  it('applies the overrides at their edges', () => {
    const cases: [number, string][] = [
      [2829, 'Materials'], [2830, 'Health Care'], [2836, 'Health Care'], [2837, 'Materials'], [2844, 'Consumer Staples'],
      [3569, 'Industrials'], [3570, 'Information Technology'], [3579, 'Information Technology'], [3580, 'Industrials'],
      [3674, 'Information Technology'], [3630, 'Consumer Discretionary'], [3711, 'Consumer Discretionary'], [3721, 'Industrials'],
      [3841, 'Health Care'], [3825, 'Information Technology'],
      [4812, 'Communication Services'], [4899, 'Communication Services'], [4922, 'Energy'], [4924, 'Utilities'], [4953, 'Industrials'], [4991, 'Utilities'],
      [5122, 'Health Care'], [5331, 'Consumer Staples'], [5311, 'Consumer Discretionary'], [5961, 'Consumer Discretionary'], [5912, 'Consumer Staples'],
      [6324, 'Health Care'], [6311, 'Financials'], [6722, 'Fund'], [6798, 'Real Estate'], [6500, 'Real Estate'],
      [7369, 'Industrials'], [7370, 'Information Technology'], [7372, 'Information Technology'], [7379, 'Information Technology'], [7380, 'Industrials'],
      [7311, 'Communication Services'], [7812, 'Communication Services'], [8731, 'Health Care'], [8062, 'Health Care'], [9999, 'Unknown'],
    ];
    for (const [code, sector] of cases) expect(sectorOfSic(code), String(code)).toBe(sector);
  });

  it('is documented row for row in docs/risk.md', () => {
    const doc = readFileSync(new URL('../../../../../docs/risk.md', import.meta.url), 'utf8');
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    for (const g of SIC_MAJOR_GROUPS) expect(doc).toContain(`| ${pad(g.group, 2)} | ${g.title} | ${g.sector} |`);
    for (const r of SIC_OVERRIDES) {
      const codes = r.from === r.to ? pad(r.from, 4) : `${pad(r.from, 4)}-${pad(r.to, 4)}`;
      expect(doc).toContain(`| ${codes} | ${r.title} | ${r.sector} |`);
    }
  });

  it('parses vendor codes and treats malformed ones as Unknown', () => {
    expect(parseSicCode('0100')).toBe(100);
    expect(parseSicCode(' 100 ')).toBe(100);
    expect(sectorOfSic('100')).toBe('Consumer Staples');
    for (const bad of ['', 'ABC', '12345', '35.71', null, undefined, -1, 10000, 3571.5]) expect(sectorOfSic(bad)).toBe('Unknown');
  });

  it('puts ETFs and funds in their own sectors by security type', () => {
    expect(sectorOf({ type: 'ETF', sicCode: null })).toBe('ETF');
    expect(sectorOf({ type: 'etn' })).toBe('ETF');
    expect(sectorOf({ type: 'FUND', sicCode: '6021' })).toBe('Fund');
    expect(sectorOf({ type: 'CS', sicCode: '3571' })).toBe('Information Technology');
    expect(sectorOf({ type: 'CS' })).toBe('Unknown');
  });
});

describe('sector exposure', () => {
  it('long, short, net, gross and shares of NAV per sector (hand-worked)', () => {
    // IT: +100 and −40 → long 100, short −40, net 60, gross 140; /NAV 200 → 0.3 and 0.7.
    // Financials: +60 → net = gross = 60 → 0.3. Unknown: +30 (a PRIVATE holding) → 0.15.
    const rows = sectorExposures(
      [
        { marketValue: 100, sector: 'Information Technology' },
        { marketValue: 60, sector: 'Financials' },
        { marketValue: -40, sector: 'Information Technology' },
        { marketValue: 30, sector: 'Unknown' },
      ],
      200,
    );
    expect(rows.map((r) => r.sector)).toEqual(['Financials', 'Information Technology', 'Unknown']);
    const it = rows[1]!;
    expect(it).toMatchObject({ holdings: 2, long: 100, short: -40, net: 60, gross: 140 });
    expect(it.netShareOfNav.value).toBeCloseTo(0.3, 15);
    expect(it.grossShareOfNav.value).toBeCloseTo(0.7, 15);
    expect(rows[0]!.netShareOfNav.value).toBeCloseTo(0.3, 15);
    expect(rows[2]!.grossShareOfNav.value).toBeCloseTo(0.15, 15);
  });

  it('all short; and NAV ≤ 0 leaves the shares null with the reason', () => {
    const rows = sectorExposures([{ marketValue: -50, sector: 'Energy' }], 0);
    expect(rows[0]).toMatchObject({ long: 0, short: -50, net: -50, gross: 50 });
    expect(rows[0]!.netShareOfNav.value).toBeNull();
    expect(rows[0]!.netShareOfNav.unavailable?.reason).toBe('non_positive_nav');
    expect(sectorExposures([], 100)).toEqual([]);
  });
});
