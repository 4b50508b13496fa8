/**
 * What a training run hands to the HTML report: the data summary, the run's configuration, the
 * retrieval metrics before and after training, the training history, the gallery of queries with
 * their top matches, and optionally the grouping threshold curve and the stage timings.
 *
 * These are plain JSON-shaped types so a run can also save them (`report.json`) and render the
 * report again later. Field names use snake_case where they mirror the metric names printed in
 * logs (`map_at_k`), camelCase elsewhere.
 */

/** Retrieval metrics of one evaluation (one model on one query/gallery split). */
export interface Metrics {
  /** Mean average precision over the top k gallery photos per query (mAP@k), 0–1. */
  map_at_k: number;
  /** The k of mAP@k and precision@k, a positive integer (usually 50, as in the reference run). */
  k: number;
  /** Share of queries whose nearest gallery photo is relevant (same label), 0–1. */
  recall_at_1: number;
  /** Share of queries with a relevant photo among the 5 nearest, 0–1. */
  recall_at_5: number;
  /** Share of queries with a relevant photo among the 10 nearest, 0–1. */
  recall_at_10: number;
  /** Mean share of relevant photos among the k nearest, 0–1. */
  precision_at_k: number;
  /**
   * MAP@R (Musgrave et al., "A Metric Learning Reality Check", https://arxiv.org/abs/2003.08505):
   * average precision over the R nearest, R being the query's number of relevant photos, 0–1.
   */
  map_at_r: number;
  /** Number of queries evaluated. */
  queries: number;
  /** Number of gallery photos searched. */
  gallery: number;
}

/** What data the run saw and how it was split. */
export interface DataSummary {
  /** Photos in the data set. */
  photos: number;
  /** Ads (labels) in the data set; every photo belongs to one ad. */
  ads: number;
  /** Photos used to train the embedding head. */
  trainPhotos: number;
  /** Query photos of the validation protocol. */
  queries: number;
  /** Gallery photos of the validation protocol. */
  gallery: number;
  /** One sentence describing the evaluation protocol, e.g. "20% of ads held out; each photo
   *  queries all other held-out photos". Shown verbatim. */
  protocol: string;
}

/** A run to compare against: its validation mAP@k after each epoch. */
export interface ReferenceRun {
  /** Shown in the legend and the summary, e.g. "H2O Hydrogen Torch (EfficientNet-B0)". */
  name: string;
  /** Validation mAP@k after epoch 1, 2, …; drawn dashed on the validation chart. */
  map_at_k_by_epoch: number[];
  /** The k of the reference's mAP@k. Default 50. */
  k?: number;
}

/** One optimizer step of training. */
export interface StepRecord {
  /** Step number, counted from 1 over the whole run. */
  step: number;
  /** Fractional epoch at the end of the step, e.g. 1.5 halfway through the second epoch. */
  epoch: number;
  /** Learning rate used for the step. */
  lr: number;
  /** Training loss of the step's batch. NaN or ±Infinity (a diverged run) leaves a gap. */
  loss: number;
}

/** One finished epoch of training with its validation metrics. */
export interface EpochRecord {
  /** Epoch number, counted from 1. */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
  /** Wall-clock seconds the epoch took (training plus validation). */
  seconds: number;
  /** Validation metrics after the epoch, keyed like `Metrics` (map_at_k, recall_at_1, …). */
  metrics: Record<string, number>;
}

/** The training history. */
export interface History {
  steps: StepRecord[];
  epochs: EpochRecord[];
  /** The epoch with the highest validation mAP@k; marked on the validation chart. */
  bestEpoch: number;
}

/** One gallery photo returned for a query. */
export interface GalleryMatch {
  /** Absolute path of the photo; read to make the thumbnail. */
  image: string;
  /** The photo's label (ad id). User data: always escaped. */
  label: string;
  /** Cosine similarity to the query, −1 to 1. */
  similarity: number;
  /** Whether the photo has the query's label. */
  match: boolean;
}

/** One query of the prediction gallery with its nearest gallery photos, nearest first. */
export interface GalleryQuery {
  /** Absolute path of the query photo; read to make the thumbnail. */
  image: string;
  /** The query's label (ad id). User data: always escaped. */
  label: string;
  /** Average precision at k of this query, 0–1; the gallery is sorted by it, worst first. */
  ap: number;
  /** Number of relevant gallery photos (same label) the query could have found. */
  relevant: number;
  /** Nearest gallery photos, nearest first. */
  matches: GalleryMatch[];
}

/** The prediction gallery. */
export interface Gallery {
  queries: GalleryQuery[];
  /** Matches shown per query. Default 8; `RenderOptions.maxMatches` overrides it. */
  maxMatches?: number;
}

/** Precision and recall of grouping photos into ads at one similarity threshold. */
export interface ThresholdPoint {
  /** Cosine similarity threshold: photos at least this similar are linked. */
  threshold: number;
  /** Share of linked photo pairs that belong to the same ad, 0–1. */
  precision: number;
  /** Share of same-ad photo pairs that are linked, 0–1. */
  recall: number;
}

/** The chosen threshold, with the size of the sample its precision was measured on. */
export interface ChosenThreshold extends ThresholdPoint {
  /** Pairs at or above the threshold on the held-out photos. */
  predictedPairs?: number;
  /** 90 % Wilson interval of the precision over those pairs. */
  precisionInterval?: [number, number];
  /**
   * true when that interval reaches more than 0.05 below the target: too few held-out pairs to
   * promise the target on other photos (the report says so).
   */
  fewPairs?: boolean;
}

/** How the grouping threshold was chosen. */
export interface GroupingSummary {
  /** Precision and recall over a sweep of thresholds. */
  curve: ThresholdPoint[];
  /** The threshold picked: the lowest one that reaches the target precision. */
  chosen: ChosenThreshold;
  /** The precision the threshold had to reach, 0–1. */
  target: number;
  /**
   * The same for grouping ads (pairs of ads instead of photos), calibrated on held-out ads split
   * into made-up reposts; to the same target precision.
   */
  ads?: { curve: ThresholdPoint[]; chosen: ChosenThreshold };
}

/** Everything the HTML report shows about one training run. */
export interface RunReport {
  /** Page title, e.g. "samebike run 2024-05-01 (ArcFace, 5 epochs)". */
  title: string;
  /** When the run finished, ISO 8601 (shown as given). */
  createdAt: string;
  dataSummary: DataSummary;
  /** The run's full configuration; nested objects are flattened to dotted keys in the table. */
  config: Record<string, unknown>;
  metrics: { zeroShot: Metrics; trained: Metrics };
  reference?: ReferenceRun;
  history: History;
  gallery: Gallery;
  grouping?: GroupingSummary;
  /** Seconds spent per stage, e.g. { embed: 812.4, train: 95.1 }, shown in insertion order. */
  timings?: Record<string, number>;
}

/** How the report is rendered; every field is optional. */
export interface RenderOptions {
  /** Queries shown in the gallery, worst AP first. Default 40, usual range 10–100. */
  maxQueries?: number;
  /** Matches shown per query. Default `gallery.maxMatches`, else 8; usual range 4–16. */
  maxMatches?: number;
  /** Longest side of a thumbnail in pixels. Default 160, allowed 32–1024. */
  thumbnailSize?: number;
  /** JPEG quality of the thumbnails, 1–100. Default 70. */
  jpegQuality?: number;
}

/**
 * The reference run this project measures itself against: H2O Hydrogen Torch v1.2.0 on the
 * online bicycle ads use case (EfficientNet-B0 at 512 px, ArcFace margin 0.1 scale 45, 5 epochs
 * on a V100), validation mAP@50 after each epoch as printed in its training log.
 */
export const hydrogenTorchReference: ReferenceRun = {
  name: 'H2O Hydrogen Torch (EfficientNet-B0, 512 px)',
  map_at_k_by_epoch: [0.613, 0.722, 0.763, 0.768, 0.769],
  k: 50,
};
