// Styles of the project pages (list, workflow configuration, QA dashboard).
const projectCss = `
.page h2 { margin: 4px 0 12px; }
.page h3 { margin: 20px 0 8px; font-size: 15px; color: #c7d0da; }
.page .muted { color: #8b95a1; }
.page a { color: #9cc3f0; }
.config { max-width: 860px; }
.config fieldset { border: 1px solid #2e353e; border-radius: 6px; margin: 0 0 14px; padding: 10px 14px; }
.config legend { color: #aab2bd; padding: 0 6px; }
.config .field { margin: 8px 0; }
.config .field > label { display: block; color: #aab2bd; margin-bottom: 3px; }
.config .field input[type=number], .config .field select { min-width: 220px; }
.config .choice { display: flex; gap: 8px; align-items: flex-start; margin: 6px 0; }
.config .choice p { margin: 2px 0 0; color: #8b95a1; font-size: 12px; }
.config .checks { display: flex; flex-wrap: wrap; gap: 6px 16px; }
.field-error { color: #ff9d9d; font-size: 12px; margin-top: 3px; }
.saved-note { color: #8fd19e; margin-left: 10px; }
.dashboard { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
.chart { margin: 0; overflow-x: auto; background: #15191e; border: 1px solid #2e353e; border-radius: 6px; padding: 10px; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart .axis { fill: #aab2bd; font-size: 11px; }
.chart .empty { color: #8b95a1; font-style: italic; }
.chart .values { color: #8b95a1; font-size: 11px; word-break: break-word; }
table.data { border-collapse: collapse; margin-top: 6px; font-size: 12px; }
table.data td, table.data th { padding: 2px 8px; border-bottom: 1px solid #2a3038; text-align: left; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.category-high { color: #8fd19e; } .category-low { color: #ffb36b; }
.stat-row { display: flex; gap: 18px; flex-wrap: wrap; margin-bottom: 12px; }
.stat { background: #15191e; border: 1px solid #2e353e; border-radius: 6px; padding: 8px 12px; }
.stat strong { display: block; font-size: 20px; }
`;

const projectStyle = document.createElement('style');
projectStyle.textContent = projectCss;
document.head.append(projectStyle);
export {};
