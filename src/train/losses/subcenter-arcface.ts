/**
 * Sub-center ArcFace (Deng et al. 2020, "Sub-center ArcFace: Boosting Face Recognition by
 * Large-Scale Noisy Web Faces", ECCV): ArcFace with k centres per class; an embedding is compared
 * with its class through the closest of the k centres (the largest cosine), so a class whose
 * photos fall into several clusters (a bike's side view, its details, a noisy photo) need not be
 * squeezed around one centre. The gradient reaches only the chosen sub-centre.
 */
import { ArcFaceLoss, type ArcFaceOptions } from './arcface.js';

export class SubCenterArcFaceLoss extends ArcFaceLoss {
  /** Options as ArcFace; `subcenters` (k) defaults to 3, usual 2–3. */
  constructor(options: ArcFaceOptions) {
    super({ ...options, subcenters: options.subcenters ?? 3 }, 'subcenter_arcface');
  }
}
