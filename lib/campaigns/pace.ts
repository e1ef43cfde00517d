// Spaces a channel's Graph calls at its rate (GCRA, "virtual scheduling"): a call may go at
// `next`, which moves 1/rate later with every call; an idle channel may send `burst` calls at once.
// The runner plans sends on the channel's timeline (private.channel_pace), but a charge that waited
// on the database (a checkpoint, a busy wallet row) would otherwise release everything it held up
// in one go: Meta counts throughput per second and answers a burst with 130429.
export class CallPace {
  private next = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Milliseconds the call made at `now` must wait; reserves its slot. */
  delayFor(now: number): number {
    const interval = 1000 / this.ratePerSecond;
    const at = Math.max(this.next, now - (this.burst - 1) * interval);
    this.next = at + interval;
    return Math.max(0, at - now);
  }

  async take(now = Date.now()): Promise<void> {
    const ms = this.delayFor(now);
    if (ms >= 1) await new Promise((r) => setTimeout(r, ms));
  }
}

const paces = new Map<string, CallPace>();

/** The process's pace for a channel's campaign sends (shared by its campaigns); burst is 5 % of a second. */
export function channelPace(channelId: string, ratePerSecond: number): CallPace {
  const key = `${channelId}:${ratePerSecond}`;
  let p = paces.get(key);
  if (!p) {
    if (paces.size > 1000) paces.clear();
    p = new CallPace(ratePerSecond, Math.max(1, Math.round(ratePerSecond * 0.05)));
    paces.set(key, p);
  }
  return p;
}
