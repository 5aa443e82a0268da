const css = `
* { box-sizing: border-box; }
html, body, #root { margin: 0; height: 100%; background: #111418; color: #e6e8eb; font: 14px/1.4 system-ui, sans-serif; }
button { background: #2a3038; color: #e6e8eb; border: 1px solid #3c444f; border-radius: 4px; padding: 4px 8px; cursor: pointer; font: inherit; }
button:hover { background: #353d47; }
button.active { background: #2f6fb3; border-color: #4b8fd6; }
button:disabled { opacity: 0.5; cursor: default; }
input, select { background: #1b2026; color: #e6e8eb; border: 1px solid #3c444f; border-radius: 4px; padding: 4px 6px; font: inherit; }
.center { display: flex; align-items: center; justify-content: center; min-height: 100%; }
.card { background: #1b2026; border: 1px solid #2e353e; border-radius: 8px; padding: 24px; width: 380px; }
.card h1 { margin: 0 0 16px; font-size: 20px; }
.card label { display: block; margin: 10px 0 4px; color: #aab2bd; }
.card input { width: 100%; }
.card .actions { margin-top: 16px; display: flex; gap: 8px; }
.error { background: #4a1d1d; border: 1px solid #8a2f2f; color: #ffd7d7; padding: 8px 10px; border-radius: 4px; margin: 10px 0; }
.error code { color: #ffb0b0; }
.notice { background: #1d3a4a; border: 1px solid #2f6f8a; padding: 8px 10px; border-radius: 4px; margin: 8px 0; }
.topbar { display: flex; align-items: center; gap: 12px; padding: 6px 12px; background: #181c21; border-bottom: 1px solid #2e353e; height: 44px; }
.topbar .grow { flex: 1; }
.page { padding: 16px 24px; }
table.tasks { border-collapse: collapse; width: 100%; max-width: 900px; }
table.tasks td, table.tasks th { text-align: left; padding: 8px; border-bottom: 1px solid #2e353e; }
.workspace { display: grid; grid-template-columns: 220px 1fr 300px; height: calc(100% - 44px); }
.panel { padding: 10px; overflow-y: auto; border-right: 1px solid #2e353e; background: #15191e; }
.panel.right { border-right: none; border-left: 1px solid #2e353e; }
.panel h3 { margin: 12px 0 6px; font-size: 12px; text-transform: uppercase; color: #8b95a1; letter-spacing: 0.05em; }
.panel .row { display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px; align-items: center; }
.views { display: grid; gap: 2px; background: #000; min-height: 0; }
.views.mpr { grid-template-columns: 1fr 1fr; grid-template-rows: 1fr 1fr; }
.views.stack { grid-template-columns: 1fr; grid-template-rows: 1fr; }
.pane { position: relative; min-width: 0; min-height: 0; overflow: hidden; background: #000; }
.pane canvas { position: absolute; inset: 0; width: 100%; height: 100%; touch-action: none; }
.pane .caption { position: absolute; left: 6px; top: 4px; font-size: 12px; color: #c7d0da; pointer-events: none; text-shadow: 0 0 3px #000; }
.label-item { display: flex; align-items: center; gap: 6px; padding: 4px; border-radius: 4px; cursor: pointer; }
.label-item.selected { background: #26303b; outline: 1px solid #4b8fd6; }
.swatch { width: 14px; height: 14px; border-radius: 3px; display: inline-block; }
.definition p, .definition li { font-size: 12px; color: #c7d0da; }
.definition ul { padding-left: 16px; margin: 4px 0; }
.save-state { padding: 2px 8px; border-radius: 10px; font-size: 12px; }
.save-state.saved { background: #1f4a2c; } .save-state.unsaved { background: #4a3d1d; } .save-state.saving { background: #1d3a4a; }
.save-state.conflict, .save-state.failed { background: #4a1d1d; } .save-state.readonly { background: #333; }
.overlay { position: fixed; inset: 0; background: rgba(0,0,0,0.6); display: flex; align-items: center; justify-content: center; z-index: 10; }
.overlay .card { width: 520px; }
.keys td { padding: 2px 10px 2px 0; } .keys kbd { background: #2a3038; border: 1px solid #3c444f; border-radius: 3px; padding: 0 4px; }
.progress { height: 3px; background: #2f6fb3; position: absolute; left: 0; bottom: 0; }
`;

const style = document.createElement('style');
style.textContent = css;
document.head.append(style);
