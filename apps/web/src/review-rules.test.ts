import { describe, expect, it } from 'vitest';
import { liverCtReviewProtocol, ReviewAnswerInput } from '@delineate/schema';
import { answersToInput, hd95RefetchMs, hd95Text, reviewProblems, type Answer } from './review-rules';
import { boxOnPlane } from './viewer/overlay';
import { countOverlay, diffOverlay } from './workflow-api';

const checklist = liverCtReviewProtocol.checklist.filter((c) => c.labelKey === 'liver');
const answered = (change: (key: string) => Partial<Answer> = () => ({})) =>
  new Map(checklist.map((c) => [c.key, { passed: true, errorType: c.errorType, note: '', ...change(c.key) } as Answer]));

describe('review rules in the page', () => {
  it('names the unanswered items and refuses without a decision', () => {
    const some = answered();
    some.delete(checklist[1]!.key);
    expect(reviewProblems(checklist, some, null, false)).toEqual([`1 checklist item is not answered: “${checklist[1]!.question}”`, 'Choose a decision']);
    expect(reviewProblems(checklist, new Map(), 'accept', false)[0]).toBe(`${checklist.length} checklist items are not answered: ${checklist.map((c) => `“${c.question}”`).join(', ')}`);
  });

  it('ties the decision to the answers and a correction', () => {
    const allPass = answered();
    const oneFail = answered((k) => (k === checklist[0]!.key ? { passed: false } : {}));
    expect(reviewProblems(checklist, allPass, 'accept', false)).toEqual([]);
    expect(reviewProblems(checklist, oneFail, 'accept', false)).toEqual(['Work with failed checklist items cannot be accepted: correct or reject it']);
    expect(reviewProblems(checklist, allPass, 'reject', false)).toEqual(['A reject decision needs at least one failed checklist item']);
    expect(reviewProblems(checklist, oneFail, 'reject', false)).toEqual([]);
    expect(reviewProblems(checklist, oneFail, 'correct', false)).toEqual(['Edit the mask in the viewer to correct it (the edits are saved as a correction revision)']);
    expect(reviewProblems(checklist, oneFail, 'correct', true)).toEqual([]);
    expect(reviewProblems(checklist, oneFail, 'reject', true)).toEqual(['You edited the mask: choose Correct to sign the edits as a correction, or undo them to reject']);
  });

  it('needs a comment for "other", and sends answers the server schema accepts', () => {
    const other = answered((k) => (k === checklist[0]!.key ? { passed: false, errorType: 'other' } : {}));
    expect(reviewProblems(checklist, other, 'reject', false)).toEqual([`“${checklist[0]!.question}”: the error type "other" needs a comment`]);
    other.set(checklist[0]!.key, { passed: false, errorType: 'other', note: '  missed segment VI  ' });
    expect(reviewProblems(checklist, other, 'reject', false)).toEqual([]);
    const input = answersToInput(checklist, other);
    expect(input[0]).toEqual({ itemKey: checklist[0]!.key, passed: false, errorType: 'other', note: 'missed segment VI' });
    expect(input.slice(1).every((a) => a.passed && a.errorType === undefined)).toBe(true);
    for (const a of input) expect(ReviewAnswerInput.safeParse(a).success).toBe(true);
  });
});

describe('correction overlay', () => {
  it('codes added, removed and relabelled voxels as the server does', () => {
    const before = Uint8Array.from([0, 1, 1, 2, 0, 2]);
    const after = Uint8Array.from([1, 0, 2, 2, 0, 1]);
    const overlay = diffOverlay(before, after);
    expect(Array.from(overlay)).toEqual([1, 2, 3, 0, 0, 3]);
    expect(countOverlay(overlay)).toEqual({ added: 1, removed: 1, relabelled: 2 });
  });

  it('places a marked box on each view', () => {
    const dims = { columns: 10, rows: 8, slices: 6, spacing: [1, 1, 1] as const };
    const box = { min: [2, 3, 1] as const, max: [4, 5, 2] as const, colour: '#fff' };
    expect(boxOnPlane(dims, 'axial', 1, box)).toEqual([2, 3, 4, 5]);
    expect(boxOnPlane(dims, 'axial', 3, box)).toBeNull();
    // Coronal and sagittal put the highest slice at the top: z 1..2 → v 3..4 of 6 slices.
    expect(boxOnPlane(dims, 'coronal', 4, box)).toEqual([2, 3, 4, 4]);
    expect(boxOnPlane(dims, 'sagittal', 3, box)).toEqual([3, 3, 5, 4]);
    expect(boxOnPlane(dims, 'sagittal', 5, box)).toBeNull();
  });
});

describe("a correction's HD95 in the review panel", () => {
  it('says computing until the job has measured it, then the distance, or a dash when there is none', () => {
    expect(hd95Text({ hd95Mm: null, hd95Computing: true })).toBe('computing…');
    expect(hd95Text({ hd95Mm: 2.345 })).toBe('2.3 mm');
    expect(hd95Text({ hd95Mm: null })).toBe('—');
  });
});

describe('hd95RefetchMs', () => {
  it('asks again every 2 s while a correction’s HD95 is computing, and stops once all are there', () => {
    expect(hd95RefetchMs([{ hd95Computing: true }, {}])).toBe(2000);
    expect(hd95RefetchMs([{ hd95Computing: false }, {}])).toBe(false);
    expect(hd95RefetchMs([])).toBe(false);
    expect(hd95RefetchMs(undefined)).toBe(false);
  });
});
