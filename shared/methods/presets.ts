// Named methods: each preset is a default pipeline (noise, momentum, compressor, aggregator) and step size.
// Any stage can be overridden from the command line; a preset is only a name for one configuration.
// The exact rules, and the choices the papers leave open, are in README.md ("Methods").

export type Theory = 'theory';

export interface Preset {
  readonly summary: string;
  readonly paper: string;
  readonly noise?: { distribution: 'gaussian'; scale: number | Theory };
  /** Plain momentum β, or with lionBeta1 Lion's β₂. */
  readonly momentum?: number | Theory;
  /** Lion's β₁: the worker sends sign(β₁·m + (1−β₁)·g) (lion-momentum.ts). */
  readonly lionBeta1?: number;
  /** λ of the decoupled weight decay x ← x − γ(Δ + λx). */
  readonly weightDecay?: number;
  readonly compressor: string;
  readonly aggregator: string;
  readonly learningRate: number;
  /** Keep a step only if the workers' mean loss on the same batches does not rise (two phases per round). */
  readonly safeguard?: boolean;
  /** γ from the paper's analysis for T rounds and d parameters, offered by `--lr theory`. */
  readonly theoryLearningRate?: (rounds: number, d: number) => number;
}

export const PRESETS = {
  sgd: {
    summary: 'float32 gradients, averaged',
    paper: 'distributed SGD (baseline)',
    compressor: 'identity',
    aggregator: 'mean',
    learningRate: 0.1,
  },
  signsgd: {
    summary: 'signs, majority vote',
    paper: 'Bernstein et al. 2018; Chen et al. 2020 Alg. 1; Safaryan & Richtárik Alg. 2',
    compressor: 'sign',
    aggregator: 'vote',
    learningRate: 0.001,
  },
  signum: {
    summary: 'signs of local momentum, majority vote',
    paper: 'Bernstein et al. 2018 (Signum)',
    momentum: 0.9,
    compressor: 'sign',
    aggregator: 'vote',
    learningRate: 0.001,
  },
  'signsgd-safeguarded': {
    summary: 'signs, majority vote; a step is kept only if the mean loss does not rise',
    paper: 'Safaryan & Richtárik 2021 Alg. 1, option 2',
    compressor: 'sign',
    aggregator: 'vote',
    learningRate: 0.001,
    safeguard: true,
  },
  // Distributed Lion: β₁ = 0.9, β₂ = 0.99 are Lion's defaults (Chen et al. 2023), which Liu et al. keep. The update
  // is a ±1 sign step like signum's, so γ is signum's 0.001 here; λ = 0.1 follows Lion's advice of a weight decay
  // 3–10× AdamW's (0.01 by default) for a 3–10× smaller step, so γλ stays 1e-4 per round.
  lion: {
    summary: 'signs of Lion momentum, majority vote; decoupled weight decay',
    paper: 'Liu et al. 2024 (Distributed Lion, MaVo)',
    lionBeta1: 0.9,
    momentum: 0.99,
    compressor: 'sign',
    aggregator: 'vote',
    learningRate: 0.001,
    weightDecay: 0.1,
  },
  'lion-avg': {
    summary: 'signs of Lion momentum, averaged (counts sent down); decoupled weight decay',
    paper: 'Liu et al. 2024 (Distributed Lion, Avg)',
    lionBeta1: 0.9,
    momentum: 0.99,
    compressor: 'sign',
    aggregator: 'sum',
    learningRate: 0.001,
    weightDecay: 0.1,
  },
  median: {
    summary: 'float32 gradients, coordinate-wise median',
    paper: 'Yin et al. 2018; Chen et al. 2020 Alg. 2 (medianSGD)',
    compressor: 'identity',
    aggregator: 'median',
    learningRate: 0.1,
  },
  'noisy-signsgd': {
    summary: 'signs of gradient + b·ξ, majority vote',
    paper: 'Chen et al. 2020 Alg. 3',
    noise: { distribution: 'gaussian', scale: 0.001 },
    compressor: 'sign',
    aggregator: 'vote',
    learningRate: 0.001,
    theoryLearningRate: (rounds, d) => 1 / Math.sqrt(rounds * d),
  },
  'noisy-median': {
    summary: 'gradient + b·ξ as float32, coordinate-wise median',
    paper: 'Chen et al. 2020 Alg. 4',
    noise: { distribution: 'gaussian', scale: 0.001 },
    compressor: 'identity',
    aggregator: 'median',
    learningRate: 0.1,
    theoryLearningRate: (rounds, d) => 1 / (rounds * d) ** (2 / 3),
  },
  ssdm: {
    summary: 'stochastic signs of local momentum, summed; counts sent down',
    paper: 'Safaryan & Richtárik 2021 Alg. 3 (SSDM)',
    momentum: 'theory',
    compressor: 'stochastic-sign',
    aggregator: 'sum',
    // E[s̃ign(m)_j] = m_j/‖m‖₂: steps are ~√d smaller than sign steps, so γ is larger than signSGD's.
    learningRate: 0.1,
    theoryLearningRate: (rounds) => 1 / rounds ** 0.75,
  },
  'sto-sign': {
    summary: '‖g‖·s̃ign(g) (bits + one float), averaged',
    paper: 'Safaryan & Richtárik 2019 App. E',
    compressor: 'sto-sign',
    aggregator: 'mean',
    // Unbiased but each coordinate carries ±‖g‖₂: far more variance than SGD, so a smaller γ.
    learningRate: 0.01,
  },
  'ef-signsgd': {
    summary: 'scaled signs with error feedback, averaged',
    paper: 'Karimireddy et al. 2019 (EF-SignSGD)',
    compressor: 'scaled-sign-ef',
    aggregator: 'mean',
    learningRate: 0.1,
  },
  'trimmed-mean': {
    summary: 'float32 gradients, coordinate-wise trimmed mean (β = 0.1)',
    paper: 'Yin et al. 2018',
    compressor: 'identity',
    aggregator: 'trimmed-mean',
    learningRate: 0.1,
  },
  krum: {
    summary: 'float32 gradients, multi-Krum (f = 1; needs M ≥ 5)',
    paper: 'Blanchard et al. 2017',
    compressor: 'identity',
    aggregator: 'krum',
    learningRate: 0.1,
  },
} as const satisfies Record<string, Preset>;

export type MethodName = keyof typeof PRESETS;

export const METHOD_NAMES = Object.keys(PRESETS) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(PRESETS, name);
}
