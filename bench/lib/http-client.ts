/**
 * A small keep-alive JSON client on node:http for setup (concerts, users, queue tokens, charges) and
 * for the flash sale's many-step user journeys, which autocannon's fixed request loops cannot express.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
  /** From the moment a socket was assigned (excludes waiting for a free socket in this client). */
  latencyMs: number;
  /** From the call, including any wait for a free socket. */
  totalMs: number;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = 256) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request<T = unknown>(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}): Promise<JsonResponse<T>> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const calledAt = performance.now();
    let socketAt = calledAt;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: this.host, port: this.port, method, path, headers, agent: this.agent, timeout: options.timeoutMs ?? 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (text.length > 0 && (res.headers['content-type'] ?? '').includes('json')) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          const endedAt = performance.now();
          resolve({ status: res.statusCode ?? 0, body: body as T, headers: res.headers, latencyMs: endedAt - socketAt, totalMs: endedAt - calledAt });
        });
        res.on('error', reject);
      });
      req.once('socket', () => {
        socketAt = performance.now();
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapConcurrent<I, O>(items: readonly I[], concurrency: number, task: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await task(items[index] as I, index);
    }
  });
  await Promise.all(workers);
  return results;
}
