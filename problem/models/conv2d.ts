// A 2-D convolution (channels last, filter kh × kw × in × out) whose gradient the wasm backend can compute.
//
// tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so TensorFlow.js's own conv gradient fails there; its
// Conv2DBackpropInput runs ~10× slower than a forward Conv2D (which goes through XNNPACK); and its
// Conv3DBackpropFilterV2 (the obvious detour) gives wrong filter gradients for stride 2 (checked against a
// plain loop, tfjs 4.22). So both gradients are rewritten as forward convolutions:
//   dx = conv(dy dilated by the stride, filter rotated 180° with in/out swapped), padded so the output is x's size;
//   dW = conv(x with batch and channels swapped, dy as the filter, dilation = stride) — the sum over the batch
//        and output positions of x-patch × dy, cropped to kh × kw.
// Measured on wasm (batch 64, 32×32×16 → 16): dx 16 ms against 179 ms, dW 31 ms against 313 ms. A LeNet step at
// batch 64 takes ~27 ms on wasm; on cpu the rewrite is also ~10× faster than TensorFlow.js's own conv gradients
// (docs/DATA.md has the table). Checked against a float64 loop and against TensorFlow.js's own gradient
// (test/models.test.ts).

import * as tf from '@tensorflow/tfjs';
import { useBuiltInGradients } from './gradient-path.js';

export type ConvPadding = 'same' | 'valid';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** One customGrad op per (stride, padding, input gradient): they are closures, so build each once. */
const ops = new Map<string, (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D>();

export interface ConvOptions {
  /**
   * false for a network's first layer: x is the images, whose gradient nobody uses, so it is returned as
   * zeros instead of costing a convolution per step.
   */
  inputGradient?: boolean;
}

export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: ConvPadding, options: ConvOptions = {}): tf.Tensor4D {
  if (useBuiltInGradients()) return tf.conv2d(x, filter, stride, padding);
  const inputGradient = options.inputGradient ?? true;
  const key = `${stride}/${padding}/${inputGradient}`;
  let op = ops.get(key);
  if (op === undefined) {
    op = convWithForwardOnlyGradients(stride, padding, inputGradient);
    ops.set(key, op);
  }
  return op(x, filter);
}

function convWithForwardOnlyGradients(stride: number, padding: ConvPadding, withInputGradient: boolean): (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D {
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, filter, save] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, filter]);
    return {
      value: tf.conv2d(x, filter, stride, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedX, savedFilter] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dx = withInputGradient ? inputGradient(savedX, savedFilter, dy as tf.Tensor4D, stride, padding) : tf.zerosLike(savedX);
        return [dx, filterGradient(savedX, savedFilter, dy as tf.Tensor4D, stride, padding)];
      },
    };
  });
  return (x, filter) => op(x, filter) as tf.Tensor4D;
}

/**
 * Forward: y[o] = Σ_a x[o·s + a − top] · w[a] (per spatial axis). Hence, with dy dilated (s − 1 zeros between
 * entries), dx[i] = Σ_a' dyDilated[i + top − (k − 1) + a'] · w[k − 1 − a']: a valid correlation with the
 * rotated filter after padding k − 1 − top before and H − 1 + top − (Ho − 1)·s after (both ≥ 0 for 'same'
 * and 'valid'), which yields exactly H outputs. With the dilated dy's trailing zeros kept, the padding after
 * shrinks by s − 1.
 */
function inputGradient(x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, stride: number, padding: ConvPadding): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, stride, 1, padding);
  const [batch, height, width] = x.shape;
  const [kh, kw] = filter.shape;
  const { outHeight, outWidth, outChannels } = info;
  const { top, left } = info.padInfo;
  // Zeros after each dy entry: [B, Ho, 1, Wo, 1, C] padded to [B, Ho, s, Wo, s, C], i.e. [B, Ho·s, Wo·s, C]. The
  // s − 1 trailing zeros stay and count towards the padding after, because slicing them off costs more on
  // wasm than the pad itself; only when that padding would be negative are they cut.
  let spread = dy;
  let spreadHeight = outHeight;
  let spreadWidth = outWidth;
  if (stride > 1) {
    spreadHeight = outHeight * stride;
    spreadWidth = outWidth * stride;
    const interleaved = tf.pad(tf.reshape(dy, [batch, outHeight, 1, outWidth, 1, outChannels]), [
      [0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0],
    ]);
    spread = tf.reshape<tf.Rank.R4>(interleaved, [batch, spreadHeight, spreadWidth, outChannels]);
  }
  const after = [height - 1 + top - (spreadHeight - 1), width - 1 + left - (spreadWidth - 1)];
  if (after[0] < 0 || after[1] < 0) {
    spreadHeight += Math.min(0, after[0]);
    spreadWidth += Math.min(0, after[1]);
    spread = tf.slice(spread, [0, 0, 0, 0], [batch, spreadHeight, spreadWidth, outChannels]);
  }
  const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const pad: ExplicitPadding = [
    [0, 0],
    [kh - 1 - top, Math.max(0, after[0])],
    [kw - 1 - left, Math.max(0, after[1])],
    [0, 0],
  ];
  return tf.conv2d(spread, rotated, 1, pad);
}

/**
 * dW[a, b, c, o] = Σ_n Σ_(y,x) xPadded[n, y·s + a, x·s + b, c] · dy[n, y, x, o]: a convolution of x viewed as
 * [c, H, W, n] (channels as batch, batch as channels) with dy viewed as a [Ho, Wo, n, o] filter dilated by s.
 * Its output is at least kh × kw; the first kh × kw positions are the gradient.
 */
function filterGradient(x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, stride: number, padding: ConvPadding): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, stride, 1, padding);
  const [, height, width, inChannels] = x.shape;
  const [kh, kw, , outChannels] = filter.shape;
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, kh + (info.outHeight - 1) * stride - height - top);
  const right = Math.max(0, kw + (info.outWidth - 1) * stride - width - left);
  const swapped = tf.transpose(x, [3, 1, 2, 0]);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  const pad: ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const full = tf.conv2d(swapped, dyAsFilter, 1, pad, 'NHWC', stride);
  return tf.transpose(tf.slice(full, [0, 0, 0, 0], [inChannels, kh, kw, outChannels]), [1, 2, 0, 3]);
}
