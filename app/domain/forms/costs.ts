import { z } from "zod";
import { COLUMN_LIMITS as L, atMost } from "../field-limits";

// Forms for the price table (admin) and budgets (workspace, agent, task pages).

/** Dollars as typed: empty means "no value"; at most 6 decimals. */
const dollars = (message: string) =>
  z
    .string()
    .trim()
    .transform((v) => v.replace(/^\$/, ""))
    .refine((v) => v === "" || /^\d{1,8}(\.\d{1,6})?$/.test(v), message)
    .transform((v) => (v === "" ? null : Number(v)));

export const budgetSchema = z
  .object({
    daily_limit_usd: dollars("Dollars, e.g. 5 or 2.50"),
    total_limit_usd: dollars("Dollars, e.g. 50"),
    reserve_usd: dollars("Dollars, e.g. 0.50").refine((v) => v === null || v > 0, "More than zero"),
  })
  .strict();

export const modelPriceSchema = z
  .object({
    model: z
      .string()
      .trim()
      .toLowerCase()
      .min(1, "A model name is required")
      .max(L.model_prices.model, atMost(L.model_prices.model))
      .regex(/^[a-z0-9][a-z0-9._:/@-]*$/, "Letters, digits and . _ : / @ -"),
    input_usd_per_mtok: dollars("USD per million tokens").transform((v) => v ?? 0),
    output_usd_per_mtok: dollars("USD per million tokens").transform((v) => v ?? 0),
    cache_read_usd_per_mtok: dollars("USD per million tokens").transform((v) => v ?? 0),
    cache_write_usd_per_mtok: dollars("USD per million tokens").transform((v) => v ?? 0),
    included: z
      .literal("on")
      .optional()
      .transform((v) => v === "on"),
    // A datetime-local input (read as UTC) or empty for "now".
    effective_from: z
      .string()
      .trim()
      .refine((v) => v === "" || !Number.isNaN(Date.parse(`${v}Z`)), "A date and time")
      .transform((v) => (v === "" ? null : new Date(`${v}Z`).toISOString())),
    note: z.string().trim().max(L.model_prices.note, atMost(L.model_prices.note)).default(""),
  })
  .strict();
