import { describe, expect, it } from 'vitest';
import { capAge, dateOffsetDays, MAX_OFFSET_DAYS, shiftDate, shiftDateTime } from './dates';
import { UidMapper, isWellKnownUid } from './uids';

describe('date offsets', () => {
  const secret = Buffer.from('a-project-secret-of-some-length');
  it('derives one stable, non-zero offset per pseudonym', () => {
    const a = dateOffsetDays(secret, 'P-AAAA');
    expect(dateOffsetDays(secret, 'P-AAAA')).toBe(a);
    expect(a).toBeLessThan(0);
    expect(a).toBeGreaterThanOrEqual(-MAX_OFFSET_DAYS);
    expect(dateOffsetDays(Buffer.from('another-secret-value-xx'), 'P-AAAA')).not.toBe(a);
  });

  it('shifts DA and DT values and keeps them valid', () => {
    expect(shiftDate('20200301', -1)).toBe('20200229');
    expect(shiftDate('20200101-20200131', -365)).toBe('20190101-20190131');
    expect(shiftDate('2020', -1)).toBe('');
    expect(shiftDateTime('20200301123000.5+0100', -1)).toBe('20200229123000.5+0100');
    expect(shiftDateTime('202003', -40)).toBe('202001');
    expect(shiftDateTime('2020', -400)).toBe('2018');
  });

  it('caps ages above 89', () => {
    expect(capAge('093Y')).toBe('090Y');
    expect(capAge('089Y')).toBe('089Y');
    expect(capAge('1100M')).toBe('');
    expect(capAge('012M')).toBe('012M');
  });
});

describe('UID mapping', () => {
  it('maps deterministically to 2.25 UIDs and never touches well-known UIDs', () => {
    const a = new UidMapper(Buffer.from('secret-number-one-123'));
    const b = new UidMapper(Buffer.from('secret-number-one-123'));
    const uid = '1.2.826.0.1.3680043.9.1234.5';
    expect(a.map(uid)).toBe(b.map(uid));
    expect(a.map(uid)).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(a.map(uid).length).toBeLessThanOrEqual(64);
    expect(a.map(`${uid}6`)).not.toBe(a.map(uid));
    expect(new UidMapper(Buffer.from('secret-number-two-456')).map(uid)).not.toBe(a.map(uid));
    expect(a.map('1.2.840.10008.5.1.4.1.1.2')).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(isWellKnownUid('1.2.840.10008.1.2.1')).toBe(true);
    expect(a.mapValue(`${uid}\\1.2.840.10008.1.2`)).toBe(`${a.map(uid)}\\1.2.840.10008.1.2`);
  });
});
