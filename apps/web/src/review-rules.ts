import type { ErrorType } from '@delineate/schema';
import type { ChecklistItem, CorrectionSize, Decision, ReviewSubmission } from './workflow-api';

// The rules a review must meet before it is signed, checked in the page (the server checks the
// same, and more, when it is submitted).

export interface Answer {
  passed: boolean | null;
  errorType: ErrorType;
  note: string;
}

/**
 * What stops a review from being signed, in plain words (the server checks the same and more).
 * `correctionAvailable`: a correction revision is saved, or unsent edits will be saved as one.
 */
export function reviewProblems(checklist: readonly ChecklistItem[], answers: ReadonlyMap<string, Answer>, decision: Decision | null, correctionAvailable: boolean): string[] {
  const problems: string[] = [];
  const unanswered = checklist.filter((c) => answers.get(c.key)?.passed == null);
  if (unanswered.length) problems.push(`${unanswered.length} checklist item${unanswered.length === 1 ? ' is' : 's are'} not answered: ${unanswered.map((c) => `“${c.question}”`).join(', ')}`);
  for (const c of checklist) {
    const a = answers.get(c.key);
    if (a?.passed === false && a.errorType === 'other' && !a.note.trim()) problems.push(`“${c.question}”: the error type "other" needs a comment`);
  }
  const failed = checklist.filter((c) => answers.get(c.key)?.passed === false).length;
  if (!decision) problems.push('Choose a decision');
  else if (decision === 'accept' && failed > 0) problems.push('Work with failed checklist items cannot be accepted: correct or reject it');
  else if (decision !== 'accept' && failed === 0) problems.push(`A ${decision} decision needs at least one failed checklist item`);
  if (decision === 'correct' && !correctionAvailable) problems.push('Edit the mask in the viewer to correct it (the edits are saved as a correction revision)');
  if (decision && decision !== 'correct' && correctionAvailable) problems.push(`You edited the mask: choose Correct to sign the edits as a correction, or undo them to ${decision}`);
  return problems;
}

export function answersToInput(checklist: readonly ChecklistItem[], answers: ReadonlyMap<string, Answer>): ReviewSubmission['answers'] {
  return checklist.map((c) => {
    const a = answers.get(c.key)!;
    const note = a.note.trim();
    return a.passed ? { itemKey: c.key, passed: true, ...(note ? { note } : {}) } : { itemKey: c.key, passed: false, errorType: a.errorType, ...(note ? { note } : {}) };
  });
}


/** A correction's HD95 in words: "computing…" while the job that measures it after the signature runs. */
export function hd95Text(size: Pick<CorrectionSize, 'hd95Mm' | 'hd95Computing'>): string {
  if (size.hd95Computing) return 'computing…';
  return size.hd95Mm === null ? '—' : `${size.hd95Mm.toFixed(1)} mm`;
}

/**
 * How soon a page showing correction sizes asks again: every 2 s while the job that measures a
 * correction's HD95 after its signature still runs, and no more once every one is there.
 */
export function hd95RefetchMs(sizes: ReadonlyArray<Pick<CorrectionSize, 'hd95Computing'>> | undefined): number | false {
  return sizes?.some((s) => s.hd95Computing) ? 2000 : false;
}
