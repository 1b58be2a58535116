import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`, 100 on every mainstream kernel). */
const CLK_TCK = 100;

/** True when util-linux `taskset` is on the PATH. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to `cpu` (`taskset -a -p -c`). Throws when taskset fails. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Sets the nice value of every thread of `pid` (Linux schedules threads, so `renice -p` of the
 * pid alone misses threads that already exist). Returns false when not permitted (a negative
 * value needs root) or `pid` is gone.
 */
export function renice(pid: number, niceness: number): boolean {
  try {
    const tids = readdirSync(`/proc/${pid}/task`);
    execFileSync('renice', ['-n', String(niceness), '-p', ...tids], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Seconds the main thread of `pid` has spent runnable but waiting for a CPU
 * (`/proc/<pid>/schedstat`, field 2): time other processes took from it. NaN when gone.
 */
export function runQueueSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

/** Seconds of CPU (user + system) `pid` has used so far, or NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status), NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time of this process (all threads) in seconds. */
export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Busy CPU seconds of the whole machine so far (all cores: user, nice, system, irq, softirq,
 * steal from `/proc/stat`), NaN when unreadable.
 */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU and run-queue shares (0–1 of one core) over a measured interval. */
export interface CpuShares {
  /** CPU used by this process (all threads) and by the server `pid`. */
  readonly client: number;
  readonly server: number;
  /** Share of the interval the main thread of each waited for a CPU other processes held. */
  readonly clientWait: number;
  readonly serverWait: number;
  /**
   * CPU used on the machine by everything else: kernel threads working for these processes
   * (e.g. ext4 journal commits after fsync, loopback networking) and other processes.
   */
  readonly other: number;
}

/** Measures `CpuShares` of this process and of `pid` between `start` and `stop`. */
export function cpuMeter(pid: number) {
  let t0 = 0;
  let self0 = 0;
  let other0 = 0;
  let selfWait0 = 0;
  let otherWait0 = 0;
  let machine0 = 0;
  return {
    start(): void {
      t0 = performance.now();
      machine0 = machineBusySeconds();
      self0 = selfCpuSeconds();
      other0 = cpuSeconds(pid);
      selfWait0 = runQueueSeconds(process.pid);
      otherWait0 = runQueueSeconds(pid);
    },
    stop(): CpuShares {
      const wall = (performance.now() - t0) / 1000;
      const client = (selfCpuSeconds() - self0) / wall;
      const server = (cpuSeconds(pid) - other0) / wall;
      return {
        client,
        server,
        clientWait: (runQueueSeconds(process.pid) - selfWait0) / wall,
        serverWait: (runQueueSeconds(pid) - otherWait0) / wall,
        other: Math.max(0, (machineBusySeconds() - machine0) / wall - client - server),
      };
    },
  };
}

/**
 * CPU of several server processes together over an interval, the most any of them waited for a
 * CPU, and the CPU (cores) everything else on the machine used besides these servers and this
 * process (the generator processes' CPU is still inside `other`; the caller subtracts it).
 */
export function serverMeter(pids: readonly number[]) {
  let t0 = 0;
  let cpu0: number[] = [];
  let wait0: number[] = [];
  let machine0 = 0;
  let self0 = 0;
  return {
    start(): void {
      t0 = performance.now();
      machine0 = machineBusySeconds();
      self0 = selfCpuSeconds();
      cpu0 = pids.map(cpuSeconds);
      wait0 = pids.map(runQueueSeconds);
    },
    stop(): { cpu: number; wait: number; other: number; wall: number } {
      const wall = (performance.now() - t0) / 1000;
      const cpu = pids.reduce((a, pid, i) => a + (cpuSeconds(pid) - cpu0[i]!), 0) / wall;
      const wait = Math.max(0, ...pids.map((pid, i) => (runQueueSeconds(pid) - wait0[i]!) / wall));
      const self = (selfCpuSeconds() - self0) / wall;
      const other = Math.max(0, (machineBusySeconds() - machine0) / wall - cpu - self);
      return { cpu, wait, other, wall };
    },
  };
}
