/**
 * A risk figure is either a finite number or null with a machine-readable reason and a sentence for
 * people. No function of the risk module returns NaN or ±Infinity: `figure()` turns a non-finite
 * result into an unavailable one.
 */

/**
 * Why a figure has no value:
 * - 'insufficient_observations': fewer observations (returns, days, values) than the figure's minimum;
 * - 'insufficient_holdings': no holding the figure can use (none, all PRIVATE or unpriced), or fewer
 *   than the figure needs (a correlation needs two);
 * - 'zero_variance': a variance the figure divides by is zero (a constant series, no exposure);
 * - 'non_positive_nav': a share of NAV while NAV ≤ 0;
 * - 'unavailable_input': a figure or input it is built from is itself unavailable (the message says which);
 * - 'not_finite': the arithmetic overflowed (inputs far outside any sane range).
 */
export type UnavailableReason =
  | 'insufficient_observations'
  | 'insufficient_holdings'
  | 'zero_variance'
  | 'non_positive_nav'
  | 'unavailable_input'
  | 'not_finite';

export interface Unavailable {
  reason: UnavailableReason;
  message: string;
  /** For 'insufficient_observations': what was available and what the minimum is. */
  observations?: number;
  required?: number;
}

export type Figure = { value: number; unavailable: null } | { value: null; unavailable: Unavailable };

/** A figure with a value; a non-finite value becomes unavailable ('not_finite') naming `what`. */
export function figure(value: number, what = 'the figure'): Figure {
  if (Number.isFinite(value)) return { value: value === 0 ? 0 : value, unavailable: null };
  return missing('not_finite', `${what} is not a finite number (the inputs are out of range)`);
}

/** An unavailable figure. */
export function missing(reason: UnavailableReason, message: string, counts?: { observations: number; required: number }): Figure {
  return { value: null, unavailable: counts ? { reason, message, observations: counts.observations, required: counts.required } : { reason, message } };
}

/** Unavailable for too few observations: "<what>: 12 observations, at least 15 required". */
export function tooFew(what: string, observations: number, required: number): Figure {
  return missing('insufficient_observations', `${what}: ${observations} observations, at least ${required} required`, { observations, required });
}

/** The figure's value divided by NAV, unavailable when NAV ≤ 0 or the figure is. */
export function shareOfNav(f: Figure, nav: number, what: string): Figure {
  if (f.value === null) return missing('unavailable_input', `${what} is unavailable: ${f.unavailable.message}`);
  if (!(nav > 0)) return missing('non_positive_nav', `${what} as a share of NAV needs a positive NAV (NAV is ${nav})`);
  return figure(f.value / nav, `${what} as a share of NAV`);
}
