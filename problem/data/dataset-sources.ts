// Where `signps data fetch` downloads each data set from, and the checksums the publishers give for the files
// (MD5 is what all three publish). URLs are tried in order: the publisher's own first, then a well-known
// mirror, because yann.lecun.com has been refusing anonymous downloads at times.

import { CIFAR10_ARCHIVE_FOLDER, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, type FileDatasetName } from './dataset-locations.js';

export interface Checksum {
  algorithm: 'md5' | 'sha256';
  hex: string;
}

export interface RemoteFile {
  name: string;
  checksum: Checksum;
  /** Approximate size, for the user's benefit only. */
  sizeLabel: string;
}

export interface DatasetSource {
  /** The name `signps data fetch NAME` takes. */
  name: string;
  dataset: FileDatasetName;
  /** Base URLs ending in '/'; a file's URL is base + file name. */
  baseUrls: string[];
  files: RemoteFile[];
  /** Set when the one download is a .tar.gz to unpack: these members of `folder` are kept, into `folder`. */
  archive?: { folder: string; members: string[] };
  homepage: string;
}

const md5 = (hex: string): Checksum => ({ algorithm: 'md5', hex });

export const DATASET_SOURCES: Record<string, DatasetSource> = {
  mnist: {
    name: 'mnist',
    dataset: 'mnist-idx',
    baseUrls: ['http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/'],
    // MD5s as published by torchvision for these exact files (the MNIST page publishes none).
    files: [
      { name: 'train-images-idx3-ubyte.gz', checksum: md5('f68b3c2dcbeaaa9fbdd348bbdeb94873'), sizeLabel: '9.9 MB' },
      { name: 'train-labels-idx1-ubyte.gz', checksum: md5('d53e105ee54ea40749a09fcbcd1e9432'), sizeLabel: '29 KB' },
      { name: 't10k-images-idx3-ubyte.gz', checksum: md5('9fb629c4189551a2d022fa330f9573f3'), sizeLabel: '1.6 MB' },
      { name: 't10k-labels-idx1-ubyte.gz', checksum: md5('ec29112dd5afa0611ce80d1b7f02629c'), sizeLabel: '4.5 KB' },
    ],
    homepage: 'http://yann.lecun.com/exdb/mnist/',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    dataset: 'fashion-mnist',
    baseUrls: [
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
    ],
    // From the Fashion-MNIST README's download table.
    files: [
      { name: 'train-images-idx3-ubyte.gz', checksum: md5('8d4fb7e6c68d591d4c3dfef9ec88bf0d'), sizeLabel: '26 MB' },
      { name: 'train-labels-idx1-ubyte.gz', checksum: md5('25c81989df183df01b3e8a0aad5dffbe'), sizeLabel: '29 KB' },
      { name: 't10k-images-idx3-ubyte.gz', checksum: md5('bef4ecab320f06d8554ea6380940ec79'), sizeLabel: '4.3 MB' },
      { name: 't10k-labels-idx1-ubyte.gz', checksum: md5('bb300cfdad3c16e7a12a480ee83cd310'), sizeLabel: '5.1 KB' },
    ],
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
  },
  cifar10: {
    name: 'cifar10',
    dataset: 'cifar10',
    baseUrls: ['https://www.cs.toronto.edu/~kriz/'],
    // From the CIFAR page's download table ("CIFAR-10 binary version (suitable for C programs)").
    files: [{ name: 'cifar-10-binary.tar.gz', checksum: md5('c32a1d4ab5d03f1284b67883e8d87530'), sizeLabel: '162 MB' }],
    archive: { folder: CIFAR10_ARCHIVE_FOLDER, members: [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, 'batches.meta.txt'] },
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
  },
};

export const FETCHABLE_NAMES = Object.keys(DATASET_SOURCES);
