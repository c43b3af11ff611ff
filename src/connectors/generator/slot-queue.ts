/** A first-in first-out queue of slots (non-negative integers) in a growing ring buffer, without allocation per item. */
export class SlotQueue {
  private items = new Int32Array(1024);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(slot: number): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count++) & (this.items.length - 1)] = slot;
  }

  /** The oldest slot, or -1 when empty. */
  peek(): number {
    return this.count === 0 ? -1 : this.items[this.head]!;
  }

  /** Removes and returns the oldest slot, or -1 when empty. */
  shift(): number {
    if (this.count === 0) return -1;
    const slot = this.items[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return slot;
  }

  private grow(): void {
    const items = new Int32Array(this.items.length * 2);
    for (let k = 0; k < this.count; k++) items[k] = this.items[(this.head + k) & (this.items.length - 1)]!;
    this.items = items;
    this.head = 0;
  }
}
