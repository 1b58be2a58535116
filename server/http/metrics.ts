/**
 * A tiny Prometheus text-format registry, one per node (no global registry, so several
 * nodes can run in one process). Counters, gauges (set or computed on scrape) and
 * histograms with fixed buckets; label sets are small and known in advance.
 */
export interface Counter {
  inc(by?: number): void;
}
export interface Gauge {
  set(value: number): void;
}
export interface Histogram {
  /** Records one observation in seconds. */
  observe(seconds: number): void;
}

export interface MetricsRegistry {
  counter(name: string, help: string, labels?: Record<string, string>): Counter;
  gauge(name: string, help: string, labels?: Record<string, string>): Gauge;
  /** A gauge whose value is read at scrape time. */
  computed(name: string, help: string, read: () => number): void;
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram;
  /** Prometheus text exposition format 0.0.4. */
  render(): string;
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Map<string, { value: number }>;
  read?: () => number;
  hist?: { buckets: readonly number[]; counts: number[]; sum: number; count: number };
}

export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>();
  const family = (name: string, help: string, type: Family['type']): Family => {
    let f = families.get(name);
    if (!f) {
      f = { help, type, samples: new Map() };
      families.set(name, f);
    }
    return f;
  };
  const labelKey = (labels?: Record<string, string>) =>
    labels
      ? `{${Object.entries(labels)
          .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
          .join(',')}}`
      : '';
  const sample = (f: Family, labels?: Record<string, string>) => {
    const key = labelKey(labels);
    let s = f.samples.get(key);
    if (!s) {
      s = { value: 0 };
      f.samples.set(key, s);
    }
    return s;
  };
  return {
    counter(name, help, labels) {
      const s = sample(family(name, help, 'counter'), labels);
      return {
        inc: (by = 1) => {
          s.value += by;
        },
      };
    },
    gauge(name, help, labels) {
      const s = sample(family(name, help, 'gauge'), labels);
      return {
        set: (v) => {
          s.value = v;
        },
      };
    },
    computed(name, help, read) {
      family(name, help, 'gauge').read = read;
    },
    histogram(name, help, buckets = DEFAULT_BUCKETS) {
      const f = family(name, help, 'histogram');
      const hist = { buckets, counts: buckets.map(() => 0), sum: 0, count: 0 };
      f.hist = hist;
      return {
        observe(seconds) {
          hist.sum += seconds;
          hist.count++;
          for (let i = 0; i < buckets.length; i++) {
            if (seconds <= (buckets[i] as number)) hist.counts[i] = (hist.counts[i] as number) + 1;
          }
        },
      };
    },
    render() {
      const lines: string[] = [];
      for (const [name, f] of families) {
        lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
        if (f.read) lines.push(`${name} ${f.read()}`);
        for (const [key, s] of f.samples) lines.push(`${name}${key} ${s.value}`);
        if (f.hist) {
          const h = f.hist;
          h.buckets.forEach((b, i) => {
            lines.push(`${name}_bucket{le="${b}"} ${h.counts[i]}`);
          });
          lines.push(
            `${name}_bucket{le="+Inf"} ${h.count}`,
            `${name}_sum ${h.sum}`,
            `${name}_count ${h.count}`,
          );
        }
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
