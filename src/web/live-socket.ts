/**
 * A WebSocket that comes back: reconnects with capped exponential backoff until stopped.
 * When the server refuses us (policy close codes), it first asks its owner whether trying again
 * makes sense; the owner checks over REST, which also tells it the contract error code.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveSocketOptions {
  /** Built at every connect: tokens may have changed. */
  url: () => string;
  onMessage: (message: Record<string, unknown>) => void;
  onState?: (state: LiveState) => void;
  /** Resolve true to reconnect, false to stop. Asked after a refusal (see isRefusal). */
  verifyAfterRefusal?: (code: number, reason: string) => Promise<boolean>;
}

const BACKOFF_BASE_MS = 400;
const BACKOFF_MAX_MS = 8_000;

/**
 * The server closes with 4401/4403/4404 when it refuses our tokens, and with 1000
 * QUEUE_TOKEN_ENDED when our turn ends (src/api/ws-connection.ts): reconnecting blindly would not help.
 */
function isRefusal(code: number, reason: string): boolean {
  return code === 1008 || (code >= 4000 && code <= 4999) || reason === 'QUEUE_TOKEN_ENDED';
}

export function websocketUrl(path: string, params: Record<string, string>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}?${new URLSearchParams(params).toString()}`;
}

export class LiveSocket {
  private socket: WebSocket | null = null;
  private stopped = true;
  private failures = 0;
  private retryTimer: number | undefined;

  constructor(private readonly options: LiveSocketOptions) {}

  start(): void {
    this.stopped = false;
    this.failures = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket !== null && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client done');
    this.options.onState?.('stopped');
  }

  /** Drop the connection and open a fresh one (used to re-read a snapshot after a version gap). */
  reconnectNow(): void {
    if (this.stopped) return;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'resync');
    this.connect();
  }

  private connect(): void {
    this.options.onState?.(this.failures === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.options.url());
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.failures = 0;
      this.options.onState?.('live');
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message === 'object' && message !== null) this.options.onMessage(message as Record<string, unknown>);
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      void this.afterClose(event.code, event.reason);
    });
  }

  private async afterClose(code: number, reason: string): Promise<void> {
    this.failures++;
    this.options.onState?.('reconnecting');
    if (isRefusal(code, reason) && this.options.verifyAfterRefusal !== undefined) {
      const retry = await this.options.verifyAfterRefusal(code, reason).catch(() => true);
      if (!retry) {
        this.stop();
        return;
      }
    }
    if (this.stopped) return;
    const backoffMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.failures - 1, 5));
    const jitterMs = Math.random() * backoffMs * 0.3;
    this.retryTimer = window.setTimeout(() => {
      if (!this.stopped) this.connect();
    }, backoffMs + jitterMs);
  }
}
