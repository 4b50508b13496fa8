/**
 * Learning-rate schedules: a linear warm-up, then cosine annealing (Loshchilov & Hutter 2017,
 * "SGDR", arXiv:1608.03983, without restarts), a linear decay, or a constant rate. The schedule
 * gives a factor in [0, 1] that multiplies every group's peak learning rate at each step.
 */
import { invalidParameter } from '../util/errors.js';

export type ScheduleKind = 'cosine' | 'linear' | 'constant';

export interface ScheduleOptions {
  /** Shape after warm-up: cosine (default in training), linear to zero, or constant. */
  kind: ScheduleKind;
  /** Optimisation steps in the whole run (epochs × steps per epoch). */
  totalSteps: number;
  /** Steps of linear warm-up from 1/warmupSteps of the peak up to the peak; 0 = none. */
  warmupSteps: number;
}

/**
 * The factor of the peak learning rate at `step` (0-based): (step + 1) / warmupSteps during the
 * warm-up, then with progress p = (step − warmup) / (total − warmup) in [0, 1): cosine
 * ½(1 + cos πp), linear 1 − p, constant 1.
 */
export function scheduleFactor(step: number, options: ScheduleOptions): number {
  const { kind, totalSteps, warmupSteps } = options;
  if (step < warmupSteps) return (step + 1) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  switch (kind) {
    case 'cosine':
      return 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'linear':
      return 1 - progress;
    case 'constant':
      return 1;
    default:
      return invalidParameter('schedule', 'cosine, linear or constant', kind);
  }
}

/** Warm-up steps for a warm-up given in (possibly fractional) epochs. */
export function warmupStepsFor(warmupEpochs: number, stepsPerEpoch: number): number {
  return Math.round(warmupEpochs * stepsPerEpoch);
}
