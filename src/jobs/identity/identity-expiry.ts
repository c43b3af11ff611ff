/**
 * Expiry of stale identifiers (the identity step's `expireAfter`): an identifier whose last event is more than
 * `expireAfter` of event time before the event being processed is stale. A stale identifier on an event leaves its
 * component and starts a new one (a device sold on reaches its new owner's account); stale members of a component
 * taking part in a link are forgotten before the cap and the type limits are checked, so dead cookies stop counting.
 * When the leaver named its component, the component is renamed to its smallest remaining member. Everything is
 * decided from event times and the state, so a replay forgets the same identifiers at the same events. An
 * identifier stored before expiry was configured has no time: it is not stale until seen again.
 */
import type { Component, ComponentAccess, IdentityStore, Observation } from './identity-model.js';

export class IdentityExpiry {
  constructor(
    private readonly after: number,
    private readonly store: IdentityStore,
    private readonly graph: ComponentAccess,
  ) {}

  private isStale(id: string, time: number): boolean {
    const seen = this.store.seen.get(id);
    return seen !== undefined && time - seen > this.after;
  }

  /**
   * An identifier of the event, in component `canonical`, seen at `time`: its time becomes the later of the stored
   * one and `time` (an event out of order does not move it back); a stale one leaves its component (returns
   * undefined: the caller creates it anew), a fresh one stays (returns `canonical`).
   */
  refresh(id: string, canonical: string, time: number, out: Observation): string | undefined {
    const seen = this.store.seen.get(id);
    if (seen !== undefined && time - seen > this.after) {
      const component = this.graph.component(canonical);
      if (component.members.length > 1) {
        this.detach(component, [id], out);
        this.store.seen.set(id, time);
        return undefined;
      }
    }
    if (seen === undefined || time > seen) this.store.seen.set(id, time);
    return canonical;
  }

  /** Forgets the stale members of a component about to be linked; records a rename in `renamed`. */
  prune(component: Component, time: number, out: Observation, renamed: Map<string, string>): Component {
    if (component.members.length === 1) return component;
    const stale = component.members.filter((m) => this.isStale(m, time));
    if (stale.length === 0) return component;
    const kept = this.detach(component, stale, out);
    for (const id of stale) {
      this.store.ids.delete(id);
      this.store.seen.delete(id);
    }
    if (kept.canonical !== component.canonical) renamed.set(component.canonical, kept.canonical);
    return kept;
  }

  /** Takes `leaving` out of a component (at least one member stays); renames it when its canonical id leaves. */
  private detach(component: Component, leaving: readonly string[], out: Observation): Component {
    const members = component.members.filter((m) => !leaving.includes(m));
    let canonical = component.canonical;
    if (leaving.includes(canonical)) {
      canonical = members.reduce((a, b) => (this.graph.precedes(a, b) ? a : b));
      for (const m of members) this.store.ids.set(m, canonical);
      if (component.stored) this.store.components.delete(component.canonical);
      if (members.length > 1) this.store.components.set(canonical, members);
    } else {
      this.graph.storeMembers(component, members);
    }
    for (const id of leaving) {
      out.expired++;
      const renamedBy = id === component.canonical && canonical !== component.canonical;
      out.changes.push({ type: 'expire', id, from: component.canonical, into: canonical, ...(renamedBy ? { moved: members } : {}) });
    }
    return { canonical, members, stored: members.length > 1 };
  }
}
