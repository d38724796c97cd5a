/**
 * Two live regions: `status` for polite progress news (position moved, seat taken) and `alert`
 * for errors, which screen readers read at once. Errors also stay visible until dismissed or replaced.
 */
import { humanMessage, type AnyErrorCode } from './error-messages.js';
import { ApiFailure } from './api-client.js';
import { byId, el, replaceChildren } from './dom.js';

export class Announcer {
  private readonly statusRegion = byId('live-status');
  private readonly alertRegion = byId('alert');

  say(message: string): void {
    // Clearing first makes a repeated sentence count as new for screen readers.
    this.statusRegion.textContent = '';
    window.setTimeout(() => {
      this.statusRegion.textContent = message;
    }, 50);
  }

  error(code: AnyErrorCode, details?: Record<string, unknown>, prefix?: string): void {
    const text = humanMessage(code, details);
    const dismiss = el('button', { type: 'button', class: 'link-button', 'data-action': 'dismiss-alert' }, 'Dismiss');
    dismiss.addEventListener('click', () => this.clearError());
    replaceChildren(
      this.alertRegion,
      el('p', { class: 'alert-text' }, prefix === undefined ? text : `${prefix} ${text}`),
      el('p', { class: 'alert-code' }, `Code: ${code}`),
      dismiss,
    );
    this.alertRegion.dataset['code'] = code;
    this.alertRegion.hidden = false;
  }

  /** Shows any thrown value as a human message; non-API errors are reported as unexpected. */
  failure(error: unknown, prefix?: string): void {
    if (error instanceof ApiFailure) this.error(error.code, error.details, prefix);
    else this.error('UNEXPECTED_RESPONSE', undefined, prefix);
  }

  clearError(): void {
    this.alertRegion.hidden = true;
    this.alertRegion.replaceChildren();
    delete this.alertRegion.dataset['code'];
  }
}
