/**
 * The contract every metric-learning loss follows. A loss takes a batch of L2-normalised
 * embeddings (rows) and their labels (0-based class numbers), returns the mean loss over the
 * batch and d loss / d embeddings, and adds d loss / d parameters to the gradients of its own
 * parameters (class weights for the classification losses, none for pair-based ones).
 */
import type { Matrix } from '../../linalg/gemm.js';
import type { Random } from '../../util/rng.js';
import type { Parameter } from '../params.js';

export type LossKind = 'arcface' | 'subcenter_arcface' | 'multi_similarity';

export interface LossResult {
  /** The batch's mean loss. */
  loss: number;
  /** d loss / d embeddings, same shape as the embeddings. */
  gradient: Matrix;
}

export interface EmbeddingLoss {
  readonly kind: LossKind;
  /** Trainable parameters (learning-rate group "classes"); empty for pair-based losses. */
  parameters(): Parameter[];
  /** Loss and gradients for a batch of unit-length embeddings with their labels. */
  forward(embeddings: Matrix, labels: Int32Array): Promise<LossResult>;
  /**
   * Sets the class weights from embeddings of the training rows (the class means, normalised),
   * so training starts from sensible class centres. A no-op for pair-based losses.
   */
  initializeFromEmbeddings(embeddings: Matrix, labels: Int32Array, random: Random): void;
  /** Serialisable form: settings and parameter values (base64 float32). */
  toJSON(): LossJSON;
  /** Restores parameter values saved by toJSON; `source` names the file in errors. */
  loadParameters(json: LossJSON, source: string): void;
}

export interface LossJSON {
  kind: LossKind;
  settings: Record<string, number>;
  parameters: Record<string, string>;
}
