// Byzantine behaviour for robustness experiments: a worker that lies about its gradient, before the method's
// own stages see it. sign-flip: −g; scaled:F: F·g (scaled:-10 is Blanchard et al.'s reversed, amplified
// gradient); random: Gaussian noise of the gradient's own scale; zero: nothing; stale: its first gradient forever.
import { ConfigError } from '../shared/errors.js';
import { standardNormal } from '../shared/random/noise.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

export type Attack = (gradient: Float32Array) => void;

export const ATTACK_HELP = 'sign-flip | random | scaled:FACTOR | zero | stale';

export function parseAttack(spec: string, seed: number): Attack {
  const [name, argument] = spec.split(':');
  switch (name) {
    case 'sign-flip':
      return (g) => {
        for (let j = 0; j < g.length; j++) g[j] = -g[j];
      };
    case 'scaled': {
      const factor = Number(argument);
      if (argument === undefined || !Number.isFinite(factor)) throw new ConfigError(`--attack scaled:FACTOR needs a number, got "${spec}"`);
      return (g) => {
        for (let j = 0; j < g.length; j++) g[j] *= factor;
      };
    }
    case 'random': {
      const rng = new Xoshiro128(seed, 0xbad);
      return (g) => {
        let squares = 0;
        for (let j = 0; j < g.length; j++) squares += g[j] * g[j];
        const scale = Math.sqrt(squares / g.length);
        for (let j = 0; j < g.length; j++) g[j] = scale * standardNormal(rng);
      };
    }
    case 'zero':
      return (g) => g.fill(0);
    case 'stale': {
      let first: Float32Array | undefined;
      return (g) => {
        if (first) g.set(first);
        else first = g.slice();
      };
    }
    default:
      throw new ConfigError(`unknown attack "${spec}"; choose one of: ${ATTACK_HELP}`);
  }
}
