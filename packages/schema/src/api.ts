import { z } from 'zod';
import { Annotation, IdempotencyKey, Revision } from './annotation';
import { Id, plainText, Sha256Hex, VersionNumber, VersionRef } from './common';
import { errorCodes, type ErrorCode } from './errors';
import { Item, ItemTarget } from './imaging';
import { LabelSchema, LabelSchemaInput } from './label-schema';
import { Membership, User, Username } from './people';
import { AgreementSampling, DeidSettings, Project } from './project';
import { ReviewProtocol, ReviewProtocolInput } from './review-protocol';
import { LegalBasis, MaskEncoding, Modality, OversightModel, Region, RevisionSource, Role } from './vocabularies';

/** Request and response bodies of the HTTP API; OpenAPI is generated from these. */

export const ErrorBody = z.object({
  code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const HealthResponse = z.object({
  status: z.literal('ok'),
  database: z.enum(['pglite', 'postgres']),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const IdParams = z.object({ id: Id });
export type IdParams = z.infer<typeof IdParams>;

export const CreateProjectRequest = z.object({
  name: plainText(200).min(1),
  modality: Modality,
  /** Further modalities ingest accepts besides `modality` (default none). */
  acceptedModalities: z.array(Modality).optional(),
  oversightModel: OversightModel,
  region: Region,
  purpose: plainText(10_000).min(1),
  legalBasis: LegalBasis,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  agreementSampling: AgreementSampling,
  deid: DeidSettings,
});
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;
export const ProjectResponse = Project;
export const ProjectListResponse = z.object({ projects: z.array(Project) });
export type ProjectListResponse = z.infer<typeof ProjectListResponse>;

export const CreateLabelSchemaRequest = LabelSchemaInput;
export type CreateLabelSchemaRequest = z.infer<typeof CreateLabelSchemaRequest>;
export const LabelSchemaResponse = LabelSchema;
export const LabelSchemaVersionParams = z.object({ id: Id, version: z.coerce.number().int().min(1) });

export const CreateReviewProtocolRequest = ReviewProtocolInput;
export type CreateReviewProtocolRequest = z.infer<typeof CreateReviewProtocolRequest>;
export const ReviewProtocolResponse = ReviewProtocol;

export const CreateItemRequest = z.object({ subjectId: Id, target: ItemTarget });
export type CreateItemRequest = z.infer<typeof CreateItemRequest>;
export const ItemListResponse = z.object({ items: z.array(Item) });
export type ItemListResponse = z.infer<typeof ItemListResponse>;

export const CreateUserRequest = z.object({ username: Username, displayName: plainText(200).min(1) });
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;
export const UserResponse = User;
export const AddMembershipRequest = z.object({ userId: Id, role: Role });
export type AddMembershipRequest = z.infer<typeof AddMembershipRequest>;
export const MembershipResponse = Membership;

export const CreateAnnotationRequest = z.object({ itemId: Id, taskId: Id.optional(), labelSchema: VersionRef });
export type CreateAnnotationRequest = z.infer<typeof CreateAnnotationRequest>;
export const AnnotationResponse = Annotation;

/** Headers of a revision save: `If-Match: <version>` (0 before the first) and an optional `Idempotency-Key`. */
export const SaveRevisionHeaders = z.object({
  'if-match': z.string().regex(/^(W\/)?"?\d+"?$/, 'expected a version number'),
  'idempotency-key': IdempotencyKey.optional(),
});
export type SaveRevisionHeaders = z.infer<typeof SaveRevisionHeaders>;

/** Reads the version out of an `If-Match` header value such as `3`, `"3"` or `W/"3"`. */
export function parseIfMatch(value: string): number {
  return Number(value.replace(/^W\//, '').replace(/"/g, ''));
}

/** Metadata of a revision save; the mask bytes travel separately (binary body or multipart). */
export const SaveRevisionRequest = z.object({
  source: RevisionSource.exclude(['revert']),
  maskEncoding: MaskEncoding,
  /** SHA-256 of the mask bytes as the client computed them; the server verifies it. */
  maskHash: Sha256Hex,
  /** Required for AI revisions: the model that produced the mask. */
  model: z.object({ name: z.string().min(1).max(128), version: z.string().min(1).max(64) }).optional(),
});
export type SaveRevisionRequest = z.infer<typeof SaveRevisionRequest>;

export const SaveRevisionResponse = z.object({ revision: Revision, replayed: z.boolean() });
export type SaveRevisionResponse = z.infer<typeof SaveRevisionResponse>;

export const RevisionHistoryResponse = z.object({ annotationId: Id, headVersion: z.number().int().min(0), revisions: z.array(Revision) });
export type RevisionHistoryResponse = z.infer<typeof RevisionHistoryResponse>;

export const RevisionParams = z.object({ id: Id, version: z.coerce.number().int().min(1) });
export type RevisionParams = z.infer<typeof RevisionParams>;

export const RevertRequest = z.object({ toVersion: VersionNumber });
export type RevertRequest = z.infer<typeof RevertRequest>;
