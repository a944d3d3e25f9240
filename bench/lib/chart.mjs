// A latency chart as plain SVG (no chart library): one cumulative distribution per series,
// latency on a log scale across, share of deliveries up. Each series is the list of
// evenly spaced quantiles a result keeps (stats.mjs `quantiles`).
const COLORS = ['#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];
const W = 760;
const H = 420;
const M = { left: 64, right: 40, top: 40, bottom: 120 };

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (ms) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

export function cdfChart({ title, series }) {
  const values = series.flatMap((s) => s.quantiles).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (ms) => M.left + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const y = (share) => M.top + (1 - share) * plotH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let ms = lo; ms <= hi; ms *= 10) {
    out.push(`<line x1="${x(ms)}" y1="${M.top}" x2="${x(ms)}" y2="${M.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x(ms)}" y="${M.top + plotH + 16}" text-anchor="middle">${label(ms)}</text>`);
  }
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${M.left}" y1="${y(share)}" x2="${M.left + plotW}" y2="${y(share)}" stroke="${share === 0.5 ? '#bbb' : '#eee'}"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(share) + 4}" text-anchor="end">${Math.round(share * 100)}%</text>`);
  }
  // The tail is what the targets are about: mark p99 across the plot.
  out.push(`<line x1="${M.left}" y1="${y(0.99)}" x2="${M.left + plotW}" y2="${y(0.99)}" stroke="#999" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${M.left + plotW + 4}" y="${y(0.99) + 4}">p99</text>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle">latency from send to receipt (log scale)</text>`);
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">share of deliveries at or below</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.quantiles.map((ms, k) => `${x(ms).toFixed(1)},${y(k / (s.quantiles.length - 1)).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const row = M.top + plotH + 52 + Math.floor(i / 2) * 18;
    const col = M.left + (i % 2) * (plotW / 2);
    out.push(`<line x1="${col}" y1="${row - 4}" x2="${col + 24}" y2="${row - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${col + 30}" y="${row}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
