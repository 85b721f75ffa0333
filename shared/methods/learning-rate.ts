// Step-size schedules, computed identically by the server and every worker from the round number:
// constant γ; γ₀/√(k+1) (Safaryan & Richtárik, Thm 1); or ×0.1 at given rounds (Chen et al.'s CIFAR-10 decay).
import { ConfigError } from '../errors.js';

export const LR_SCHEDULE_HELP = 'constant | inv-sqrt (γ/√(k+1)) | step:R1,R2,… (γ×0.1 at each round Ri)';

export function parseLearningRateSchedule(schedule: string, base: number): (round: number) => number {
  if (schedule === 'constant' || schedule === '') return () => base;
  if (schedule === 'inv-sqrt') return (round) => base / Math.sqrt(round + 1);
  const step = /^step:(\d+(?:,\d+)*)$/.exec(schedule);
  if (step) {
    const boundaries = step[1].split(',').map(Number);
    return (round) => base * 0.1 ** boundaries.filter((b) => round >= b).length;
  }
  throw new ConfigError(`learning-rate schedule "${schedule}" is not one of: ${LR_SCHEDULE_HELP}`);
}
