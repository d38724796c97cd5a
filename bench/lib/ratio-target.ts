/**
 * A target judged on subject over baseline, measured in the same rounds: the median of the per-round ratios
 * against a minimum (see stats.ts pairedRatio for why per round).
 */
import { median, pairedRatio, ratioText, round } from './stats.js';
import type { TargetOutcome } from './types.js';

export function atLeastRatioTarget(label: string, subject: number[], baseline: number[], unit: string, minimum: number): TargetOutcome {
  const { ratio, perRound } = pairedRatio(subject, baseline);
  return {
    target: label,
    measured: `per round ${perRound.map((r) => ratioText(r)).join(' · ')}; medians ${round(median(subject)).toLocaleString('en-US')} vs ${round(median(baseline)).toLocaleString('en-US')} ${unit}`,
    ratio: ratio === null ? null : round(ratio, 3),
    threshold: `>= ${minimum.toFixed(2)}`,
    met: ratio !== null && ratio >= minimum,
  };
}
