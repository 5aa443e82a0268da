import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateProjectRequest, ErrorBody, parseIfMatch, RevisionHistoryResponse, SaveRevisionHeaders, SaveRevisionResponse } from './api';
import { Job } from './jobs';

describe('API schemas', () => {
  it('convert to JSON Schema for OpenAPI', () => {
    for (const schema of [CreateProjectRequest, ErrorBody, SaveRevisionResponse, RevisionHistoryResponse, Job]) {
      const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'throw' }) as { type?: string; properties?: object };
      expect(json.type).toBe('object');
      expect(json.properties).toBeDefined();
    }
    const err = z.toJSONSchema(ErrorBody) as unknown as { properties: { code: { enum: string[] } } };
    expect(err.properties.code.enum).toContain('DLN_REVISION_STALE');
  });

  it('parses If-Match forms', () => {
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch('W/"0"')).toBe(0);
    expect(SaveRevisionHeaders.safeParse({ 'if-match': 'abc' }).success).toBe(false);
  });
});
