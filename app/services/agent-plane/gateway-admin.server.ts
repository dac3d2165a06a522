import type { Actor } from "#app/db/actor";
import { createGateway, deleteGateway, updateGateway } from "#app/db/gateways.server";
import type { Database } from "#app/db/types";
import type { GatewayCreate, GatewayUpdate } from "#app/domain/forms/gateways";
import type { GatewayTokenBox } from "../auth/gateway-tokens.server";
import type { GatewayRegistry } from "./gateway-registry.server";

// The admin page's writes (decision 052): the token is sealed before it goes
// to the database, and this instance's connections follow at once (others
// follow the gateway.* event).

export interface GatewayAdminDeps {
  db: Database;
  box: GatewayTokenBox;
  gateways: Pick<GatewayRegistry, "reload">;
}

export async function registerGateway({ db, box, gateways }: GatewayAdminDeps, input: GatewayCreate, actor: Actor) {
  const row = await createGateway(db, { name: input.name, url: input.url, tokenCiphertext: box.seal(input.token) }, actor);
  await gateways.reload();
  return row;
}

export async function editGateway({ db, box, gateways }: GatewayAdminDeps, input: GatewayUpdate, actor: Actor) {
  const row = await updateGateway(
    db,
    input.gateway_id,
    { name: input.name, url: input.url, tokenCiphertext: input.token ? box.seal(input.token) : null },
    actor,
  );
  await gateways.reload();
  return row;
}

export async function removeGateway({ db, gateways }: Pick<GatewayAdminDeps, "db" | "gateways">, id: string, actor: Actor) {
  await deleteGateway(db, id, actor);
  await gateways.reload();
}
