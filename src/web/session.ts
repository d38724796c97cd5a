/**
 * Who is signed in, kept in sessionStorage so a reload resumes the journey (the server keeps the
 * place in line: reissuing a queue token returns the same one).
 */
const STORAGE_KEY = 'booking.session.v1';

export interface Session {
  userId: string;
  userToken: string;
  userTokenExpiresAt: string;
  queueToken: string | null;
  /** The signed receipt of the fan's drawn place in a sale's room (sale-room.ts), kept for checking the draw. */
  roomReceipt?: SavedReceipt | null;
}

export interface SavedReceipt {
  roomId: string;
  entrantId: string;
  place: number;
  /** How many were in the draw (null if the room could not be read). */
  entrants: number | null;
  receipt: string;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (raw === null) return null;
    const session = JSON.parse(raw) as Session;
    if (Date.parse(session.userTokenExpiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Storage can be full or disabled (private mode); the journey still works without resume.
  }
}
