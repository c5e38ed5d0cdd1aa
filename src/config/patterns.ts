/** Shapes shared by the config schema and the command-line flags; no dependencies, so --help stays light. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
