type Listener = (...args: never[]) => void;

/** A minimal typed event emitter; listener errors are reported, never propagated. */
export interface Emitter<E extends Record<string, unknown[]>> {
  on<K extends keyof E>(type: K, listener: (...args: E[K]) => void): void;
  off<K extends keyof E>(type: K, listener: (...args: E[K]) => void): void;
  emit<K extends keyof E>(type: K, ...args: E[K]): void;
}

/** Creates an emitter. Listeners run in subscription order on a snapshot of the list. */
export function createEmitter<E extends Record<string, unknown[]>>(): Emitter<E> {
  const listeners = new Map<keyof E, Set<Listener>>();
  return {
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) {
        set = new Set();
        listeners.set(type, set);
      }
      set.add(listener as unknown as Listener);
    },
    off(type, listener) {
      listeners.get(type)?.delete(listener as unknown as Listener);
    },
    emit(type, ...args) {
      const set = listeners.get(type);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          (listener as unknown as (...a: typeof args) => void)(...args);
        } catch (error) {
          console.error(error);
        }
      }
    },
  };
}
