import { describe, expect, it } from 'vitest';
import { auditExportUrl, auditQuery } from './audit';

describe('audit log queries', () => {
  it('sends only the set filters, in one order, so equal filters share a cached page', () => {
    expect(auditQuery({ outcome: 'denied', actor: 'demo.annotator', objectId: '' }, { before: undefined, limit: 50 })).toBe('actor=demo.annotator&limit=50&outcome=denied');
    expect(auditQuery({ actor: 'demo.annotator', outcome: 'denied' })).toBe(auditQuery({ outcome: 'denied', actor: 'demo.annotator' }));
    expect(auditQuery({ from: '2026-01-01T00:00:00.000Z' }, { before: 42 })).toBe('before=42&from=2026-01-01T00%3A00%3A00.000Z');
  });

  it('exports the same filtered range it shows', () => {
    expect(auditExportUrl({ action: 'mask.read' }, 'dicom')).toBe('/api/audit/events/export?action=mask.read&format=dicom');
  });
});
