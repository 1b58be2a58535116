import type { Prng } from './prng.ts';
import type { SimClock } from './sim-clock.ts';

/** WebSocket close code of a connection that broke without a close frame. */
export const ABNORMAL_CLOSURE = 1006;

/** One side of a simulated WebSocket. */
export interface SocketEnd {
  /** True once this side knows the socket is closed. */
  readonly closed: boolean;
  /** Queues one frame to the other side (dropped once closed or broken). */
  send(frame: Uint8Array): void;
  /** Graceful close: the other side gets the frames already sent, then the close. */
  close(code: number, reason: string): void;
  onMessage: (frame: Uint8Array) => void;
  onClose: (code: number, reason: string) => void;
}

/** A simulated WebSocket between two hosts: FIFO in each direction, random delays. */
export interface SimSocket {
  /** The side of the host that opened it. */
  readonly a: SocketEnd;
  /** The side of the host it connected to. */
  readonly b: SocketEnd;
  /** Network failure: frames in flight are lost; each side learns of it after a delay (1006). */
  abort(): void;
}

export interface SimNetwork {
  /**
   * Opens a socket from host `from` to host `to`; `onOpen` runs after the handshake delay
   * unless the socket was aborted before (then side `a` gets 1006).
   */
  connect(from: string, to: string, onOpen: (socket: SimSocket) => void): SimSocket;
  /** Aborts every socket touching `host` (crash, partition). */
  abortHost(host: string): void;
  /** Aborts the sockets between hosts `x` and `y`. */
  abortBetween(x: string, y: string): void;
  /** Sockets touching `host` (open or still closing). */
  socketsOf(host: string): SimSocket[];
  /** Frames and closes still in flight (for the settle check). */
  inFlight(): number;
  /** Healed: only short delays from now on. */
  setCalm(calm: boolean): void;
  /**
   * Cuts (or heals) the path between hosts `x` and `y` only: their sockets are aborted and
   * new ones between them never open (P33: a client cut off from its owner alone).
   */
  block(x: string, y: string, blocked: boolean): void;
  /** Heals every path cut with `block`. */
  unblockAll(): void;
  /**
   * Routes everything that reaches `host` (frames, closes, accepted sockets) through `run`,
   * its process's pause gate (`sim-pause.ts`); `null` removes it.
   */
  gate(host: string, run: ((fn: () => void) => void) | null): void;
}

interface TrackedSocket extends SimSocket {
  readonly hosts: readonly [string, string];
}

interface EndState extends SocketEnd {
  closed: boolean;
}

/**
 * In-memory network: every frame is delivered after a random delay drawn from `prng`, in
 * order per direction (WebSocket is FIFO per connection), while different connections
 * interleave freely. A delay is usually 1–8 ms and sometimes 20–150 ms (a slow link), so
 * messages on different links overtake each other.
 */
export function createSimNetwork(clock: SimClock, prng: Prng): SimNetwork {
  const byHost = new Map<string, Set<TrackedSocket>>();
  let inFlight = 0;
  let calm = false;
  const blocked = new Set<string>();
  const gates = new Map<string, (fn: () => void) => void>();
  /** Runs `fn` in `host`'s process (queued while that process is paused). */
  const at = (host: string, fn: () => void) => {
    const run = gates.get(host);
    if (run) run(fn);
    else fn();
  };
  const pairKey = (x: string, y: string) => (x < y ? `${x}|${y}` : `${y}|${x}`);

  const delay = (): number => (!calm && prng.chance(0.12) ? prng.int(20, 150) : prng.int(1, 8));

  const track = (socket: TrackedSocket) => {
    for (const host of socket.hosts) {
      let set = byHost.get(host);
      if (!set) {
        set = new Set();
        byHost.set(host, set);
      }
      set.add(socket);
    }
  };
  const untrack = (socket: TrackedSocket) => {
    for (const host of socket.hosts) byHost.get(host)?.delete(socket);
  };

  const connect = (from: string, to: string, onOpen: (socket: SimSocket) => void): SimSocket => {
    let broken = false;
    let opened = false;
    const lastAt = { ab: 0, ba: 0 };
    const schedule = (dir: 'ab' | 'ba', fn: () => void) => {
      const due = Math.max(clock.now() + delay(), lastAt[dir]);
      lastAt[dir] = due;
      inFlight++;
      clock.after(due - clock.now(), () => {
        inFlight--;
        at(dir === 'ab' ? to : from, fn);
      });
    };
    const maybeDone = () => {
      if (a.closed && b.closed) untrack(socket);
    };
    const makeEnd = (dir: 'ab' | 'ba', other: () => EndState): EndState => {
      const end: EndState = {
        closed: false,
        onMessage: () => {},
        onClose: () => {},
        send(frame) {
          if (end.closed || broken || !opened) return;
          schedule(dir, () => {
            const peer = other();
            if (!broken && !peer.closed) peer.onMessage(frame);
          });
        },
        close(code, reason) {
          if (end.closed) return;
          end.closed = true;
          maybeDone();
          if (broken || !opened) return;
          schedule(dir, () => {
            const peer = other();
            if (broken || peer.closed) return;
            peer.closed = true;
            maybeDone();
            peer.onClose(code, reason);
          });
        },
      };
      return end;
    };
    const a: EndState = makeEnd('ab', () => b);
    const b: EndState = makeEnd('ba', () => a);
    const learn = (end: EndState) => {
      inFlight++;
      clock.after(delay(), () => {
        inFlight--;
        at(end === a ? from : to, () => {
          if (end.closed) return;
          end.closed = true;
          maybeDone();
          end.onClose(ABNORMAL_CLOSURE, 'connection lost');
        });
      });
    };
    const socket: TrackedSocket = {
      a,
      b,
      hosts: [from, to],
      abort() {
        if (broken) return;
        broken = true;
        if (!a.closed) learn(a);
        if (opened && !b.closed) learn(b);
        if (!opened) b.closed = true;
        maybeDone();
      },
    };
    track(socket);
    inFlight++;
    clock.after(delay(), () => {
      inFlight--;
      if (broken) return;
      if (blocked.has(pairKey(from, to))) {
        socket.abort();
        return;
      }
      // The dialer learns of the open and the listener accepts it: both processes run.
      at(from, () =>
        at(to, () => {
          if (broken) return;
          opened = true;
          onOpen(socket);
        }),
      );
    });
    return socket;
  };

  const socketsOf = (host: string): TrackedSocket[] => [...(byHost.get(host) ?? [])];

  return {
    connect,
    socketsOf,
    abortHost(host) {
      for (const s of socketsOf(host)) s.abort();
    },
    abortBetween(x, y) {
      for (const s of socketsOf(x)) if (s.hosts.includes(y)) s.abort();
    },
    inFlight: () => inFlight,
    setCalm(value) {
      calm = value;
    },
    block(x, y, value) {
      if (value) {
        blocked.add(pairKey(x, y));
        for (const s of socketsOf(x)) if (s.hosts.includes(y)) s.abort();
      } else blocked.delete(pairKey(x, y));
    },
    unblockAll() {
      blocked.clear();
    },
    gate(host, run) {
      if (run) gates.set(host, run);
      else gates.delete(host);
    },
  };
}
