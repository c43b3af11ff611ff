/**
 * Wall-clock time of day in a named time zone (IANA, `Europe/Berlin`) for an instant, as quiet hours read it. Node's
 * Intl carries the full ICU time-zone database, so daylight-saving changes are those of the zone's rules; no library
 * is needed for this one conversion. One formatter per zone is kept: building one costs far more than using it.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The formatter of `zone`, or undefined when Intl does not know the zone. */
function formatterOf(zone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(zone);
  if (formatter) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
  } catch {
    return undefined;
  }
  formatters.set(zone, formatter);
  return formatter;
}

export function isKnownTimeZone(zone: string): boolean {
  return formatterOf(zone) !== undefined;
}

/** Minutes since local midnight (0-1439) at `ms` in `zone`; undefined for a zone Intl does not know. */
export function minuteOfDay(ms: number, zone: string): number | undefined {
  const formatter = formatterOf(zone);
  if (!formatter) return undefined;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(ms)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}
