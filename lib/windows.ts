/**
 * Date windows chosen from the data the environment holds, never from our own dataset's
 * calendar: a filtered check proves something only where the persona has rows inside and
 * outside the window and other tenants have rows inside it, and a deployment's dates are
 * its own. Rows are counted per day, so a million rows cost one pass and a map of days.
 */
import type { PatientTreated } from './model.ts';

export interface DateWindow {
  readonly from: string;
  readonly to: string;
}

/** Rows per day, per tenant: all a window needs to know of the data. */
export class DayCounts {
  readonly #byTenant = new Map<string, Map<string, number>>();

  static of(rows: Iterable<Pick<PatientTreated, 'providerId' | 'lastVisit'>>): DayCounts {
    const counts = new DayCounts();
    for (const row of rows) counts.add(row.providerId, row.lastVisit);
    return counts;
  }

  add(organizationId: string, day: string): void {
    let days = this.#byTenant.get(organizationId);
    if (!days) {
      days = new Map();
      this.#byTenant.set(organizationId, days);
    }
    days.set(day, (days.get(day) ?? 0) + 1);
  }

  get tenants(): readonly string[] {
    return [...this.#byTenant.keys()];
  }

  /** Days with rows of these tenants (every tenant for `null`), oldest first, each with its count. */
  days(organizationId: string | null): [string, number][] {
    const merged = new Map<string, number>();
    for (const [tenant, days] of this.#byTenant) {
      if (organizationId !== null && tenant !== organizationId) continue;
      for (const [day, count] of days) merged.set(day, (merged.get(day) ?? 0) + count);
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * The middle half of the persona's own days (every tenant's, for a Luna admin): its own rows
 * fall inside and on both sides, and, where the data allows, other tenants' rows inside.
 * `undefined` when the persona has no rows at all.
 */
export function windowFor(counts: DayCounts, organizationId: string | null): DateWindow | undefined {
  return quantileWindow(counts.days(organizationId), 0.25, 0.75);
}

/** A wider window than any persona's, for a check that must be the first of its kind. */
export function pairWindow(counts: DayCounts, taken: readonly DateWindow[]): DateWindow | undefined {
  const days = counts.days(null);
  let window = quantileWindow(days, 0.1, 0.9);
  // Step the start back a day at a time until no other check has asked for this window.
  while (window && taken.some((other) => other.from === window?.from && other.to === window.to)) {
    window = { from: previousDay(window.from), to: window.to };
  }
  return window;
}

function quantileWindow(days: readonly [string, number][], low: number, high: number): DateWindow | undefined {
  const total = days.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const dayAt = (fraction: number): string => {
    const wanted = Math.min(total - 1, Math.floor(total * fraction));
    let seen = 0;
    for (const [day, count] of days) {
      seen += count;
      if (seen > wanted) return day;
    }
    return days.at(-1)?.[0] ?? '';
  };
  return { from: dayAt(low), to: dayAt(high) };
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
