import { setup } from 'xstate';

/**
 * One queue token's lifecycle. WAITING -(queue.admit)-> ACTIVE -(queue.end)-> ENDED, and a waiting
 * token may end too (leave, idle drop, payment). The waiting room holds up to a million tokens, so it
 * does not run an XState actor or snapshot per token: the machine is the definition, and
 * `canTransition` is a table computed from it once at module load, so the hot path is a lookup.
 */
export type QueueTokenState = 'WAITING' | 'ACTIVE' | 'ENDED';
export type QueueTokenMachineEvent = { type: 'queue.admit' } | { type: 'queue.end' };
export type QueueTokenMachineEventType = QueueTokenMachineEvent['type'];

export const queueTokenMachine = setup({
  types: {
    events: {} as QueueTokenMachineEvent,
  },
}).createMachine({
  id: 'queueToken',
  initial: 'WAITING',
  states: {
    WAITING: {
      on: {
        'queue.admit': { target: 'ACTIVE' },
        'queue.end': { target: 'ENDED' },
      },
    },
    ACTIVE: {
      on: {
        'queue.end': { target: 'ENDED' },
      },
    },
    ENDED: { type: 'final' },
  },
});

export const QUEUE_TOKEN_STATES: readonly QueueTokenState[] = ['WAITING', 'ACTIVE', 'ENDED'];
export const QUEUE_TOKEN_MACHINE_EVENT_TYPES: readonly QueueTokenMachineEventType[] = ['queue.admit', 'queue.end'];

/** The events the waiting room journals. Ended tokens leave memory entirely. */
export type QueueEndReason = 'LEFT' | 'PAID' | 'ACTIVE_EXPIRED' | 'IDLE_DROPPED';
export type QueueEvent =
  | { type: 'queue.joined'; token: string; userId: string; seq: number; atMs: number }
  | { type: 'queue.admitted'; token: string; atMs: number; activeUntilMs: number }
  | { type: 'queue.ended'; token: string; atMs: number; reason: QueueEndReason };

/** A live token as the waiting room exposes it (ENDED tokens are gone). */
export interface QueueToken {
  token: string;
  userId: string;
  seq: number;
  status: 'WAITING' | 'ACTIVE';
  issuedAtMs: number;
  /** 0 while waiting. */
  activeUntilMs: number;
  lastSeenAtMs: number;
}

type TransitionTable = Record<QueueTokenState, Record<QueueTokenMachineEventType, boolean>>;

function computeTransitionTable(): TransitionTable {
  const table = {} as TransitionTable;
  for (const state of QUEUE_TOKEN_STATES) {
    const snapshot = queueTokenMachine.resolveState({ value: state, context: {} });
    table[state] = { 'queue.admit': snapshot.can({ type: 'queue.admit' }), 'queue.end': snapshot.can({ type: 'queue.end' }) };
  }
  return table;
}

const TRANSITION_TABLE = computeTransitionTable();

/** Whether the machine accepts `eventType` in `state`: a table lookup, equal to the machine by construction. */
export function canTransition(state: QueueTokenState, eventType: QueueTokenMachineEventType): boolean {
  return TRANSITION_TABLE[state][eventType];
}

/** The machine event a journaled event drives (joined creates a token in the initial state). */
export function machineEventOf(event: QueueEvent): QueueTokenMachineEventType | null {
  switch (event.type) {
    case 'queue.admitted':
      return 'queue.admit';
    case 'queue.ended':
      return 'queue.end';
    case 'queue.joined':
      return null;
  }
}
