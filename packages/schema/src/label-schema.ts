import { z } from 'zod';
import { CodedConcept, Colour, Id, Magnification, ReferenceStandard, Slug, Timestamp, VersionNumber } from './common';
import { RtRoiInterpretedType } from './vocabularies';

/**
 * A Foundational Model of Anatomy identifier shown beside a label's concept (issue 23): the
 * guidelines' anatomy is often cited by FMA, and RT exchange uses SNOMED CT, so both are kept.
 */
export const FmaConcept = z.object({
  id: z.string().regex(/^FMA:[1-9][0-9]{0,6}$/, 'expected an FMA identifier such as FMA:7088'),
  /** The FMA's preferred name. */
  name: z.string().min(1).max(256),
});
export type FmaConcept = z.infer<typeof FmaConcept>;

export const Label = z.object({
  /** Stable key within the schema (e.g. `liver`); also the key of review checklist items. */
  key: Slug,
  /** Integer value of the label in a multi-label mask, 1..255. */
  value: z.number().int().min(1).max(255),
  name: z.string().min(1),
  concept: CodedConcept,
  category: CodedConcept,
  colour: Colour,
  definition: z.string().min(1),
  inclusion: z.array(z.string().min(1)),
  exclusion: z.array(z.string().min(1)),
  referenceStandard: ReferenceStandard,
  requiresExpertReview: z.boolean(),
  /** Slides only: the magnification the label is annotated at. */
  magnification: Magnification.optional(),
  /** Radiotherapy: what an RT Structure Set calls this structure (GTV, CTV, PTV, ORGAN, …). */
  rtRoiInterpretedType: RtRoiInterpretedType.optional(),
  /** The anatomy's FMA identifier, where one is known for certain. */
  fma: FmaConcept.optional(),
  /**
   * Slides: labels whose boundary with this one is diagnostically significant (tumour with
   * stroma) and gets an expert boundary review. Named on either label of the pair.
   */
  boundaryWith: z.array(Slug).max(16).optional(),
});
export type Label = z.infer<typeof Label>;

function uniqueLabels(labels: readonly Label[], ctx: z.RefinementCtx): void {
  const keys = new Set<string>();
  const values = new Set<number>();
  for (const [i, label] of labels.entries()) {
    if (keys.has(label.key)) ctx.addIssue({ code: 'custom', message: 'duplicate label key', path: [i, 'key'] });
    if (values.has(label.value)) ctx.addIssue({ code: 'custom', message: 'duplicate label value', path: [i, 'value'] });
    keys.add(label.key);
    values.add(label.value);
  }
  for (const [i, label] of labels.entries()) {
    for (const [j, other] of (label.boundaryWith ?? []).entries()) {
      if (other === label.key) ctx.addIssue({ code: 'custom', message: 'a label has no boundary with itself', path: [i, 'boundaryWith', j] });
      else if (!keys.has(other)) ctx.addIssue({ code: 'custom', message: `the boundary names a label the schema does not have (${other})`, path: [i, 'boundaryWith', j] });
    }
  }
}

/** The label pairs whose boundary gets an expert review, each once, in schema order. */
export function namedBoundaries(labels: readonly Label[]): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const label of labels) {
    for (const other of label.boundaryWith ?? []) {
      const key = [label.key, other].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push([label.key, other]);
    }
  }
  return out;
}

export const LabelList = z.array(Label).min(1).superRefine(uniqueLabels);

/** The shipped template (and its version) a schema was created from. */
export const TemplateRef = z.object({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a template id such as rt-head-neck'),
  version: VersionNumber,
});
export type TemplateRef = z.infer<typeof TemplateRef>;

/** One immutable version of a label schema once any revision used it. */
export const LabelSchema = z.object({
  id: Id,
  name: z.string().min(1).max(200),
  version: VersionNumber,
  labels: LabelList,
  createdAt: Timestamp,
  /** Set when the schema started from a shipped template. */
  template: TemplateRef.optional(),
});
export type LabelSchema = z.infer<typeof LabelSchema>;

export const LabelSchemaInput = z.object({
  name: z.string().min(1).max(200),
  labels: LabelList,
  template: TemplateRef.optional(),
});
export type LabelSchemaInput = z.infer<typeof LabelSchemaInput>;
