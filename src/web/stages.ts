/** One stage of the journey is visible at a time; moving to a stage moves focus to its heading. */
import { byId } from './dom.js';

export type Stage = 'sign-in' | 'queue' | 'concerts' | 'booking' | 'done';

const STAGES: readonly Stage[] = ['sign-in', 'queue', 'concerts', 'booking', 'done'];

export function showStage(stage: Stage, options: { focus?: boolean } = {}): void {
  const currentIndex = STAGES.indexOf(stage);
  for (const [index, name] of STAGES.entries()) {
    byId(`stage-${name}`).hidden = name !== stage;
    const step = document.querySelector<HTMLElement>(`.steps [data-step="${name}"]`);
    if (step === null) continue;
    step.dataset['state'] = index < currentIndex ? 'done' : index === currentIndex ? 'current' : 'todo';
    if (index === currentIndex) step.setAttribute('aria-current', 'step');
    else step.removeAttribute('aria-current');
  }
  document.body.dataset['stage'] = stage;
  if (options.focus !== false) {
    const heading = byId(`stage-${stage}`).querySelector<HTMLElement>('h2');
    heading?.focus({ preventScroll: false });
  }
}
