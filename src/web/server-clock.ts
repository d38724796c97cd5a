/**
 * The server's idea of now, as seen from this browser. Hold deadlines are server times, so a
 * countdown computed from the local clock would be wrong by however far the two clocks disagree.
 *
 * Each sample is serverTime - localReceiveTime = trueOffset - transitDelay, so the largest of the
 * recent samples is the least delayed and the best estimate. Only recent samples count, so a
 * server clock that moves is followed.
 */
const SAMPLES_KEPT = 8;

export class ServerClock {
  private readonly samplesMs: number[] = [];

  observe(serverTime: string | number, receivedAtMs: number = Date.now()): void {
    const serverMs = typeof serverTime === 'number' ? serverTime : Date.parse(serverTime);
    if (!Number.isFinite(serverMs)) return;
    this.samplesMs.push(serverMs - receivedAtMs);
    if (this.samplesMs.length > SAMPLES_KEPT) this.samplesMs.shift();
  }

  offsetMs(): number {
    return this.samplesMs.length === 0 ? 0 : Math.max(...this.samplesMs);
  }

  now(): number {
    return Date.now() + this.offsetMs();
  }

  remainingMs(deadlineIso: string): number {
    return Date.parse(deadlineIso) - this.now();
  }
}
