import { describe, expect, it } from 'vitest';
import { keySpec, ShortcutRegistry, stopsDefault } from './shortcuts';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcut registry', () => {
  it('names keys with Ctrl (or ⌘) and Shift only where they matter', () => {
    expect(keySpec(press('B', { shiftKey: true }))).toBe('b');
    expect(keySpec(press('?', { shiftKey: true }))).toBe('?');
    expect(keySpec(press('z', { metaKey: true, shiftKey: true }))).toBe('ctrl+shift+z');
    expect(keySpec(press('ArrowUp'))).toBe('arrowup');
    expect(keySpec(press('Shift', { shiftKey: true }))).toBeNull();
  });

  it('runs the bound shortcut, passes the key, and lists every entry for the help in order', () => {
    const registry = new ShortcutRegistry();
    const ran: string[] = [];
    registry.set('shell', [
      { keys: ['b'], display: 'B', description: 'brush', run: (k) => ran.push(`brush ${k}`) },
      { keys: ['1', '2'], display: '1 … 9', description: 'select label', run: (k) => ran.push(`label ${k}`) },
    ]);
    const removeViewer = registry.set('viewer', [
      { keys: ['w'], display: 'W', description: 'next window preset', run: () => ran.push('window') },
      { keys: [], display: 'right drag', description: 'window / level' },
    ]);
    expect(registry.handle(press('B'))).toBe(true);
    expect(registry.handle(press('2'))).toBe(true);
    expect(registry.handle(press('w'))).toBe(true);
    expect(registry.handle(press('q'))).toBe(false);
    expect(registry.handle(press('b', { altKey: true }))).toBe(false);
    expect(ran).toEqual(['brush B', 'label 2', 'window']);
    expect(registry.entries().map((s) => s.display)).toEqual(['B', '1 … 9', 'W', 'right drag']);
    removeViewer();
    expect(registry.handle(press('w'))).toBe(false);
    expect(registry.entries().map((s) => s.display)).toEqual(['B', '1 … 9']);
  });

  it('a scope set again replaces its shortcuts, keeping its place', () => {
    const registry = new ShortcutRegistry();
    registry.set('a', [{ keys: ['x'], display: 'X', description: 'one' }]);
    registry.set('b', [{ keys: ['y'], display: 'Y', description: 'two' }]);
    registry.set('a', [{ keys: ['z'], display: 'Z', description: 'three' }]);
    expect(registry.entries().map((s) => s.description)).toEqual(['three', 'two']);
  });

  it('keeps a focused slider from moving with the arrow key that scrolls the slices', () => {
    const slider = { tagName: 'INPUT', type: 'range' } as unknown as EventTarget;
    const field = { tagName: 'INPUT', type: 'number' } as unknown as EventTarget;
    expect(stopsDefault({ ctrlKey: false, metaKey: false, target: slider })).toBe(true);
    expect(stopsDefault({ ctrlKey: false, metaKey: false, target: field })).toBe(false);
    expect(stopsDefault({ ctrlKey: false, metaKey: false, target: null })).toBe(false);
    expect(stopsDefault({ ctrlKey: true, metaKey: false, target: null })).toBe(true);
  });
});
