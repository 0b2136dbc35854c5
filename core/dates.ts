/** A New York calendar date, 'YYYY-MM-DD'. Lexicographic order equals chronological order. */
export type IsoDate = string;
