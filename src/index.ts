/**
 * samebike's library API (the package's `main`): the jobs the CLI runs, as functions, plus the
 * pieces a program needs to call them (loading photos and models) and the lower-level index and
 * grouping functions they are built on. Every job takes resolved options and writes its outputs;
 * see src/pipeline/README.md.
 *
 * @example
 * import { loadModel, loadPhotos, runGroup } from 'samebike';
 * const model = loadModel('run/');
 * const photos = loadPhotos({ data: 'ads.csv', images: 'photos/' }, model.settings.settings);
 * const { metrics } = await runGroup({ photos, model, out: 'groups/', onBadImage: 'skip' });
 */
export { runEmbed, type EmbedJob, type EmbedResult } from './pipeline/embed.js';
export { runTrain, type TrainJob, type TrainOutcome } from './pipeline/train.js';
export { runEvaluate } from './pipeline/evaluate.js';
export { runDemo, type DemoJob, type DemoOutcome } from './pipeline/demo.js';
export {
  readIndexInfo,
  runIndexAdd,
  runIndexRemove,
  type IndexAddJob,
  type IndexAddResult,
  type IndexRemoveResult,
} from './pipeline/index.js';
export {
  runSearch,
  writeSearchCsv,
  type RankedMatch,
  type SearchJob,
  type SearchQuery,
  type SearchResult,
} from './pipeline/search.js';
export {
  evaluateGrouping,
  groupEmbeddings,
  knnForPhotos,
  readTruthColumn,
  runGroup,
  type GroupJob,
  type GroupMetrics,
  type GroupOutcome,
  type GroupingEvaluation,
  type GroupingOutcome,
} from './pipeline/group.js';
export {
  embedWithModel,
  embeddingModelId,
  loadModel,
  type GroupingCalibration,
  type LoadedModel,
} from './pipeline/model.js';
export { loadPhotos, type PhotoSource } from './pipeline/photos.js';
export { resolveSettings, type ResolvedSettings } from './pipeline/settings.js';
export { generateDemoData } from './demo/index.js';
export { openIndex, EmbeddedIndex, type OpenIndexOptions } from './index/embedded.js';
export type {
  IndexInfo,
  IndexItem,
  IndexMatch,
  NeighborLists,
  ScalarKind,
  SearchOptions,
  VectorStore,
} from './index/store.js';
export { groupAds, type AdGroup, type AdGrouping } from './group/ads.js';
export { groupPhotos, type Clustering, type ClusteringMethod } from './group/graph.js';
export { checkWithinAds, type WithinAdCheck } from './group/within-ad.js';
export { calibrateAdThreshold, calibrateThreshold } from './group/calibrate.js';
export { SamebikeError } from './util/errors.js';
