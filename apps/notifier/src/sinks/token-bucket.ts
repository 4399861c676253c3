/**
 * A token bucket: holds up to `capacity` tokens and gains `perMinute`
 * tokens a minute. Time is passed in, so tests drive it with a fake clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number | undefined;
  private readonly msPerToken: number;

  constructor(
    perMinute: number,
    private readonly capacity: number = perMinute,
  ) {
    this.msPerToken = 60_000 / perMinute;
    this.tokens = capacity;
  }

  /** Takes a token if one is there. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** When the next token will be there (now, if one is). */
  nextTokenAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1
      ? now
      : now + Math.ceil((1 - this.tokens) * this.msPerToken);
  }

  private refill(now: number): void {
    if (this.updatedAt !== undefined && now > this.updatedAt) {
      this.tokens = Math.min(
        this.capacity,
        this.tokens + (now - this.updatedAt) / this.msPerToken,
      );
    }
    if (this.updatedAt === undefined || now > this.updatedAt) {
      this.updatedAt = now;
    }
  }
}
