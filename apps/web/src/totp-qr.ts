import { encode } from 'uqr';

/**
 * The QR code of an `otpauth://` URI for authenticator apps, as rows of dark (`true`) and light
 * modules including the 4-module quiet zone the standard asks for (ISO/IEC 18004 §6.3.8).
 * Error correction M: a phone camera reads it from a screen with glare. Encoded here, in the
 * browser: the secret never leaves the page for a QR service.
 */
export function qrModules(text: string): boolean[][] {
  return encode(text, { ecc: 'M', border: 4 }).data;
}

/** One SVG path drawing every dark module as a unit square (no inline markup, CSP-safe). */
export function qrPath(modules: readonly (readonly boolean[])[]): string {
  const parts: string[] = [];
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x} ${y}h1v1h-1z`);
    });
  });
  return parts.join('');
}
