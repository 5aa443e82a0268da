import type { WorkflowConfig } from '@delineate/schema';
import type { DocumentChoices } from '../project-api';

/** The configuration form as typed: numbers stay text until they validate. */
export interface WorkflowForm {
  oversightModel: WorkflowConfig['oversightModel'];
  labelSchema: string; // `${id}@${version}`
  reviewProtocol: string;
  fraction: string;
  readersPerItem: string;
  blinded: boolean;
  expertLabelKeys: string[];
  significantRegions: boolean;
  dice: string;
  fleissKappa: string;
  samplingSeed: string;
}

export type FormErrors = Partial<Record<keyof WorkflowForm, string>>;

export const refKey = (ref: { id: string; version: number }) => `${ref.id}@${ref.version}`;

export function parseRef(key: string): { id: string; version: number } | null {
  const m = /^([0-9a-f-]{36})@(\d+)$/.exec(key);
  return m ? { id: m[1]!, version: Number(m[2]) } : null;
}

export function formOf(config: WorkflowConfig): WorkflowForm {
  return {
    oversightModel: config.oversightModel,
    labelSchema: refKey(config.labelSchema),
    reviewProtocol: refKey(config.reviewProtocol),
    fraction: String(config.agreementSampling.fraction),
    readersPerItem: String(config.agreementSampling.readersPerItem),
    blinded: config.agreementSampling.blinded,
    expertLabelKeys: [...config.expertReview.labelKeys],
    significantRegions: config.expertReview.significantRegions,
    dice: String(config.agreementThresholds.dice),
    fleissKappa: String(config.agreementThresholds.fleissKappa),
    samplingSeed: String(config.samplingSeed),
  };
}

function number(text: string): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * Checks the form as the server will (WorkflowConfig and WorkflowRepository.updateConfig), with a
 * message per field; returns the configuration to send when there is no error.
 */
export function validateForm(form: WorkflowForm, documents: DocumentChoices | null): { errors: FormErrors; config: WorkflowConfig | null } {
  const errors: FormErrors = {};
  const schemaRef = parseRef(form.labelSchema);
  const protocolRef = parseRef(form.reviewProtocol);
  const schema = schemaRef && documents?.labelSchemas.find((s) => s.id === schemaRef.id && s.version === schemaRef.version);
  const protocol = protocolRef && documents?.reviewProtocols.find((p) => p.id === protocolRef.id && p.version === protocolRef.version);
  if (!schemaRef || (documents && !schema)) errors.labelSchema = 'Choose a label-schema version.';
  if (!protocolRef || (documents && !protocol)) errors.reviewProtocol = 'Choose a review-protocol version.';
  if (schema && protocol) {
    const keys = new Set(schema.labels.map((l) => l.key));
    const foreign = [...new Set(protocol.checklist.filter((c) => !keys.has(c.labelKey)).map((c) => c.labelKey))];
    const unchecked = schema.labels.filter((l) => !protocol.checklist.some((c) => c.labelKey === l.key)).map((l) => l.key);
    if (foreign.length > 0) errors.reviewProtocol = `This protocol has checklist items for labels the schema does not have: ${foreign.join(', ')}.`;
    else if (unchecked.length > 0) errors.reviewProtocol = `Every label needs at least one checklist item; none for: ${unchecked.join(', ')}.`;
    const unknown = form.expertLabelKeys.filter((k) => !keys.has(k));
    if (unknown.length > 0) errors.expertLabelKeys = `Not labels of the chosen schema: ${unknown.join(', ')}.`;
  }

  const fraction = number(form.fraction);
  if (fraction === null || fraction < 0 || fraction > 1) errors.fraction = 'Enter a fraction between 0 and 1 (e.g. 0.3 for 30 % of items).';
  const readers = number(form.readersPerItem);
  if (readers === null || !Number.isInteger(readers) || readers < 1 || readers > 20) errors.readersPerItem = 'Enter a whole number of readers from 1 to 20.';
  else if (fraction !== null && fraction > 0 && readers < 2) errors.readersPerItem = 'Agreement needs at least 2 readers per sampled item when the fraction is above 0.';

  const dice = number(form.dice);
  if (dice === null || dice < 0 || dice > 1) errors.dice = 'The Dice threshold is between 0 and 1.';
  const kappa = number(form.fleissKappa);
  if (kappa === null || kappa < -1 || kappa > 1) errors.fleissKappa = "Fleiss' κ threshold is between −1 and 1.";
  const seed = number(form.samplingSeed);
  if (seed === null || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) errors.samplingSeed = 'The seed is a whole number from 0 to 4294967295.';

  if (Object.keys(errors).length > 0 || !schemaRef || !protocolRef) return { errors, config: null };
  return {
    errors,
    config: {
      oversightModel: form.oversightModel,
      labelSchema: schemaRef,
      reviewProtocol: protocolRef,
      agreementSampling: { fraction: fraction!, readersPerItem: readers!, blinded: form.blinded },
      expertReview: { labelKeys: [...form.expertLabelKeys], significantRegions: form.significantRegions },
      agreementThresholds: { dice: dice!, fleissKappa: kappa! },
      samplingSeed: seed!,
    },
  };
}
