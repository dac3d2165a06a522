import { type RouterContextProvider, data } from "react-router";
import { createApiKey, listApiKeys, revokeApiKey } from "#app/db/api-keys.server";
import { expiryFrom, grantableScopes } from "#app/domain/api-keys";
import { AppError } from "#app/domain/errors";
import { apiKeyCreateSchema, apiKeyRevokeSchema } from "#app/domain/forms/api-keys";
import { parseForm, submittedValues } from "#app/domain/forms/parse";
import { newApiKey } from "#app/services/auth/api-keys.server";
import { operator } from "#app/services/auth/operator.server";
import { actionFailure, invalidForm } from "#app/services/http/page-errors.server";
import { redirectWithToast } from "#app/services/http/toast.server";
import { quoted } from "#app/domain/toast";

// The settings page's "API keys" panel (decision 050): the user's own keys,
// and its two forms, which work without JavaScript. A new key is in the
// create form's one response only (like an agent's token): it is stored hashed.

export const API_KEY_INTENTS = ["create-key", "revoke-key"] as const;
export type ApiKeyIntent = (typeof API_KEY_INTENTS)[number];

export const isApiKeyIntent = (intent: unknown): intent is ApiKeyIntent => (API_KEY_INTENTS as readonly unknown[]).includes(intent);

/** The signed-in user's keys (revoked and expired ones too) and the scopes their role lets them give. */
export async function apiKeysData(context: Readonly<RouterContextProvider>, request: Request) {
  const { db, user } = operator(context, request, "viewer");
  return { keys: await listApiKeys(db, user.id), grantable: grantableScopes(user.role) };
}

export type ApiKeysData = Awaited<ReturnType<typeof apiKeysData>>;

export async function apiKeyAction(context: Readonly<RouterContextProvider>, request: Request, intent: ApiKeyIntent, form: FormData) {
  const { db, user, log } = operator(context, request, "viewer");
  if (intent === "revoke-key") {
    const parsed = parseForm(form, apiKeyRevokeSchema);
    if (!parsed.ok) return invalidForm(parsed.errors, undefined, intent);
    try {
      const key = await revokeApiKey(db, parsed.data.key_id, user.id);
      log.info({ event: "api_key.revoked", api_key_id: key.id }, "API key revoked");
      return redirectWithToast("/settings#api-keys", { kind: "success", message: `Revoked the API key ${quoted(key.name)}. It stops working at once.` });
    } catch (error) {
      return actionFailure(error, undefined, intent);
    }
  }
  const parsed = parseForm(form, apiKeyCreateSchema);
  if (!parsed.ok) return invalidForm(parsed.errors, parsed.values, intent);
  const { name, scopes, days } = parsed.data;
  const grantable = grantableScopes(user.role);
  const beyond = scopes.filter((s) => !grantable.includes(s));
  if (beyond.length > 0) {
    const message = `Your role (${user.role}) cannot give a key the ${beyond.join(" or ")} scope.`;
    return invalidForm({ scopes: message }, submittedValues(form), intent);
  }
  const token = newApiKey();
  try {
    const key = await createApiKey(db, user.id, { name, scopes, expiresAt: expiryFrom(days, new Date()), hash: token.hash, hint: token.hint });
    log.info({ event: "api_key.created", api_key_id: key.id, scopes }, "API key created");
    // The key is in this one response only; it is not stored in clear anywhere.
    return data(
      { ok: true as const, createdKey: { id: key.id, name: key.name, token: token.token } },
      { status: 201, headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    if (error instanceof AppError) return actionFailure(error, { name }, intent);
    throw error;
  }
}
