// The in-memory shape every data set takes once loaded, whatever its file format: images as one flat float32
// array (count × height × width × channels, row-major, values in [0, 1]) and one class label per image. Models,
// partitioners and batch samplers depend on this and nothing else, so a new data set is one new loader.

export interface LabeledImages {
  /** count × height × width × channels floats in [0, 1], image after image. */
  images: Float32Array;
  /** One class index in [0, classes) per image. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
}

export interface DatasetSplit {
  name: string;
  /** What workers train on (and partition among themselves). */
  train: LabeledImages;
  /** Held out: only ever evaluated, never trained on. */
  test: LabeledImages;
}

/** Floats per image: the input size of a model that sees the image flattened. */
export function imageSize(data: Pick<LabeledImages, 'height' | 'width' | 'channels'>): number {
  return data.height * data.width * data.channels;
}
