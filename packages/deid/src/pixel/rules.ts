import { z } from 'zod';
import { DelineateError } from '@delineate/schema';
import type { PixelRect } from './ocr';

/**
 * The pixel rules file: for images of one device signature (Manufacturer, model, Rows, Columns,
 * ImageType…), the regions always blanked and the regions where burned-in text is expected and
 * known not to identify anyone (scanner parameter panels). Text found anywhere else sends the
 * file to quarantine. JSON, validated here; the default set ships as {@link defaultPixelRules}.
 */
const rect = z.strictObject({
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

/** Text matched case-insensitively after trimming; a trailing `*` matches any suffix. */
const textPattern = z.string().min(1).max(128);

const pixelRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case id of letters, digits, . _ -'),
  description: z.string().max(500).optional(),
  match: z
    .strictObject({
      manufacturer: textPattern.optional(),
      model: textPattern.optional(),
      modality: textPattern.optional(),
      rows: z.number().int().positive().optional(),
      columns: z.number().int().positive().optional(),
      /** Every listed value must be among the image's ImageType values. */
      imageType: z.array(z.string().min(1)).optional(),
    })
    .refine((m) => Object.values(m).some((v) => v !== undefined), 'a rule must match on at least one attribute'),
  blank: z.array(rect).default([]),
  allowText: z.array(rect).default([]),
});

export const pixelRulesSchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(pixelRule),
});

export type PixelRule = z.infer<typeof pixelRule>;
export type PixelRules = z.infer<typeof pixelRulesSchema>;

/** Validates a rules document (parsed JSON). Throws DLN_CONFIG_INVALID naming the bad path. */
export function parsePixelRules(json: unknown): PixelRules {
  const result = pixelRulesSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DelineateError('DLN_CONFIG_INVALID', `Pixel rules are invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`);
  }
  const ids = new Set<string>();
  for (const rule of result.data.rules) {
    if (ids.has(rule.id)) throw new DelineateError('DLN_CONFIG_INVALID', `Pixel rule id repeated: ${rule.id}`);
    ids.add(rule.id);
  }
  return result.data;
}

/** The device values a rule is matched against (taken from the input, before de-identification). */
export interface RuleSignature {
  readonly manufacturer?: string | undefined;
  readonly model?: string | undefined;
  readonly modality?: string | undefined;
  readonly rows: number;
  readonly columns: number;
  readonly imageType: readonly string[];
}

function textMatches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (value === undefined) return false;
  const p = pattern.trim().toUpperCase();
  const v = value.trim().toUpperCase();
  return p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : v === p;
}

export function ruleMatches(rule: PixelRule, s: RuleSignature): boolean {
  const m = rule.match;
  const types = new Set(s.imageType.map((t) => t.trim().toUpperCase()));
  return (
    textMatches(m.manufacturer, s.manufacturer) &&
    textMatches(m.model, s.model) &&
    textMatches(m.modality, s.modality) &&
    (m.rows === undefined || m.rows === s.rows) &&
    (m.columns === undefined || m.columns === s.columns) &&
    (m.imageType ?? []).every((t) => types.has(t.trim().toUpperCase()))
  );
}

export function matchingRules(rules: PixelRules, signature: RuleSignature): PixelRule[] {
  return rules.rules.filter((r) => ruleMatches(r, signature));
}

/** True when `inner` lies inside `outer` (a one-pixel tolerance for OCR box jitter). */
export function rectContains(outer: PixelRect, inner: PixelRect): boolean {
  return inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
}
