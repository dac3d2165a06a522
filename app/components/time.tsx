import { createContext, useContext, useEffect, useRef } from "react";
import { DEFAULT_TIME_ZONE, formatDateTime, formatRelative } from "#app/domain/time";

/** The reader's time zone, set once by the signed-in layout; pages render every time in it. */
export const TimeZoneContext = createContext<string>(DEFAULT_TIME_ZONE);

export const useTimeZone = () => useContext(TimeZoneContext);

/**
 * An instant as a `<time>`: relative by default ("3 h ago") with the absolute
 * time in the reader's zone as its title, or absolute with `absolute`.
 * `now` comes from the loader so the server and the browser render the same text.
 */
export function Time({ value, now, absolute = false, className }: { value: string; now?: Date | string; absolute?: boolean; className?: string }) {
  const timeZone = useTimeZone();
  const full = formatDateTime(value, timeZone);
  const text = absolute || now === undefined ? full : formatRelative(value, new Date(now));
  return (
    <time dateTime={value} title={full} className={className}>
      {text}
    </time>
  );
}

/**
 * A hidden field the browser fills with its own zone, so signing in stores it
 * once; without JavaScript it stays empty and the user picks a zone on the
 * settings page.
 */
export function DetectedTimeZoneInput() {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.value = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  }, []);
  return <input ref={ref} type="hidden" name="time_zone" defaultValue="" />;
}
