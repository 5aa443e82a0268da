import { randomUUID } from 'node:crypto';
import { DelineateError, parseOrThrow, Review, type ChecklistAnswer, type ReviewCorrection, type ReviewDecision, type RevisionRef, type VersionRef } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { DB, ReviewsTable } from '../sql/tables';
import type { Clock } from './annotations';
import { translated } from './db-errors';
import { ReviewProtocolRepository } from './review-protocols';

export interface RecordReviewInput {
  revision: RevisionRef;
  reviewerId: string;
  protocol: VersionRef;
  answers: ChecklistAnswer[];
  decision: ReviewDecision;
  corrections: ReviewCorrection[];
  /** When the reviewer re-authenticated to sign. */
  signedAt: Date;
}

/** Reviews of revisions against a review-protocol version (which this freezes). */
export class ReviewRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async record(input: RecordReviewInput): Promise<Review> {
    const review = parseOrThrow(Review, {
      ...input,
      id: randomUUID(),
      signedAt: input.signedAt.toISOString(),
      createdAt: this.#clock().toISOString(),
    });
    const protocol = await new ReviewProtocolRepository(this.#db).get(review.protocol.id, review.protocol.version);
    const known = new Set(protocol.checklist.map((c) => c.key));
    if (review.answers.some((a) => !known.has(a.itemKey))) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'An answer names a checklist item the protocol version does not have');
    }
    const row = await translated(() =>
      this.#db
        .insertInto('reviews')
        .values({
          id: review.id,
          annotation_id: review.revision.annotationId,
          version: review.revision.version,
          reviewer_id: review.reviewerId,
          protocol_id: review.protocol.id,
          protocol_version: review.protocol.version,
          answers: JSON.stringify(review.answers),
          decision: review.decision,
          corrections: JSON.stringify(review.corrections),
          signed_at: review.signedAt,
          created_at: review.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toReview(row);
  }

  async listForAnnotation(annotationId: string): Promise<Review[]> {
    const rows = await translated(() =>
      this.#db.selectFrom('reviews').selectAll().where('annotation_id', '=', annotationId).orderBy('created_at').orderBy('id').execute(),
    );
    return rows.map(toReview);
  }
}

function toReview(row: Selectable<ReviewsTable>): Review {
  return Review.parse({
    id: row.id,
    revision: { annotationId: row.annotation_id, version: row.version },
    reviewerId: row.reviewer_id,
    protocol: { id: row.protocol_id, version: row.protocol_version },
    answers: row.answers,
    decision: row.decision,
    corrections: row.corrections,
    signedAt: row.signed_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  });
}
