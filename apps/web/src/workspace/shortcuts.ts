/**
 * The keyboard shortcut registry: the shell and the open viewer each register their shortcuts
 * under a scope, one keydown listener dispatches them, and the help overlay is generated from the
 * same entries, so the help can never list a key that does nothing (or miss one that does).
 */

export interface Shortcut {
  /** Key specs: a key as `KeyboardEvent.key` gives it, lower case ('b', '[', '?', 'arrowup'), with 'ctrl+' (Ctrl or ⌘) and 'shift+' only where they matter. */
  keys: readonly string[];
  /** How the help shows the keys ('Ctrl+Z', '1 … 9', 'right drag'). */
  display: string;
  /** What it does, in words. */
  description: string;
  /** Absent for a gesture listed in the help only (mouse buttons, the wheel). */
  run?: (key: string) => void;
}

/** The key spec of an event, or null for a bare modifier. */
export function keySpec(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta'].includes(e.key)) return null;
  const key = e.key.toLowerCase();
  // Shift matters only with Ctrl (Ctrl+Shift+Z); alone it is part of the character ('?', '{').
  if (e.ctrlKey || e.metaKey) return `ctrl+${e.shiftKey ? 'shift+' : ''}${key}`;
  if (e.altKey) return `alt+${key}`;
  return key;
}

export class ShortcutRegistry {
  readonly #scopes = new Map<string, readonly Shortcut[]>();

  /** Sets (replaces) the shortcuts of a scope; returns the function that removes them. */
  set(scope: string, shortcuts: readonly Shortcut[]): () => void {
    this.#scopes.set(scope, shortcuts);
    return () => {
      if (this.#scopes.get(scope) === shortcuts) this.#scopes.delete(scope);
    };
  }

  /** Every shortcut, scope by scope in the order they were first set: the help's rows. */
  entries(): Shortcut[] {
    return [...this.#scopes.values()].flat();
  }

  /** Runs the shortcut bound to the event's key; true when one ran. */
  handle(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): boolean {
    const spec = keySpec(e);
    if (!spec) return false;
    for (const shortcut of this.entries()) {
      if (shortcut.run && shortcut.keys.includes(spec)) {
        shortcut.run(e.key);
        return true;
      }
    }
    return false;
  }
}

/** Whether a key event belongs to what has focus rather than to the shortcuts. */
export function typingTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined') return false;
  // Typing in a text or number field is not a shortcut; sliders and checkboxes keep the shortcuts.
  return target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && !['range', 'checkbox'].includes(target.type));
}

/**
 * Whether a shortcut that ran must also stop the key's own effect: Ctrl shortcuts (the browser's
 * save dialog), and any key while a slider has focus, since a slider would otherwise move with the
 * arrow key that scrolled the slices (and a slider keeps focus after it is dragged).
 */
export function stopsDefault(e: { ctrlKey: boolean; metaKey: boolean; target: EventTarget | null }): boolean {
  if (e.ctrlKey || e.metaKey) return true;
  const t = e.target as { tagName?: unknown; type?: unknown } | null;
  return t !== null && t.tagName === 'INPUT' && t.type === 'range';
}
