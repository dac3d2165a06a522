import { redirect } from "react-router";
import type { Route } from "./+types/push-devices";
import { pushDeviceAction } from "./push-devices.server";

// POST /settings/devices: the settings page's device forms (remove, send a
// test notification; decision 048). It has no page of its own: a visit goes
// to the settings page's panel, a refused form gets the error page.

export function loader() {
  return redirect("/settings#devices");
}

export async function action({ request, context }: Route.ActionArgs) {
  return pushDeviceAction(context, request);
}

export default function PushDevices() {
  return null;
}
