/** A binary min-heap of scheduled events by (time, sequence), so simultaneous events keep a deterministic order. */

export interface Scheduled<T> {
  time: number;
  seq: number;
  event: T;
}

export class EventHeap<T> {
  private readonly items: Scheduled<T>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Scheduled<T> | undefined {
    return this.items[0];
  }

  push(item: Scheduled<T>): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Scheduled<T> | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less<T>(x: Scheduled<T>, y: Scheduled<T>): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}
