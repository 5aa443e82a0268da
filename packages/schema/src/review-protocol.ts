import { z } from 'zod';
import { Id, Slug, Timestamp, VersionNumber } from './common';
import { ErrorType } from './vocabularies';

/** One clinical-judgement decision a reviewer checks for a label. */
export const ChecklistItem = z.object({
  key: Slug,
  /** Key of the label this item applies to. */
  labelKey: Slug,
  question: z.string().min(1),
  /** The error type recorded when this item fails. */
  errorType: ErrorType,
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

export const ChecklistList = z
  .array(ChecklistItem)
  .min(1)
  .superRefine((items, ctx) => {
    const keys = new Set<string>();
    for (const [i, item] of items.entries()) {
      if (keys.has(item.key)) ctx.addIssue({ code: 'custom', message: 'duplicate checklist item key', path: [i, 'key'] });
      keys.add(item.key);
    }
  });

export const ReviewProtocol = z.object({
  id: Id,
  name: z.string().min(1).max(200),
  version: VersionNumber,
  checklist: ChecklistList,
  createdAt: Timestamp,
});
export type ReviewProtocol = z.infer<typeof ReviewProtocol>;

export const ReviewProtocolInput = z.object({
  name: z.string().min(1).max(200),
  checklist: ChecklistList,
});
export type ReviewProtocolInput = z.infer<typeof ReviewProtocolInput>;
