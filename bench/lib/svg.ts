/** One line of the chart: points in (offered updates/s, latency ms). */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** Dashed line (used for the physical floor). */
  readonly dashed?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number; readonly failed?: boolean }[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** A horizontal goal line (e.g. 100 ms). */
  readonly limit?: { readonly y: number; readonly label: string };
}

const W = 860;
const H = 460;
const M = { left: 70, right: 230, top: 46, bottom: 56 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

function fmt(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  return String(v);
}

/**
 * A log–log line chart as a standalone SVG document (no external fonts or scripts): one
 * line per series, failed points drawn hollow, an optional dashed goal line.
 */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const all = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y).concat(options.limit ? [options.limit.y] : []);
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...xs, 1000)));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...xs, 10_000)));
  const yMin = Math.min(0.1, 10 ** Math.floor(Math.log10(Math.min(...ys, 1))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 100)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) =>
    M.left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * pw;
  const py = (y: number) =>
    M.top +
    ph -
    ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
  );
  for (const x of decades(xMin, xMax)) {
    parts.push(
      `<line x1="${px(x)}" y1="${M.top}" x2="${px(x)}" y2="${M.top + ph}" stroke="#e5e5e5"/>`,
      `<text x="${px(x)}" y="${M.top + ph + 16}" text-anchor="middle" fill="#444">${fmt(x)}</text>`,
    );
  }
  for (const y of decades(yMin, yMax)) {
    parts.push(
      `<line x1="${M.left}" y1="${py(y)}" x2="${M.left + pw}" y2="${py(y)}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end" fill="#444">${fmt(y)}</text>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  if (options.limit) {
    const y = py(options.limit.y);
    parts.push(
      `<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${M.left + pw - 4}" y="${y - 5}" text-anchor="end" fill="#c00">${esc(options.limit.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x);
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`);
      parts.push(
        `<path d="${d.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      );
      for (const p of pts) {
        parts.push(
          `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${p.failed ? '#fff' : s.color}" stroke="${s.color}" stroke-width="2"/>`,
        );
      }
    }
    const ly = M.top + 10 + i * 22;
    const lx = M.left + pw + 16;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  const ly = M.top + 10 + series.length * 22 + 6;
  parts.push(
    `<circle cx="${M.left + pw + 28}" cy="${ly}" r="4" fill="#fff" stroke="#555" stroke-width="2"/>`,
    `<text x="${M.left + pw + 46}" y="${ly + 4}">step failed</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
