/** GS1 company prefix length of the items in the built-in sites (0614141). */
export const COMPANY_PREFIX_DIGITS = 7;
/** The built-in sites' GS1 company prefix, for generated SSCC pallet tags. */
export const COMPANY_PREFIX = "0614141";
/** TDS §10.1, SSCC-96 filter values: 6 = unit load (a pallet). */
export const SSCC_UNIT_LOAD_FILTER = 6;
/** Serials of generated tags start here (the demo's first tag is 1 000 001). */
export const FIRST_SERIAL = 1_000_001;
/** A GTIN no built-in site knows: tags of it are "unknown tags". */
export const FOREIGN_GTIN_BASE = "0999999900001";
/** Gap between two portal passes of one truck, ms. */
export const PALLET_GAP_MS = 5000;
/** Gap between two scans by one operator, ms. */
export const SCAN_GAP_MS = 2000;
/** Least time between two loads of one shelf bin, so the edge sees each settle, ms. */
export const BIN_GAP_MS = 2000;
/** Pallets in a staging lane stand about this far from the outer antenna, m. */
export const STAGING_DISTANCE_M = 4;
