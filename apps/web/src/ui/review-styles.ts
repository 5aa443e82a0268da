// Styles of the workflow panels (ReviewPanel.tsx), beside the base styles in styles.ts.
const reviewCss = `
.workspace.with-review { grid-template-columns: 220px 1fr 260px 380px; }
.review-panel { border-right: none; border-left: 1px solid #2e353e; }
.workflow-panel { border-bottom: 1px solid #2e353e; padding-bottom: 8px; margin-bottom: 8px; }
.stage { background: #2f6fb3; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.muted { color: #8b95a1; font-size: 12px; }
.note { color: #c7d0da; font-size: 12px; font-style: italic; }
button.primary { background: #2f6fb3; border-color: #4b8fd6; }
button.fail.active { background: #8a2f2f; border-color: #b84a4a; }
.returned { background: #4a3d1d; border: 1px solid #8a6f2f; border-radius: 4px; padding: 6px 8px; margin: 6px 0; font-size: 13px; }
.returned p { margin: 0 0 4px; }
.failed-items { margin: 4px 0; padding-left: 16px; font-size: 12px; }
.marks { list-style: none; margin: 4px 0; padding: 0; font-size: 12px; }
.marks li { border-left: 3px solid #888; padding: 2px 6px; margin-bottom: 4px; }
.checklist-label { margin-bottom: 8px; }
.label-head { display: flex; gap: 6px; align-items: center; font-weight: 600; margin: 4px 0; }
.check { border: 1px solid #2e353e; border-radius: 4px; padding: 6px; margin-bottom: 4px; }
.check.pass { border-color: #2f7a45; } .check.fail { border-color: #8a2f2f; }
.check .question { font-size: 12px; margin-bottom: 4px; }
.problems { background: #4a1d1d; border: 1px solid #8a2f2f; color: #ffd7d7; border-radius: 4px; padding: 6px 6px 6px 22px; font-size: 12px; }
.legend { display: flex; gap: 10px; font-size: 12px; flex-wrap: wrap; }
.legend .swatch { vertical-align: middle; }
table.sizes { border-collapse: collapse; font-size: 12px; width: 100%; margin: 4px 0; }
table.sizes td, table.sizes th { text-align: right; padding: 2px 4px; border-bottom: 1px solid #2e353e; }
table.sizes td:first-child, table.sizes th:first-child { text-align: left; }
.history-entry { font-size: 12px; border-top: 1px solid #2e353e; padding: 4px 0; }
textarea { background: #1b2026; color: #e6e8eb; border: 1px solid #3c444f; border-radius: 4px; padding: 4px 6px; font: inherit; width: 100%; }
`;

const reviewStyle = document.createElement('style');
reviewStyle.textContent = reviewCss;
document.head.append(reviewStyle);

export {};
