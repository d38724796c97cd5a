/** The header's "Your turn ends in 9:41": an ACTIVE queue token lasts QUEUE_ACTIVE_TTL_SECONDS. */
import { byId, setText } from './dom.js';
import { formatCountdown } from './format.js';
import type { ServerClock } from './server-clock.js';

export class TurnTimer {
  private ticker: number | undefined;

  constructor(private readonly clock: ServerClock, private readonly onEnded: () => void) {}

  start(expiresAtIso: string | null): void {
    this.stop();
    if (expiresAtIso === null) return;
    byId('turn-timer').hidden = false;
    const tick = (): void => {
      const remainingMs = this.clock.remainingMs(expiresAtIso);
      setText('turn-remaining', formatCountdown(remainingMs));
      if (remainingMs <= 0) {
        this.stop();
        this.onEnded();
      }
    };
    tick();
    this.ticker = window.setInterval(tick, 500);
  }

  stop(): void {
    window.clearInterval(this.ticker);
    byId('turn-timer').hidden = true;
  }
}
