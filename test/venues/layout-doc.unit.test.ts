import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateLayout } from '../../src/venues/layout.js';

describe('docs/venue-layout.md', () => {
  it('its example layout is valid: 39 + 4 + 4 seats, a GA floor', () => {
    const doc = readFileSync(new URL('../../docs/venue-layout.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    const result = validateLayout(JSON.parse(example ?? 'null'));
    expect(result.ok && result.layout.seatCount).toBe(47);
    expect(result.ok && result.layout.generalAdmission.length).toBe(1);
  });
});
