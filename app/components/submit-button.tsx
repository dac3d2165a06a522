import { useEffect, useState } from "react";
import { useNavigation } from "react-router";

type SubmitButtonProps = Omit<React.ButtonHTMLAttributes<HTMLButtonElement>, "type"> & {
  /** What the button says while its form is on its way ("Saving…"); the label stays when absent. */
  pendingLabel?: string;
  /** A fetcher's state, when the form is a fetcher's. */
  fetcherState?: "idle" | "submitting" | "loading";
};

/**
 * A submit button that shows its form is on its way: aria-busy, a pending
 * label, and disabled until the answer arrives, so a double click cannot send
 * the form twice. It is pending from the moment it was pressed until the
 * page's submission (or its fetcher) is done, so of several forms on one
 * page only the one sent shows it. Without JavaScript it is a plain button.
 */
export function SubmitButton({ pendingLabel, fetcherState, children, className, disabled, onClick, ...rest }: SubmitButtonProps) {
  const navigation = useNavigation();
  const [pressed, setPressed] = useState(false);
  const busy = fetcherState ? fetcherState !== "idle" : navigation.state !== "idle";
  const [seenBusy, setSeenBusy] = useState(false);
  // Pressed is set during the click; busy follows once the router has taken the
  // submission, and the button lets go when the router is idle again.
  useEffect(() => {
    if (!pressed) return;
    if (busy) setSeenBusy(true);
    else if (seenBusy) {
      setPressed(false);
      setSeenBusy(false);
    }
  }, [pressed, busy, seenBusy]);
  const pending = pressed && busy;
  return (
    <button
      {...rest}
      type="submit"
      className={pending ? `${className ?? "btn"} is-pending` : className}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
      aria-disabled={pending || undefined}
      onClick={(e) => {
        onClick?.(e);
        if (!e.defaultPrevented) setPressed(true);
      }}
    >
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}
