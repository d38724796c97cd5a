/**
 * Sends one signed webhook request and says how it went. Delivering an event costs about what serving a
 * request costs (an HTTP client, a socket, a parse): measured in process, a receiver keeping up with a sale
 * took half the engine's throughput. So the requests go out from a worker thread, on the other core; the
 * engine's thread only builds each request and reads its outcome. The worker's source is plain JavaScript
 * evaluated as it is, so it runs the same from the sources (tests) and from dist/.
 */
import { Worker } from 'node:worker_threads';

export interface WebhookRequest { url: string; headers: Record<string, string>; body: string; timeoutMs: number }
export interface WebhookResponse { statusCode: number | null; error: string | null }

export interface HttpSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  close(): Promise<void>;
}

/**
 * Node's http/https with keep-alive agents rather than fetch: measured, fetch (undici) cost about three times
 * the CPU per delivery. Redirects are not followed; the receiver's body is read and dropped; the outcome is
 * said in a few words. Plain JavaScript, evaluated as it is in the worker.
 */
const WORKER_SOURCE = `
const http = require('node:http');
const https = require('node:https');
const { parentPort } = require('node:worker_threads');
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

function sendWebhook(request) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome) => { if (!settled) { settled = true; resolve(outcome); } };
    let url;
    try {
      url = new URL(request.url);
    } catch {
      done({ statusCode: null, error: 'bad URL' });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body);
    const req = client.request(url, {
      method: 'POST', agent: agents[url.protocol], headers: { ...request.headers, 'content-length': String(body.length) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        done({ statusCode: res.statusCode, error: ok ? null : 'HTTP ' + res.statusCode });
      });
      res.on('error', () => done({ statusCode: res.statusCode, error: 'answer cut off' }));
    });
    const timer = setTimeout(() => {
      done({ statusCode: null, error: 'no answer within ' + request.timeoutMs + ' ms' });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error) => done({ statusCode: null, error: typeof error.code === 'string' ? 'connection failed (' + error.code + ')' : 'connection failed' }));
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}

parentPort.on('message', (message) => {
  sendWebhook(message.request).then((response) => parentPort.postMessage({ id: message.id, response }));
});
`;

export class WorkerSender implements HttpSender {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (response: WebhookResponse) => void>();
  private nextId = 0;
  private closed = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', ({ id, response }: { id: number; response: WebhookResponse }) => {
      this.waiting.get(id)?.(response);
      this.waiting.delete(id);
    });
    // A worker that dies fails what it had: those deliveries are retried like any failure.
    this.worker.on('exit', () => this.failAll('sender thread stopped'));
    this.worker.on('error', () => this.failAll('sender thread failed'));
  }

  send(request: WebhookRequest): Promise<WebhookResponse> {
    if (this.closed) return Promise.resolve({ statusCode: null, error: 'sender closed' });
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
    this.failAll('sender closed');
  }

  private failAll(error: string): void {
    this.closed = true;
    for (const resolve of this.waiting.values()) resolve({ statusCode: null, error });
    this.waiting.clear();
  }
}
