// Kept apart from the answer schema (zod): the planning panel uses it in the browser.
/** The choice value of a planning answer written in the operator's own words ("Other"). */
export const OTHER = "__other";
