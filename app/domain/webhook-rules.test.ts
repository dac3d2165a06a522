import { describe, expect, it } from "vitest";
import { parseDeliveryId, signedPayload } from "./webhook-rules";

describe("the webhook's signed string", () => {
  it("covers the delivery id when one is sent", () => {
    expect(signedPayload("1700000000", "d-1", '{"task_id":"t"}')).toBe('1700000000.d-1.{"task_id":"t"}');
    expect(signedPayload(" 1700000000 ", null, '{"task_id":"t"}')).toBe('1700000000.{"task_id":"t"}');
  });

  it("reads one way only: an id cannot take part of a JSON body, nor a body part of an id", () => {
    // A JSON body starts with "{" (after optional whitespace), which no id may contain.
    for (const id of ["a{b", "a b", "", "x".repeat(201), "d\n"]) expect(parseDeliveryId(id).ok, JSON.stringify(id)).toBe(false);
    expect(parseDeliveryId("2026-12-01T10:00:00.abc_1")).toEqual({ ok: true, id: "2026-12-01T10:00:00.abc_1" });
    expect(parseDeliveryId(null)).toEqual({ ok: true, id: null });
  });
});
