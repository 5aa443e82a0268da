import { z } from 'zod';
import { liverCtLabelSchema, liverCtLabelSchemaVersion } from '../demo/liver-ct-label-schema';
import { DelineateError } from '../errors';
import { LabelList, type Label, type LabelSchemaInput, TemplateRef } from '../label-schema';
import bratsSubregions from './brats-subregions.v1.json';
import cardiacCineAcdc from './cardiac-cine-acdc.v1.json';
import cardiacCineMnms from './cardiac-cine-mnms.v1.json';
import rtHeadNeck from './rt-head-neck.v1.json';
import rtHeadNeck2 from './rt-head-neck.v2.json';
import rtPelvisFemale from './rt-pelvis-female.v1.json';
import rtPelvisFemale2 from './rt-pelvis-female.v2.json';
import rtPelvisMale from './rt-pelvis-male.v1.json';
import rtPelvisMale2 from './rt-pelvis-male.v2.json';
import rtTargetVolumes from './rt-target-volumes.v1.json';
import rtThorax from './rt-thorax.v1.json';
import rtThorax2 from './rt-thorax.v2.json';

/**
 * The label-schema library: versioned templates shipped with the product as JSON data files
 * (one file per template version, `<id>.v<version>.json`), validated against the LabelSchema
 * types when loaded. A template version never changes once shipped; a change is a new file.
 */
export const LabelSchemaTemplate = TemplateRef.extend({
  name: z.string().min(1).max(200),
  description: z.string().min(1),
  labels: LabelList,
});
export type LabelSchemaTemplate = z.infer<typeof LabelSchemaTemplate>;

/** The demo's liver schema, with the RT types its two structures have. */
const liverCt: LabelSchemaTemplate = {
  id: 'liver-ct',
  version: liverCtLabelSchemaVersion,
  name: liverCtLabelSchema.name,
  description: 'The liver and its focal lesions (as gross tumour volume) of the demo project.',
  labels: liverCtLabelSchema.labels.map((label): Label => ({ ...label, rtRoiInterpretedType: label.key === 'liver' ? 'ORGAN' : 'GTV' })),
};

// Version 2 of the organ-at-risk templates adds FMA identifiers (issue 23); version 1 stays as shipped.
const shipped: readonly unknown[] = [rtTargetVolumes, rtHeadNeck, rtHeadNeck2, rtThorax, rtThorax2, rtPelvisMale, rtPelvisMale2, rtPelvisFemale, rtPelvisFemale2, bratsSubregions, liverCt, cardiacCineAcdc, cardiacCineMnms];

let loaded: readonly LabelSchemaTemplate[] | undefined;

/** Every shipped template version, parsed once; a malformed file fails here, naming it. */
export function labelSchemaTemplates(): readonly LabelSchemaTemplate[] {
  loaded ??= shipped.map((data, i) => {
    const parsed = LabelSchemaTemplate.safeParse(data);
    if (!parsed.success) throw new DelineateError('DLN_INTERNAL', `Shipped label-schema template ${i + 1} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  });
  return loaded;
}

/** The template version asked for, or the latest version of `id` when `version` is omitted. */
export function labelSchemaTemplate(id: string, version?: number): LabelSchemaTemplate {
  const candidates = labelSchemaTemplates().filter((t) => t.id === id && (version === undefined || t.version === version));
  const found = candidates.sort((a, b) => b.version - a.version)[0];
  if (!found) throw new DelineateError('DLN_TEMPLATE_NOT_FOUND', 'No label-schema template with that id and version');
  return found;
}

/** The input that creates a project schema from a template, recording which one. */
export function schemaFromTemplate(template: LabelSchemaTemplate, name?: string): LabelSchemaInput {
  return { name: name ?? template.name, labels: template.labels.map((l) => ({ ...l })), template: { id: template.id, version: template.version } };
}
