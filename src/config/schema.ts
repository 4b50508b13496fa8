/**
 * Every training and retrieval setting, declared once with its documentation (meaning, unit,
 * default, usual range). The YAML loader validates against these declarations and the README's
 * configuration reference is generated from them.
 *
 * Defaults are what measured best for a frozen backbone with a learned head (see bench/README.md);
 * they differ from the reference run's settings on purpose.
 */

export type SettingKind = 'integer' | 'number' | 'boolean' | 'choice' | 'string' | 'numbers';

export interface SettingSpec {
  kind: SettingKind;
  default: number | boolean | string | number[] | null;
  doc: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
}

export const settingSpecs = {
  'image.width': {
    kind: 'integer',
    default: 448,
    min: 32,
    max: 2048,
    doc: 'Input width of the backbone in pixels (usual 224–512).',
  },
  'image.height': {
    kind: 'integer',
    default: 448,
    min: 32,
    max: 2048,
    doc: 'Input height of the backbone in pixels (usual 224–512).',
  },
  'image.fit': {
    kind: 'choice',
    default: 'fill',
    choices: ['fill', 'pad', 'crop'],
    doc: 'How a photo is brought to the input size: stretch (fill), letterbox (pad) or centre-crop (crop).',
  },
  'image.flip_tta': {
    kind: 'boolean',
    default: true,
    doc: 'Test-time augmentation: average the embeddings of the photo and its mirror image.',
  },
  'image.scales': {
    kind: 'numbers',
    default: [1],
    min: 0.25,
    max: 4,
    doc: 'Multi-scale test-time augmentation: input size multipliers whose features are averaged, e.g. [0.75, 1, 1.25].',
  },
  'image.max_pixels': {
    kind: 'integer',
    default: 64_000_000,
    min: 1,
    doc: 'Decode pixel limit: larger photos are rejected as bad images.',
  },
  'backbone.onnx': {
    kind: 'string',
    default: null,
    doc: 'Path of your own ONNX backbone (e.g. an exported EfficientNet); empty uses MobileNetV2-1.4 from nsfwjs.',
  },
  'backbone.layout': {
    kind: 'choice',
    default: 'nhwc',
    choices: ['nhwc', 'nchw'],
    doc: 'Input tensor layout of a custom backbone.',
  },
  'backbone.mean': {
    kind: 'numbers',
    default: [0, 0, 0],
    doc: 'Per-channel mean subtracted from pixels/255 for a custom backbone (ImageNet: [0.485, 0.456, 0.406]).',
  },
  'backbone.std': {
    kind: 'numbers',
    default: [1, 1, 1],
    doc: 'Per-channel standard deviation dividing pixels/255 for a custom backbone (ImageNet: [0.229, 0.224, 0.225]).',
  },
  'backbone.feature_output': {
    kind: 'string',
    default: null,
    doc: 'Name of the custom backbone output holding the pooled feature vector (N×C).',
  },
  'backbone.feature_map_output': {
    kind: 'string',
    default: null,
    doc: 'Name of the custom backbone output holding the last feature map (N×C×H×W), for GeM pooling.',
  },
  'features.pooling': {
    kind: 'choice',
    default: 'avg',
    choices: ['avg', 'gem', 'max'],
    doc: 'Pooling of the backbone feature map: average, generalised mean (GeM, Radenović et al. 2018) or max.',
  },
  'features.gem_p': {
    kind: 'number',
    default: 3,
    min: 1,
    max: 10,
    doc: 'GeM exponent p (1 = average, large = max; usual 3).',
  },
  'features.power': {
    kind: 'number',
    default: 0.5,
    min: 0.05,
    max: 4,
    doc: 'Power normalisation of the pooled features before the head, sign(x)·|x|^p (0.5 = square root, which keeps a few strong activations from dominating; 1 = off). Part of the trained model and its ONNX export.',
  },
  'features.augmented_views': {
    kind: 'integer',
    default: 4,
    min: 0,
    max: 32,
    doc: 'Augmented views (random resized crop, flip, colour) cached per training photo, besides the photo and its mirror.',
  },
  'features.augment_min_area': {
    kind: 'number',
    default: 0.25,
    min: 0.02,
    max: 1,
    doc: "Smallest crop of an augmented view, as a share of the photo's area (random resized crop from this to 1; small values imitate close-ups of parts).",
  },
  'head.kind': {
    kind: 'choice',
    default: 'linear',
    choices: ['linear', 'residual', 'mlp'],
    doc: 'Embedding head on the frozen features: linear, residual (whitened input + learned correction) or a 2-layer MLP.',
  },
  'head.embedding_size': {
    kind: 'integer',
    default: 512,
    min: 8,
    max: 4096,
    doc: 'Embedding dimension (usual 128–512).',
  },
  'head.hidden_size': {
    kind: 'integer',
    default: 1024,
    min: 8,
    max: 8192,
    doc: 'Hidden width of the MLP and residual heads.',
  },
  'head.whitening_power': {
    kind: 'number',
    default: 0.5,
    min: 0,
    max: 1,
    doc: 'PCA-whitening strength used to initialise the head: eigenvalue^-power (0.5 = full whitening, 0 = plain PCA).',
  },
  'head.init': {
    kind: 'choice',
    default: 'lda',
    choices: ['lda', 'pca'],
    doc: 'Where the head starts: lda (the projection that best separates the training ads: learned whitening) or pca (PCA-whitening, which ignores the labels).',
  },
  'head.lda_shrinkage': {
    kind: 'number',
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'Shrinkage of the LDA within-ad scatter towards a multiple of the identity: small values (0.01) fit the training ads, larger ones (0.1–0.3) carry over better to unseen ads.',
  },
  'loss.kind': {
    kind: 'choice',
    default: 'arcface',
    choices: ['arcface', 'subcenter_arcface', 'multi_similarity'],
    doc: 'Metric-learning loss: ArcFace (Deng et al. 2019), sub-center ArcFace (Deng et al. 2020) or multi-similarity (Wang et al. 2019, with P×K sampling).',
  },
  'loss.margin': {
    kind: 'number',
    default: 0.8,
    min: 0,
    max: 1,
    doc: 'ArcFace additive angular margin in radians (usual 0.1–0.5 from a random start; 0.8 here, since the LDA start already separates the training ads and a small margin leaves nothing to learn).',
  },
  'loss.scale': {
    kind: 'number',
    default: 30,
    min: 1,
    max: 128,
    doc: 'ArcFace logit scale (usual 16–64).',
  },
  'loss.subcenters': {
    kind: 'integer',
    default: 3,
    min: 1,
    max: 10,
    doc: 'Sub-centres per class for sub-center ArcFace.',
  },
  'training.epochs': {
    kind: 'integer',
    default: 30,
    min: 1,
    max: 1000,
    doc: 'Passes over the cached training features (usual 20–40 for a frozen backbone).',
  },
  'training.batch_size': {
    kind: 'integer',
    default: 64,
    min: 2,
    max: 8192,
    doc: 'Photos per optimisation step.',
  },
  'training.sampler': {
    kind: 'choice',
    default: 'random',
    choices: ['random', 'pk'],
    doc: 'Batch sampler: shuffled photos, or P ads × K photos (class-balanced; used by pair-based losses).',
  },
  'training.pk_photos': {
    kind: 'integer',
    default: 4,
    min: 2,
    max: 64,
    doc: 'K, photos per ad in a P×K batch (P = batch_size / K).',
  },
  'training.optimizer': {
    kind: 'choice',
    default: 'adamw',
    choices: ['adamw', 'sgd'],
    doc: 'Optimiser: AdamW (decoupled weight decay) or SGD with momentum 0.9.',
  },
  'training.learning_rate': {
    kind: 'number',
    default: 0.0003,
    min: 0,
    max: 10,
    doc: 'Peak learning rate of the head (usual 1e-4–1e-2 for AdamW).',
  },
  'training.class_learning_rate': {
    kind: 'number',
    default: 0.01,
    min: 0,
    max: 100,
    doc: "Learning rate of the loss's class weights (ArcFace centres).",
  },
  'training.weight_decay': {
    kind: 'number',
    default: 0.0001,
    min: 0,
    max: 1,
    doc: 'Decoupled weight decay of the head weights.',
  },
  'training.schedule': {
    kind: 'choice',
    default: 'cosine',
    choices: ['cosine', 'linear', 'constant'],
    doc: 'Learning-rate schedule after warm-up.',
  },
  'training.warmup_epochs': {
    kind: 'number',
    default: 1,
    min: 0,
    max: 100,
    doc: 'Linear warm-up length in epochs (may be fractional).',
  },
  'training.gradient_clip': {
    kind: 'number',
    default: 0,
    min: 0,
    doc: 'Clip the global gradient norm to this value; 0 turns clipping off.',
  },
  'training.keep_best': {
    kind: 'boolean',
    default: true,
    doc: 'Keep the epoch with the best validation metric (epoch 0, the untrained start, included) rather than the last.',
  },
  'training.seed': {
    kind: 'integer',
    default: 42,
    min: -1,
    doc: 'Seed of splits, sampling and initialisation; -1 picks one at random and logs it.',
  },
  'validation.protocol': {
    kind: 'choice',
    default: 'random',
    choices: ['random', 'group'],
    doc: 'random: validation photos drawn at random, gallery = all photos (like the reference); group: held-out ads never seen in training, gallery = their photos.',
  },
  'validation.validation_size': {
    kind: 'number',
    default: 0.2,
    min: 0.01,
    max: 0.9,
    doc: 'Fraction of photos (random) or ads (group) held out for validation.',
  },
  'validation.folds': {
    kind: 'integer',
    default: 1,
    min: 1,
    max: 20,
    doc: 'Number of folds; with k > 1 validation_size is 1/k and --fold picks one.',
  },
  'validation.fold': {
    kind: 'integer',
    default: 0,
    min: 0,
    doc: 'Which fold is held out (0-based).',
  },
  'validation.top_k': {
    kind: 'integer',
    default: 50,
    min: 1,
    max: 1000,
    doc: 'k of mAP@k and precision@k, and the length of predictions.csv lists.',
  },
  'validation.every': { kind: 'integer', default: 1, min: 1, doc: 'Validate every N epochs.' },
  'retrieval.query_expansion': {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 50,
    doc: 'α-query expansion: neighbours averaged into each query (0 = off; usual 1–3).',
  },
  'retrieval.qe_alpha': {
    kind: 'number',
    default: 3,
    min: 0,
    max: 20,
    doc: 'α of α-query expansion: neighbour weight = similarity^α.',
  },
  'retrieval.rerank': {
    kind: 'boolean',
    default: false,
    doc: 'k-reciprocal re-ranking (Zhong et al. 2017) of the top results.',
  },
  'retrieval.rerank_k1': {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 200,
    doc: 'k1 of k-reciprocal re-ranking.',
  },
  'retrieval.rerank_k2': {
    kind: 'integer',
    default: 6,
    min: 1,
    max: 100,
    doc: 'k2 of k-reciprocal re-ranking.',
  },
  'retrieval.rerank_lambda': {
    kind: 'number',
    default: 0.3,
    min: 0,
    max: 1,
    doc: 'λ of k-reciprocal re-ranking: weight of the original distance.',
  },
  'grouping.target_precision': {
    kind: 'number',
    default: 0.95,
    min: 0.5,
    max: 1,
    doc: 'Pairwise precision the grouping thresholds are calibrated to, on the held-out photos. Train logs each threshold with the precision it reached and its 90 % interval over the pairs predicted there, and warns when the interval reaches more than 0.05 below this target (too few held-out ads: raise validation.validation_size).',
  },
  'grouping.false_flag_rate': {
    kind: 'number',
    default: 0.05,
    min: 0,
    max: 0.5,
    doc: "Share of an ad's genuine photos the within-ad check may flag as not fitting; the flag threshold is calibrated to it on held-out ads.",
  },
  'grouping.neighbors': {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 500,
    doc: 'Neighbours per photo in the similarity graph.',
  },
  'grouping.clustering': {
    kind: 'choice',
    default: 'average',
    choices: ['components', 'average'],
    doc: 'Connected components of the thresholded graph, or average-linkage clustering.',
  },
  'data.image_column': {
    kind: 'string',
    default: 'image',
    doc: 'CSV column with the image path (relative to --images).',
  },
  'data.label_column': {
    kind: 'string',
    default: 'label',
    doc: 'CSV column with the label (the ad id).',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof settingSpecs;

type ValueOf<S> = S extends { kind: 'integer' | 'number' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'numbers' }
      ? number[]
      : S extends { kind: 'choice'; choices: readonly (infer C)[] }
        ? C
        : string | null;

/** Resolved settings: every key present, typed from its spec. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof settingSpecs)[K]> };

/** The defaults of every setting. */
export function defaultSettings(): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settingSpecs)) {
    out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as Settings;
}
