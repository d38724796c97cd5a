/**
 * The booking page: sign in -> waiting room -> concert and date -> live seat map, hold, pay ->
 * confirmation. This file wires the stages together and decides where an error sends the fan.
 */
import { Announcer } from './announcer.js';
import { ApiClient, ApiFailure, IdempotencyKeys } from './api-client.js';
import { Booking, MAX_SEATS_PER_HOLD } from './booking.js';
import { Catalogue, type ShowChoice } from './catalogue.js';
import { renderConfirmation } from './confirmation.js';
import { renderTickets } from './tickets.js';
import { RefundAction } from './refund.js';
import type { PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { spokenWon } from './format.js';
import { ServerClock } from './server-clock.js';
import { loadSession, saveSession, type Session } from './session.js';
import { roomIdFromUrl, SaleRoom } from './sale-room.js';
import { prefillSignIn, setUpSignIn } from './sign-in.js';
import { showStage } from './stages.js';
import { TurnTimer } from './turn-timer.js';
import { WaitingRoom } from './waiting-room.js';
import { WaitlistPanel } from './waitlist.js';
import { WaitlistInstead } from './waitlist-instead.js';

let session: Session | null = loadSession();
let currentShow: ShowChoice | null = null;

const announcer = new Announcer();
const clock = new ServerClock();

const context: PageContext = {
  api: new ApiClient(() => session),
  clock,
  announcer,
  idempotency: new IdempotencyKeys(),
  session: () => session,
  updateSession(change) {
    if (session === null) return;
    session = { ...session, ...change };
    saveSession(session);
  },
  handleFailure(error, prefix) {
    announcer.failure(error, prefix);
    const code = error instanceof ApiFailure ? error.code : null;
    if (code === 'UNAUTHENTICATED') {
      signOut();
      return true;
    }
    if (code === 'QUEUE_TOKEN_INVALID') {
      endTurn('Your turn has ended. Join the line again to continue.');
      return true;
    }
    if (code === 'QUEUE_NOT_ACTIVE') {
      leaveBooking();
      showStage('queue');
      void waitingRoom.enter();
      return true;
    }
    return false;
  },
};

const turnTimer = new TurnTimer(clock, () => {
  announcer.error('QUEUE_TOKEN_INVALID', undefined, 'Your time to book is up.');
  endTurn('Your time to book is up. Join the line again to continue.');
});

// A sale's link (?room=<roomId>) joins that sale's room; without one, the default line.
const saleRoomId = roomIdFromUrl();
const saleRoom = saleRoomId === null ? null : new SaleRoom(context, saleRoomId);

const waitingRoom = new WaitingRoom(context, (status) => {
  turnTimer.start(status.expiresAt);
  showStage('concerts');
  void catalogue.load();
}, (status) => (status === null ? waitlistInstead.hide() : waitlistInstead.update(status)), saleRoom);

const catalogue = new Catalogue(context, (show) => {
  currentShow = show;
  announcer.clearError();
  showStage('booking');
  void booking.open(show);
}, (schedule, quantity) => void waitlist.join(schedule.scheduleId, quantity), saleRoomId);

const waitlistInstead = new WaitlistInstead(context, (scheduleId, quantity) => waitlist.join(scheduleId, quantity), MAX_SEATS_PER_HOLD);

// An offer paid from the waitlist ends like any payment: the confirmation with its tickets.
const waitlist = new WaitlistPanel(context, (payment) => {
  leaveBooking();
  context.updateSession({ queueToken: null });
  renderConfirmation(payment, null);
  void renderTickets(context, payment.reservationId);
  refundAction.offer(payment.reservationId);
  showStage('done');
  announcer.say(`Payment complete. You paid ${spokenWon(payment.amount)}.`);
});

const refundAction = new RefundAction(context);

const booking = new Booking(context, {
  paid(payment) {
    booking.close();
    turnTimer.stop();
    context.updateSession({ queueToken: null });
    renderConfirmation(payment, currentShow);
    void renderTickets(context, payment.reservationId);
    refundAction.offer(payment.reservationId);
    showStage('done');
    announcer.say(`Payment complete. You paid ${spokenWon(payment.amount)}.`);
  },
  ended() {
    // Back to picking seats on the same live map.
    byId('hold-button').focus();
  },
});

function leaveBooking(): void {
  booking.close();
  turnTimer.stop();
}

function endTurn(reason: string): void {
  leaveBooking();
  context.updateSession({ queueToken: null });
  showStage('queue');
  waitingRoom.showEnded(reason);
}

function signIn(next: Session): void {
  session = next;
  saveSession(session);
  announcer.clearError();
  byId('session-bar').hidden = false;
  setText('session-user', session.userId);
  waitlist.start();
  showStage('queue');
  void waitingRoom.enter();
}

function signOut(): void {
  leaveBooking();
  waitingRoom.stop();
  waitlist.stop();
  saleRoom?.reset();
  session = null;
  saveSession(null);
  byId('session-bar').hidden = true;
  prefillSignIn();
  showStage('sign-in');
}

setUpSignIn(context, signIn);
byId('sign-out').addEventListener('click', () => {
  const queueToken = session?.queueToken;
  // Leaving frees the place in line for the next fan; best effort, the server also drops idle waiters.
  if (queueToken) void context.api.request('DELETE', '/v1/queue/tokens/current', { queueGated: true }).catch(() => undefined);
  announcer.clearError();
  signOut();
});
byId('back-to-dates').addEventListener('click', () => {
  booking.close();
  announcer.clearError();
  showStage('concerts');
  void catalogue.reloadDates();
});
byId('book-again').addEventListener('click', () => {
  announcer.clearError();
  showStage('queue');
  void waitingRoom.enter();
});

if (session === null) {
  prefillSignIn();
  showStage('sign-in', { focus: false });
} else {
  signIn(session);
}
document.documentElement.dataset['ready'] = 'true';
