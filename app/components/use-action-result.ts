import { useState } from "react";
import { useLocation } from "react-router";

/**
 * The page's action result, kept until the operator submits again or leaves.
 *
 * React Router drops `actionData` whenever the page's loaders are revalidated
 * outside a submission, and live updates revalidate on every relevant event,
 * including the one the submission itself caused. Read raw, a one-time agent
 * token, a refusal's field errors and the values sent with it would vanish a
 * moment after they appear, and whatever is keyed or shown by them (a form
 * reset after a create, an open edit panel) would be remounted or closed.
 *
 * A result belongs to the history entry its submission made: a revalidation
 * keeps that entry (same `location.key`), while a new submission or any
 * navigation, Back included, makes or picks another, which forgets it.
 * Every route component reads its action result through this hook only.
 */
export function useActionResult<T>(actionData: T | undefined): T | undefined {
  const { key } = useLocation();
  const [kept, setKept] = useState(() => (actionData === undefined ? null : { key, data: actionData }));
  if (actionData !== undefined) {
    // Adjusting state while rendering (not in an effect): the first paint already has it.
    if (kept?.key !== key || kept.data !== actionData) setKept({ key, data: actionData });
    return actionData;
  }
  if (kept === null) return undefined;
  if (kept.key !== key) {
    setKept(null);
    return undefined;
  }
  return kept.data;
}
