/** The product version, recorded in `start` audit records and printed by `--version`. */
export const VERSION = "0.1.0";
