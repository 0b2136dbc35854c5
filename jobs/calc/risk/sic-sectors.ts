/**
 * Sector of a symbol from its vendor ticker details: the security type (ETFs and funds are their own
 * sectors) and the 4-digit SIC code, mapped through the table below to 11 GICS-like sectors.
 *
 * The table has two layers:
 * - every 2-digit SIC major group (the first two digits, "01".."99") has a sector;
 * - 4-digit ranges inside a major group whose industries belong to another sector override it
 *   (drugs inside chemicals, computers inside machinery, software inside business services, …).
 * A code's sector is its override when one covers it, else its major group's. Codes whose major
 * group does not exist in the SIC system (e.g. 03, 66), public administration (91-97) and
 * nonclassifiable establishments (99) are 'Unknown', as are missing or malformed codes.
 */

export const SECTORS = [
  'Energy',
  'Materials',
  'Industrials',
  'Consumer Discretionary',
  'Consumer Staples',
  'Health Care',
  'Financials',
  'Information Technology',
  'Communication Services',
  'Utilities',
  'Real Estate',
  'ETF',
  'Fund',
  'Unknown',
] as const;
export type Sector = (typeof SECTORS)[number];

export interface SicMajorGroup {
  /** The 2-digit major group, 1..99. */
  group: number;
  title: string;
  sector: Sector;
}

export interface SicRange {
  /** Inclusive 4-digit bounds. */
  from: number;
  to: number;
  title: string;
  sector: Sector;
}

const E: Sector = 'Energy';
const M: Sector = 'Materials';
const I: Sector = 'Industrials';
const CD: Sector = 'Consumer Discretionary';
const CS: Sector = 'Consumer Staples';
const HC: Sector = 'Health Care';
const F: Sector = 'Financials';
const IT: Sector = 'Information Technology';
const COM: Sector = 'Communication Services';
const U: Sector = 'Utilities';
const RE: Sector = 'Real Estate';
const UNK: Sector = 'Unknown';

/** Every major group of the SIC system (1987 edition) with its sector. */
export const SIC_MAJOR_GROUPS: readonly SicMajorGroup[] = [
  { group: 1, title: 'Agricultural production - crops', sector: CS },
  { group: 2, title: 'Agricultural production - livestock', sector: CS },
  { group: 7, title: 'Agricultural services', sector: CS },
  { group: 8, title: 'Forestry', sector: M },
  { group: 9, title: 'Fishing, hunting and trapping', sector: CS },
  { group: 10, title: 'Metal mining', sector: M },
  { group: 12, title: 'Coal mining', sector: E },
  { group: 13, title: 'Oil and gas extraction', sector: E },
  { group: 14, title: 'Mining of nonmetallic minerals, except fuels', sector: M },
  { group: 15, title: 'General building contractors', sector: I },
  { group: 16, title: 'Heavy construction', sector: I },
  { group: 17, title: 'Construction - special trade contractors', sector: I },
  { group: 20, title: 'Food and kindred products', sector: CS },
  { group: 21, title: 'Tobacco products', sector: CS },
  { group: 22, title: 'Textile mill products', sector: CD },
  { group: 23, title: 'Apparel and other finished fabric products', sector: CD },
  { group: 24, title: 'Lumber and wood products, except furniture', sector: M },
  { group: 25, title: 'Furniture and fixtures', sector: CD },
  { group: 26, title: 'Paper and allied products', sector: M },
  { group: 27, title: 'Printing, publishing and allied industries', sector: COM },
  { group: 28, title: 'Chemicals and allied products', sector: M },
  { group: 29, title: 'Petroleum refining and related industries', sector: E },
  { group: 30, title: 'Rubber and miscellaneous plastics products', sector: M },
  { group: 31, title: 'Leather and leather products', sector: CD },
  { group: 32, title: 'Stone, clay, glass and concrete products', sector: M },
  { group: 33, title: 'Primary metal industries', sector: M },
  { group: 34, title: 'Fabricated metal products', sector: I },
  { group: 35, title: 'Industrial and commercial machinery and computer equipment', sector: I },
  { group: 36, title: 'Electronic and other electrical equipment and components', sector: IT },
  { group: 37, title: 'Transportation equipment', sector: I },
  { group: 38, title: 'Measuring, analysing and controlling instruments; photographic, medical and optical goods; clocks', sector: IT },
  { group: 39, title: 'Miscellaneous manufacturing industries', sector: CD },
  { group: 40, title: 'Railroad transportation', sector: I },
  { group: 41, title: 'Local and suburban transit and interurban highway passenger transport', sector: I },
  { group: 42, title: 'Motor freight transportation and warehousing', sector: I },
  { group: 43, title: 'United States Postal Service', sector: I },
  { group: 44, title: 'Water transportation', sector: I },
  { group: 45, title: 'Transportation by air', sector: I },
  { group: 46, title: 'Pipelines, except natural gas', sector: E },
  { group: 47, title: 'Transportation services', sector: I },
  { group: 48, title: 'Communications', sector: COM },
  { group: 49, title: 'Electric, gas and sanitary services', sector: U },
  { group: 50, title: 'Wholesale trade - durable goods', sector: I },
  { group: 51, title: 'Wholesale trade - nondurable goods', sector: CS },
  { group: 52, title: 'Building materials, hardware, garden supply and mobile home dealers', sector: CD },
  { group: 53, title: 'General merchandise stores', sector: CD },
  { group: 54, title: 'Food stores', sector: CS },
  { group: 55, title: 'Automotive dealers and gasoline service stations', sector: CD },
  { group: 56, title: 'Apparel and accessory stores', sector: CD },
  { group: 57, title: 'Home furniture, furnishings and equipment stores', sector: CD },
  { group: 58, title: 'Eating and drinking places', sector: CD },
  { group: 59, title: 'Miscellaneous retail', sector: CD },
  { group: 60, title: 'Depository institutions', sector: F },
  { group: 61, title: 'Nondepository credit institutions', sector: F },
  { group: 62, title: 'Security and commodity brokers, dealers, exchanges and services', sector: F },
  { group: 63, title: 'Insurance carriers', sector: F },
  { group: 64, title: 'Insurance agents, brokers and service', sector: F },
  { group: 65, title: 'Real estate', sector: RE },
  { group: 67, title: 'Holding and other investment offices', sector: F },
  { group: 70, title: 'Hotels, rooming houses, camps and other lodging places', sector: CD },
  { group: 72, title: 'Personal services', sector: CD },
  { group: 73, title: 'Business services', sector: I },
  { group: 75, title: 'Automotive repair, services and parking', sector: CD },
  { group: 76, title: 'Miscellaneous repair services', sector: I },
  { group: 78, title: 'Motion pictures', sector: COM },
  { group: 79, title: 'Amusement and recreation services', sector: CD },
  { group: 80, title: 'Health services', sector: HC },
  { group: 81, title: 'Legal services', sector: I },
  { group: 82, title: 'Educational services', sector: CD },
  { group: 83, title: 'Social services', sector: HC },
  { group: 84, title: 'Museums, art galleries and botanical and zoological gardens', sector: CD },
  { group: 86, title: 'Membership organizations', sector: I },
  { group: 87, title: 'Engineering, accounting, research, management and related services', sector: I },
  { group: 88, title: 'Private households', sector: CD },
  { group: 89, title: 'Services, not elsewhere classified', sector: I },
  { group: 91, title: 'Executive, legislative and general government (no corporate sector)', sector: UNK },
  { group: 92, title: 'Justice, public order and safety (no corporate sector)', sector: UNK },
  { group: 93, title: 'Public finance, taxation and monetary policy (no corporate sector)', sector: UNK },
  { group: 94, title: 'Administration of human resource programs (no corporate sector)', sector: UNK },
  { group: 95, title: 'Administration of environmental quality and housing programs (no corporate sector)', sector: UNK },
  { group: 96, title: 'Administration of economic programs (no corporate sector)', sector: UNK },
  { group: 97, title: 'National security and international affairs (no corporate sector)', sector: UNK },
  { group: 99, title: 'Nonclassifiable establishments', sector: UNK },
];

/** 4-digit ranges that belong to another sector than their major group. No two overlap. */
export const SIC_OVERRIDES: readonly SicRange[] = [
  { from: 1520, to: 1531, title: 'Residential building contractors, operative builders (homebuilders)', sector: CD },
  { from: 2450, to: 2452, title: 'Wood buildings and mobile homes', sector: CD },
  { from: 2520, to: 2599, title: 'Office and public building furniture, partitions, fixtures', sector: I },
  { from: 2750, to: 2799, title: 'Commercial printing, business forms, bookbinding, printing services', sector: I },
  { from: 2830, to: 2836, title: 'Drugs: medicinal chemicals, pharmaceutical preparations, diagnostics, biologicals', sector: HC },
  { from: 2840, to: 2844, title: 'Soap, detergents, cleaning preparations, perfumes, cosmetics', sector: CS },
  { from: 2950, to: 2952, title: 'Asphalt paving and roofing materials', sector: M },
  { from: 3010, to: 3011, title: 'Tires and inner tubes', sector: CD },
  { from: 3020, to: 3021, title: 'Rubber and plastics footwear', sector: CD },
  { from: 3410, to: 3412, title: 'Metal cans and shipping containers', sector: M },
  { from: 3570, to: 3579, title: 'Computer and office equipment', sector: IT },
  { from: 3610, to: 3629, title: 'Electric transmission and distribution equipment, industrial apparatus', sector: I },
  { from: 3630, to: 3639, title: 'Household appliances', sector: CD },
  { from: 3640, to: 3649, title: 'Electric lighting and wiring equipment', sector: I },
  { from: 3650, to: 3652, title: 'Household audio and video equipment, recorded media', sector: CD },
  { from: 3690, to: 3699, title: 'Miscellaneous electrical machinery, equipment and supplies (batteries, engine electrical)', sector: I },
  { from: 3710, to: 3716, title: 'Motor vehicles, bodies, parts and motor homes', sector: CD },
  { from: 3750, to: 3751, title: 'Motorcycles, bicycles and parts', sector: CD },
  { from: 3790, to: 3799, title: 'Miscellaneous transportation equipment (travel trailers, campers)', sector: CD },
  { from: 3810, to: 3812, title: 'Search, detection, navigation and guidance systems (defence electronics)', sector: I },
  { from: 3826, to: 3826, title: 'Laboratory analytical instruments (life-science tools)', sector: HC },
  { from: 3840, to: 3851, title: 'Surgical, medical, dental and ophthalmic instruments and supplies', sector: HC },
  { from: 3870, to: 3873, title: 'Watches, clocks and parts', sector: CD },
  { from: 3950, to: 3955, title: 'Pens, pencils and office supplies', sector: I },
  { from: 4480, to: 4489, title: 'Water transportation of passengers (cruise lines, ferries)', sector: CD },
  { from: 4720, to: 4729, title: 'Travel agencies and tour operators', sector: CD },
  { from: 4922, to: 4922, title: 'Natural gas transmission (pipelines)', sector: E },
  { from: 4950, to: 4959, title: 'Sanitary services: refuse systems, hazardous waste', sector: I },
  { from: 5010, to: 5015, title: 'Wholesale: motor vehicles and parts', sector: CD },
  { from: 5045, to: 5045, title: 'Wholesale: computers, peripherals and software', sector: IT },
  { from: 5047, to: 5047, title: 'Wholesale: medical, dental and hospital equipment', sector: HC },
  { from: 5065, to: 5065, title: 'Wholesale: electronic parts and equipment', sector: IT },
  { from: 5110, to: 5113, title: 'Wholesale: paper and paper products', sector: I },
  { from: 5120, to: 5122, title: 'Wholesale: drugs, proprietaries and druggists\' sundries', sector: HC },
  { from: 5130, to: 5139, title: 'Wholesale: apparel, piece goods and notions', sector: CD },
  { from: 5160, to: 5169, title: 'Wholesale: chemicals and allied products', sector: M },
  { from: 5170, to: 5172, title: 'Wholesale: petroleum and petroleum products', sector: E },
  { from: 5330, to: 5399, title: 'Variety stores, warehouse clubs, miscellaneous general merchandise', sector: CS },
  { from: 5912, to: 5912, title: 'Drug stores and proprietary stores', sector: CS },
  { from: 5980, to: 5989, title: 'Fuel dealers (heating oil, liquefied petroleum gas)', sector: U },
  { from: 6324, to: 6324, title: 'Hospital and medical service plans (health insurers)', sector: HC },
  { from: 6720, to: 6726, title: 'Investment offices: open-end and closed-end funds, unit investment trusts', sector: 'Fund' },
  { from: 6792, to: 6792, title: 'Oil royalty traders', sector: E },
  { from: 6795, to: 6795, title: 'Mineral royalty traders', sector: M },
  { from: 6798, to: 6798, title: 'Real estate investment trusts', sector: RE },
  { from: 7310, to: 7319, title: 'Advertising', sector: COM },
  { from: 7370, to: 7379, title: 'Computer programming, software, data processing, computer services', sector: IT },
  { from: 7510, to: 7519, title: 'Automotive rental and leasing', sector: I },
  { from: 8350, to: 8351, title: 'Child day care services', sector: CD },
  { from: 8731, to: 8731, title: 'Commercial physical and biological research', sector: HC },
  { from: 8880, to: 8888, title: 'Depositary receipts and foreign governments (filing codes without an industry)', sector: UNK },
];

/** Every 4-digit code's sector, indexed by code 0..9999; built once from the two tables above. */
const BY_CODE: readonly Sector[] = (() => {
  const table = new Array<Sector>(10_000).fill(UNK);
  for (const g of SIC_MAJOR_GROUPS) for (let c = g.group * 100; c < g.group * 100 + 100; c++) table[c] = g.sector;
  for (const r of SIC_OVERRIDES) for (let c = r.from; c <= r.to; c++) table[c] = r.sector;
  return table;
})();

/**
 * The SIC code as an integer 0..9999, or undefined when it is not 1 to 4 digits ("100" and 100 are
 * both code 0100; surrounding spaces are ignored).
 */
export function parseSicCode(code: string | number | null | undefined): number | undefined {
  if (typeof code === 'number') return Number.isInteger(code) && code >= 0 && code <= 9999 ? code : undefined;
  if (typeof code !== 'string') return undefined;
  const s = code.trim();
  return /^\d{1,4}$/.test(s) ? Number(s) : undefined;
}

/** The sector of a SIC code ('Unknown' for a missing, malformed or unclassified code). */
export function sectorOfSic(code: string | number | null | undefined): Sector {
  const c = parseSicCode(code);
  return c === undefined ? UNK : BY_CODE[c]!;
}

/** Vendor security types that are exchange-traded products. */
export const ETF_TYPES: readonly string[] = ['ETF', 'ETN', 'ETV', 'ETS'];
/** Vendor security types that are funds (mutual and closed-end funds). */
export const FUND_TYPES: readonly string[] = ['FUND', 'MF'];

/**
 * The sector of a symbol from its ticker details: 'ETF' for exchange-traded products, 'Fund' for
 * funds (by security type, whatever the SIC code says), else by SIC code.
 */
export function sectorOf(details: { type?: string | null; sicCode?: string | number | null }): Sector {
  const type = typeof details.type === 'string' ? details.type.trim().toUpperCase() : '';
  if (ETF_TYPES.includes(type)) return 'ETF';
  if (FUND_TYPES.includes(type)) return 'Fund';
  return sectorOfSic(details.sicCode);
}

/** True for one of the 14 sector names. */
export function isSector(s: unknown): s is Sector {
  return typeof s === 'string' && (SECTORS as readonly string[]).includes(s);
}
