/**
 * A webhook receiver for tests: a real HTTP server on a free loopback port that records every delivery
 * (headers and raw body) and answers as the test says (a status, a delay, or no answer at all).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery { path: string; headers: IncomingHttpHeaders; body: string; event: { id: string; sequence: number; type: string; data: unknown } }
export type Answer = { status: number; delayMs?: number } | 'hang';

export class Receiver {
  readonly deliveries: Delivery[] = [];
  /** How to answer the next request to a path (default 200). */
  answer: (path: string, delivery: Delivery) => Answer = () => ({ status: 200 });
  private readonly server: Server;
  private readonly hanging = new Set<() => void>();

  private constructor(server: Server, readonly url: string) {
    this.server = server;
  }

  static async start(): Promise<Receiver> {
    const self: { receiver?: Receiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const delivery: Delivery = { path: request.url ?? '/', headers: request.headers, body, event: JSON.parse(body) as Delivery['event'] };
        self.receiver!.deliveries.push(delivery);
        const answer = self.receiver!.answer(delivery.path, delivery);
        if (answer === 'hang') {
          const release = (): void => {
            response.destroy();
          };
          self.receiver!.hanging.add(release);
          return;
        }
        setTimeout(() => response.writeHead(answer.status).end('ok'), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new Receiver(server, `http://127.0.0.1:${port}`);
    self.receiver = receiver;
    return receiver;
  }

  /** Distinct event ids received at `path`. */
  idsAt(path: string): Set<string> {
    return new Set(this.deliveries.filter((d) => d.path === path).map((d) => d.event.id));
  }

  async close(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
