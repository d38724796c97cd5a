/**
 * Stage 2: the waiting room. Takes a queue token (the same one again after a reload: reissuing never
 * moves a fan back), then follows queue.status pushes until the status turns ACTIVE. From a sale's link
 * (?room=) it joins that sale's room, whose pre-queue has no places until the opening draws them (sale-room.ts).
 */
import { ApiFailure } from './api-client.js';
import type { PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { formatWait, outlookSentence, plural } from './format.js';
import { LiveSocket, websocketUrl, type LiveState } from './live-socket.js';
import type { SaleRoom } from './sale-room.js';
import type { QueueStatusView } from '../domain/views.js';

/** Position news is read aloud at most this often, so a moving line does not talk over everything. */
const POSITION_ANNOUNCE_INTERVAL_MS = 5_000;
/**
 * While the socket is down, poll instead: a poll also counts as presence, so a fan whose network
 * blocks WebSockets is not dropped as idle (QUEUE_WAITING_IDLE_SECONDS, default 120).
 */
const FALLBACK_POLL_INTERVAL_MS = 15_000;

export class WaitingRoom {
  private socket: LiveSocket | null = null;
  private socketState: LiveState = 'stopped';
  private pollTimer: number | undefined;
  private firstPosition: number | null = null;
  private lastAnnouncedAtMs = 0;
  private admitted = false;
  /** In a room's pre-queue at the last status: the next status is the opening, worth announcing. */
  private preQueued = false;

  constructor(
    private readonly context: PageContext,
    private readonly onAdmitted: (status: QueueStatusView) => void,
    /** Every status while waiting (the odds), and null once the fan is admitted or out of line. */
    private readonly onStatus: (status: QueueStatusView | null) => void = () => undefined,
    /** The sale's room of the page's link; null: the default line. */
    private readonly room: SaleRoom | null = null,
  ) {
    byId('queue-leave').addEventListener('click', () => void this.leave());
    byId('queue-rejoin').addEventListener('click', () => void this.enter());
  }

  async enter(): Promise<void> {
    this.stop();
    this.admitted = false;
    this.firstPosition = null;
    this.preQueued = false;
    this.setButtons({ waiting: true });
    setText('queue-position', '–');
    setText('queue-summary', 'Joining the line…');
    try {
      const status = this.room === null
        ? await this.context.api.request<QueueStatusView>('POST', '/v1/queue/tokens')
        : await this.context.api.request<QueueStatusView>('POST', '/v1/queue/tokens', { body: { roomId: this.room.roomId } });
      this.context.updateSession({ queueToken: status.token });
      this.render(status);
      if (status.status !== 'ACTIVE') this.listen();
    } catch (error) {
      this.setButtons({ waiting: false });
      this.context.handleFailure(error, 'Could not join the waiting room.');
    }
  }

  /** The turn is over (paid, expired or left): offer to join again rather than silently requeueing. */
  showEnded(reason: string): void {
    this.stop();
    this.room?.hidePreQueue();
    this.setButtons({ waiting: false });
    setText('queue-position', '–');
    setText('queue-summary', reason);
    this.setConnection('stopped');
  }

  stop(): void {
    window.clearInterval(this.pollTimer);
    this.socket?.stop();
    this.socket = null;
  }

  private listen(): void {
    this.socket = new LiveSocket({
      url: () => {
        const session = this.context.session();
        return websocketUrl('/v1/queue/ws', { token: session?.userToken ?? '', queueToken: session?.queueToken ?? '' });
      },
      onMessage: (message) => {
        if (message['type'] !== 'queue.status') return;
        if (typeof message['serverTime'] === 'string') this.context.clock.observe(message['serverTime']);
        this.render(message as unknown as QueueStatusView);
      },
      onState: (state) => {
        this.socketState = state;
        this.setConnection(state);
      },
      verifyAfterRefusal: () => this.verify(),
    });
    this.socket.start();
    window.clearInterval(this.pollTimer);
    this.pollTimer = window.setInterval(() => {
      if (this.socketState !== 'live' && this.socket !== null) void this.verify();
    }, FALLBACK_POLL_INTERVAL_MS);
  }

  /** After the server refused the socket: ask over REST what is wrong (and what our status is). */
  private async verify(): Promise<boolean> {
    try {
      const status = await this.context.api.request<QueueStatusView>('GET', '/v1/queue/status', { queueGated: true });
      this.render(status);
      return status.status !== 'ACTIVE';
    } catch (error) {
      if (error instanceof ApiFailure && (error.status === 0 || error.status >= 500)) return true;
      this.context.handleFailure(error);
      return false;
    }
  }

  private render(status: QueueStatusView): void {
    if (this.admitted) return;
    this.room?.update(status);
    if (status.status === 'PRE_QUEUE') {
      this.renderPreQueue(status);
      return;
    }
    const opening = this.preQueued;
    this.preQueued = false;
    if (status.status === 'ACTIVE') {
      this.admitted = true;
      this.stop();
      setText('queue-position', '✓');
      setText('queue-summary', "It's your turn! Taking you to the concerts…");
      this.setProgress(1);
      this.context.announcer.say(`${opening ? 'The sale is open. ' : ''}It's your turn. You may now choose seats.`);
      this.onStatus(null);
      this.onAdmitted(status);
      return;
    }
    this.firstPosition ??= status.position;
    this.firstPosition = Math.max(this.firstPosition, status.position);
    const ahead = Math.max(0, status.position - 1);
    setText('queue-position', String(status.position));
    const place = ahead === 0
      ? 'You are next in line.'
      : `You are number ${status.position} in line, with ${plural(ahead, 'person', 'people')} ahead of you.`;
    const summary = status.soldOut
      ? 'Every upcoming show is sold out, so admission has stopped. Sorry: there is nothing left to wait for.'
      : `${place} Estimated wait: ${formatWait(status.estimatedWaitSeconds)}.`;
    setText('queue-summary', summary);
    showOdds(status);
    this.onStatus(status);
    byId('queue-panel').dataset['soldOut'] = String(status.soldOut);
    this.setProgress((this.firstPosition - status.position + 1) / this.firstPosition);
    const nowMs = Date.now();
    if (opening || status.soldOut || nowMs - this.lastAnnouncedAtMs >= POSITION_ANNOUNCE_INTERVAL_MS) {
      this.lastAnnouncedAtMs = nowMs;
      const news = status.soldOut ? summary : `${summary} ${outlookSentence(status)}`;
      this.context.announcer.say(opening ? `The sale is open and places were drawn. ${news}` : news);
    }
  }

  /**
   * Before a room opens nobody has a place: the countdown runs in the room's panel, and the odds are those of
   * the middle of the list. Read aloud once, at the join; the opening is the next news.
   */
  private renderPreQueue(status: QueueStatusView): void {
    setText('queue-position', '–');
    const summary = status.soldOut
      ? 'Every show of this sale is sold out, so there is nothing left to wait for. Sorry.'
      : `No place yet: places are drawn at random when the sale opens, so arriving early or late before then does not matter. Estimated wait: ${formatWait(status.estimatedWaitSeconds)}.`;
    setText('queue-summary', summary);
    showOdds(status, ' (That is for a place drawn in the middle of the list.)');
    this.onStatus(status);
    byId('queue-panel').dataset['soldOut'] = String(status.soldOut);
    this.setProgress(0);
    if (!this.preQueued) {
      this.lastAnnouncedAtMs = Date.now();
      const opens = status.opensInSeconds > 0 ? `It opens in ${formatWait(status.opensInSeconds)}.` : 'It opens any moment now.';
      this.context.announcer.say(status.soldOut
        ? summary
        : `You are in the sale's pre-queue. ${opens} Places are drawn at random at the opening, so there is no need to hurry.`);
    }
    this.preQueued = true;
  }

  private async leave(): Promise<void> {
    const session = this.context.session();
    this.stop();
    if (session?.queueToken) {
      try {
        await this.context.api.request<void>('DELETE', '/v1/queue/tokens/current', { queueGated: true });
      } catch (error) {
        // Already gone is what we wanted; anything else is worth saying.
        if (!(error instanceof ApiFailure && error.code === 'QUEUE_TOKEN_INVALID')) this.context.announcer.failure(error);
      }
    }
    this.context.updateSession({ queueToken: null });
    this.onStatus(null);
    this.showEnded('You left the line. Join again whenever you like (you will join at the back).');
    this.context.announcer.say('You left the waiting room.');
  }

  private setButtons({ waiting }: { waiting: boolean }): void {
    byId('queue-leave').hidden = !waiting;
    byId('queue-rejoin').hidden = waiting;
  }

  private setProgress(fraction: number): void {
    byId('queue-progress-bar').style.width = `${Math.round(Math.min(1, Math.max(0.03, fraction)) * 100)}%`;
  }

  private setConnection(state: LiveState): void {
    const label = byId('queue-connection');
    label.dataset['state'] = state;
    label.textContent = CONNECTION_TEXT[state];
  }
}

export const CONNECTION_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live: updates arrive as they happen',
  reconnecting: 'Connection lost, reconnecting…',
  stopped: '',
};

const OUTLOOK_WORDS: Record<QueueStatusView['outlook'], string> = {
  LIKELY: 'Likely', UNCERTAIN: 'Uncertain', UNLIKELY: 'Unlikely', SOLD_OUT: 'Sold out',
};

/** The odds on their own line: a worded badge and the plain sentence, for a fan deciding whether to wait. */
function showOdds(status: QueueStatusView, note = ''): void {
  const odds = byId('queue-odds');
  odds.hidden = false;
  odds.dataset['outlook'] = status.outlook;
  setText('queue-odds-badge', OUTLOOK_WORDS[status.outlook]);
  setText('queue-odds-text', status.outlook === 'UNLIKELY' || status.outlook === 'SOLD_OUT'
    ? `${outlookSentence(status)}${note} You can join a date's waitlist below instead: freed seats go to its fans in order.`
    : `${outlookSentence(status)}${note}`);
}
