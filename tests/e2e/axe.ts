import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/**
 * axe-core with the WCAG 2.1 A and AA rules, for every accessibility check of
 * the end-to-end suite. Legacy mode runs axe in the page's own frames: the
 * default opens a blank page for every analysis to finish the run in, which
 * cost as much as the rules themselves on most pages (measured in the page
 * sweep: about 1 s per page against 0.5 s). The new mode exists for
 * cross-origin frames; the only frame the app draws is a stored file's
 * sandboxed preview, which holds the user's file rather than our markup.
 */
export function wcagAxe(page: Page): AxeBuilder {
  return new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).setLegacyMode(true);
}
