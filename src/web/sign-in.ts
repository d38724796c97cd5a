/** Stage 1: a demo user token from POST /v1/auth/demo-token. */
import { ApiFailure } from './api-client.js';
import type { PageContext } from './context.js';
import { byId } from './dom.js';
import type { Session } from './session.js';

interface DemoToken { userId: string; token: string; expiresAt: string }

const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function setUpSignIn(context: PageContext, onSignedIn: (session: Session) => void): void {
  const form = byId<HTMLFormElement>('sign-in-form');
  const input = byId<HTMLInputElement>('user-id');
  const fieldError = byId('user-id-error');
  const button = byId<HTMLButtonElement>('sign-in-button');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = input.value.trim();
    const valid = USER_ID_PATTERN.test(userId);
    fieldError.hidden = valid;
    input.setAttribute('aria-invalid', String(!valid));
    if (!valid) {
      input.focus();
      return;
    }
    button.disabled = true;
    context.announcer.clearError();
    context.api
      .request<DemoToken>('POST', '/v1/auth/demo-token', { body: { userId }, anonymous: true })
      .then((issued) => {
        onSignedIn({ userId: issued.userId, userToken: issued.token, userTokenExpiresAt: issued.expiresAt, queueToken: null });
      })
      .catch((error: unknown) => {
        if (error instanceof ApiFailure && error.code === 'NOT_FOUND') {
          context.announcer.error('NOT_FOUND', undefined, 'Demo sign-in is switched off on this server.');
        } else {
          context.handleFailure(error, 'Could not sign in.');
        }
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

export function prefillSignIn(): void {
  const input = byId<HTMLInputElement>('user-id');
  if (input.value === '') input.value = `fan-${Math.floor(1000 + Math.random() * 9000)}`;
}
