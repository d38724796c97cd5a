import type { EngineObserver, Unsubscribe } from '../domain/engine.js';

/** Metric hooks: a failing observer is isolated from the engine and from other observers. */
export class Observers {
  private readonly list = new Set<Partial<EngineObserver>>();

  add(observer: Partial<EngineObserver>): Unsubscribe {
    this.list.add(observer);
    return () => {
      this.list.delete(observer);
    };
  }

  emit<K extends keyof EngineObserver>(name: K, ...args: Parameters<EngineObserver[K]>): void {
    for (const observer of this.list) {
      const hook = observer[name] as ((...a: Parameters<EngineObserver[K]>) => void) | undefined;
      try {
        hook?.(...args);
      } catch {
        // Metrics must never break a command.
      }
    }
  }
}
