// The worker noise's distributions (Chen et al. 2020 use Gaussian and observe Laplace and uniform work too).
// A leaf of names, so the generators (JS here, WebAssembly in shared/kernels) and the options share one list.

export type NoiseDistribution = 'gaussian' | 'laplace' | 'uniform';

export const NOISE_DISTRIBUTIONS: readonly NoiseDistribution[] = ['gaussian', 'laplace', 'uniform'];
