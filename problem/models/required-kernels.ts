// The TensorFlow.js kernels each model family runs on the wasm and cpu backends (forward, gradient and
// evaluation), for selectBackend's check. test/models.test.ts profiles real steps and fails when a model runs
// a kernel missing here, so the lists stay true. Conv2DBackpropFilter and Conv2DBackpropInput are absent on
// purpose: conv2d.ts computes conv gradients with forward convolutions.

export const MLP_KERNELS: readonly string[] = [
  'Add', 'BatchMatMul', 'Concat', 'Exp', 'Log', 'Max', 'Multiply', 'Neg', 'RealDiv', 'Relu', 'Reshape', 'Step', 'Sub', 'Sum',
  'Transpose',
];

/** LeNet and ResNet together: the MLP's kernels plus convolution, pooling and the gradient rewrites' helpers. */
export const CONV_MODEL_KERNELS: readonly string[] = [
  ...MLP_KERNELS, 'Cast', 'Conv2D', 'Identity', 'MaxPool', 'MaxPoolGrad', 'Mean', 'PadV2', 'Reverse', 'Slice', 'ZerosLike',
];
