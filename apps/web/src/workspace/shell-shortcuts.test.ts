import { describe, expect, it } from 'vitest';
import { createToolSet, toolBar, type ToolId } from '../tools';
import { centreOf, shellShortcuts, withoutClaimedKeys, type ShellActions } from './shell-shortcuts';
import { ShortcutRegistry } from './shortcuts';

function recording(withMark: boolean, shellSaves = true) {
  const calls: string[] = [];
  const actions: ShellActions = {
    setTool: (id: ToolId) => calls.push(`tool ${id}`),
    toggleSphere: () => calls.push('sphere'),
    resize: (d) => calls.push(`resize ${d}`),
    selectLabel: (i) => calls.push(`label ${i}`),
    toggleSelectedVisible: () => calls.push('visible'),
    interpolate: () => calls.push('interpolate'),
    undo: () => calls.push('undo'),
    redo: () => calls.push('redo'),
    save: shellSaves ? () => calls.push('save') : null,
    toggleMark: withMark ? () => calls.push('mark') : null,
    toggleHelp: () => calls.push('help'),
    escape: () => calls.push('escape'),
  };
  const registry = new ShortcutRegistry();
  registry.set('shell', shellShortcuts(actions));
  return { calls, registry };
}

const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('the shell shortcuts', () => {
  it("bind every tool bar tool's own shortcut to that tool", () => {
    const { calls, registry } = recording(false);
    const tools = createToolSet();
    for (const id of toolBar) expect(registry.handle(key(tools[id].shortcut.toLowerCase()))).toBe(true);
    expect(calls).toEqual(toolBar.map((id) => `tool ${id}`));
  });

  it('undo, redo (Ctrl+Y and Ctrl+Shift+Z), save, labels, brush size; marking only when offered', () => {
    const { calls, registry } = recording(false);
    registry.handle(key('z', { ctrlKey: true }));
    registry.handle(key('Z', { ctrlKey: true, shiftKey: true }));
    registry.handle(key('y', { ctrlKey: true }));
    registry.handle(key('s', { ctrlKey: true }));
    registry.handle(key('3'));
    registry.handle(key('['));
    registry.handle(key('i'));
    expect(registry.handle(key('m'))).toBe(false);
    expect(calls).toEqual(['undo', 'redo', 'redo', 'save', 'label 2', 'resize -1', 'interpolate']);
    const marking = recording(true);
    marking.registry.handle(key('m'));
    expect(marking.calls).toEqual(['mark']);
    expect(marking.registry.entries().some((s) => /significant region/.test(s.description))).toBe(true);
  });

  it('leave Ctrl+S to a viewer that saves through its own controls (cine, video)', () => {
    const { calls, registry } = recording(false, false);
    expect(registry.handle(key('s', { ctrlKey: true }))).toBe(false);
    expect(calls).toEqual([]);
    expect(registry.entries().some((s) => s.description === 'save')).toBe(false);
  });

  it('goes to the centre of a marked box', () => {
    expect(centreOf({ min: [2, 4, 6], max: [4, 9, 6] })).toEqual([3, 7, 6]);
  });

  it('leave the tool keys to a viewer that brings its own tools (slides)', () => {
    const { registry } = recording(false);
    const actions = { setTool: () => undefined, toggleSphere: () => undefined, resize: () => undefined, selectLabel: () => undefined, toggleSelectedVisible: () => undefined, interpolate: () => undefined, undo: () => undefined, redo: () => undefined, save: () => undefined, toggleMark: null, toggleHelp: () => undefined, escape: () => undefined };
    const slide = new ShortcutRegistry();
    slide.set('shell', shellShortcuts({ ...actions, volumeTools: false }));
    for (const k of ['b', 'e', 'r', 'f', 'i', '[', ']', 's']) expect(slide.handle(key(k))).toBe(false);
    expect(slide.handle(key('z', { ctrlKey: true }))).toBe(true);
    expect(slide.handle(key('2'))).toBe(true);
    expect(registry.handle(key('b'))).toBe(true);
  });

  it('leave the keys a viewer claims to it (the OCT workspace’s 1 … 9 and S)', () => {
    const actions = { setTool: () => undefined, toggleSphere: () => undefined, resize: () => undefined, selectLabel: () => undefined, toggleSelectedVisible: () => undefined, interpolate: () => undefined, undo: () => undefined, redo: () => undefined, save: () => undefined, toggleMark: null, toggleHelp: () => undefined, escape: () => undefined };
    const oct = new ShortcutRegistry();
    oct.set('shell', withoutClaimedKeys(shellShortcuts(actions), ['1', 's']));
    expect(oct.handle(key('2'))).toBe(false);
    expect(oct.handle(key('s'))).toBe(false);
    expect(oct.handle(key('b'))).toBe(true);
    expect(withoutClaimedKeys(shellShortcuts(actions), undefined)).toHaveLength(shellShortcuts(actions).length);
  });
});
