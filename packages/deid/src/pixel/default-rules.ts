import { parsePixelRules, type PixelRules } from './rules';

/**
 * The pixel rules shipped with Delineate. A site adds its own devices with a rules file of the
 * same shape (`parsePixelRules`). Regions are measured on real images of each device; a device
 * not listed here gets no allowed text, so any text OCR finds on it goes to quarantine.
 */
export const defaultPixelRules: PixelRules = parsePixelRules({
  version: 1,
  rules: [
    {
      id: 'philips-epiq-5g-us-1024x768',
      description:
        'Philips EPIQ 5G ultrasound, 1024×768 frames. Expected text: the preset and index line under the banner, the acquisition parameter panel on the left, the thermal/mechanical indices, grey bar and depth scale on the right. The top banner (patient name, ID, birth date, institution, date) is NOT allowed: text there sends the image to quarantine until a steward blanks it.',
      match: { manufacturer: 'Philips Medical Systems', model: 'EPIQ 5G', modality: 'US', rows: 768, columns: 1024 },
      blank: [],
      allowText: [
        { x: 0, y: 24, width: 1024, height: 22 },
        { x: 0, y: 24, width: 126, height: 744 },
        { x: 810, y: 24, width: 214, height: 744 },
      ],
    },
  ],
});
