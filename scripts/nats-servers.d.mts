import type { ChildProcess } from 'node:child_process';

export const NATS_SERVER_BIN: string;
export function assertNatsServerInstalled(): string;
export function freePort(): Promise<number>;
export interface NatsServerHandle {
  name: string;
  url: string;
  port: number;
  configPath: string;
  process: ChildProcess | null;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
  stopped(): Promise<void>;
}
export function startNatsServers(options: { dir: string; count?: number; log?: 'ignore' | 'inherit' }): Promise<{
  servers: NatsServerHandle[];
  urls: string[];
  stop(): Promise<void>;
}>;
