/**
 * Node keeps a timer's delay in a signed 32-bit millisecond count: a delay
 * above 2,147,483,647 ms (about 24.8 days) is replaced by 1 ms with a
 * TimeoutOverflowWarning (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args),
 * so a timer meant for IIS's longest timeout (2,592,000 s = 30 days,
 * https://learn.microsoft.com/en-us/iis/configuration/system.webserver/fastcgi/application/)
 * would fire every millisecond. Every timer armed from config goes through
 * timerDelay(); its owner checks the real deadline when it fires and re-arms
 * for the rest, so a clamped timer only wakes up once more per 24.8 days.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A delay setTimeout/setInterval takes as given: 1 … MAX_TIMER_DELAY_MS ms (NaN → 1). */
export function timerDelay(ms: number): number {
  if (!(ms >= 1)) return 1;
  return Math.min(Math.ceil(ms), MAX_TIMER_DELAY_MS);
}
