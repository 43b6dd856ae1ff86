// A price-over-time chart on <canvas>: each series is a step line (a price holds until the next change). Points are
// reduced to the pixel width first (the lowest and highest price per pixel column), so a week of prices draws in one
// pass of a few thousand line segments however many points arrive. The canvas reports what it drew in data-*.
export const COLOURS = ['#0b5cad', '#d1495b', '#2a9d8f', '#e9a03b', '#6a4c93', '#3d5a80', '#8ac926', '#ff595e'];

/** series: [{ label, points: [{ timestamp, pricePerHour }] }] (points oldest first). */
export function drawPriceChart(canvas, series) {
  const started = performance.now();
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = Math.max(200, Math.floor(canvas.clientWidth || 800));
  const cssHeight = Math.max(150, Math.floor(canvas.clientHeight || 320));
  canvas.width = cssWidth * ratio;
  canvas.height = cssHeight * ratio;
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, cssWidth, cssHeight);

  const parsed = series.map(s => ({
    label: s.label,
    t: Float64Array.from(s.points, p => Date.parse(p.timestamp)),
    v: Float64Array.from(s.points, p => Number(p.pricePerHour)),
  })).filter(s => s.t.length > 0);
  const total = parsed.reduce((n, s) => n + s.t.length, 0);
  if (total === 0) {
    g.fillStyle = '#5b6672';
    g.font = '14px system-ui, sans-serif';
    g.fillText('No prices for this market yet.', 16, 32);
    report(canvas, { total: 0, drawn: 0, series: 0, spanHours: 0, started });
    return;
  }

  let t0 = Infinity, t1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  for (const s of parsed) {
    t0 = Math.min(t0, s.t[0]); t1 = Math.max(t1, s.t[s.t.length - 1]);
    for (let i = 0; i < s.v.length; i++) { if (s.v[i] < v0) v0 = s.v[i]; if (s.v[i] > v1) v1 = s.v[i]; }
  }
  if (t1 === t0) t1 = t0 + 60_000;
  const pad = (v1 - v0) * 0.08 || v0 * 0.05 || 0.01;
  v0 = Math.max(0, v0 - pad); v1 += pad;

  const left = 64, right = 12, top = 12, bottom = 28;
  const width = cssWidth - left - right, height = cssHeight - top - bottom;
  const x = t => left + ((t - t0) / (t1 - t0)) * width;
  const y = v => top + height - ((v - v0) / (v1 - v0)) * height;

  axes(g, { left, top, width, height, t0, t1, v0, v1, x, y });

  let drawn = 0;
  parsed.forEach((s, index) => {
    g.strokeStyle = COLOURS[index % COLOURS.length];
    g.lineWidth = 1.5;
    g.beginPath();
    // Per pixel column: the price entering it, its lowest and highest, and the price leaving it.
    let column = -1, low = 0, high = 0, last = 0, first = true;
    const flush = () => {
      if (column < 0) return;
      g.lineTo(column, y(low)); g.lineTo(column, y(high)); g.lineTo(column, y(last));
      drawn += 3;
    };
    for (let i = 0; i < s.t.length; i++) {
      const px = Math.round(x(s.t[i]));
      const v = s.v[i];
      if (first) { g.moveTo(px, y(v)); first = false; column = px; low = high = last = v; drawn++; continue; }
      if (px !== column) {
        flush();
        g.lineTo(px, y(last)); // the previous price holds until this change
        drawn++;
        column = px; low = high = v;
      }
      if (v < low) low = v;
      if (v > high) high = v;
      last = v;
    }
    flush();
    g.lineTo(left + width, y(last));
    drawn++;
    g.stroke();
  });

  report(canvas, { total, drawn, series: parsed.length, spanHours: (t1 - t0) / 3_600_000, started });
}

function report(canvas, { total, drawn, series, spanHours, started }) {
  canvas.dataset.pointsTotal = String(total);
  canvas.dataset.pointsDrawn = String(drawn);
  canvas.dataset.series = String(series);
  canvas.dataset.spanHours = spanHours.toFixed(2);
  canvas.dataset.renderMs = (performance.now() - started).toFixed(1);
  canvas.dataset.state = total === 0 ? 'empty' : 'drawn';
  canvas.setAttribute('aria-label', total === 0
    ? 'Price chart: no prices yet'
    : `Price chart: ${series} series, ${total} prices over ${spanHours.toFixed(1)} hours`);
}

function axes(g, { left, top, width, height, t0, t1, v0, v1, x, y }) {
  g.strokeStyle = '#d6dbe0';
  g.fillStyle = '#5b6672';
  g.font = '11px system-ui, sans-serif';
  g.lineWidth = 1;
  g.beginPath();
  for (let i = 0; i <= 4; i++) {
    const v = v0 + ((v1 - v0) * i) / 4;
    const py = Math.round(y(v)) + 0.5;
    g.moveTo(left, py); g.lineTo(left + width, py);
    g.fillText(`$${v.toFixed(v < 1 ? 4 : 2)}`, 4, py + 4);
  }
  const spanDays = (t1 - t0) / 86_400_000;
  for (let i = 0; i <= 5; i++) {
    const t = t0 + ((t1 - t0) * i) / 5;
    const px = Math.round(x(t)) + 0.5;
    g.moveTo(px, top); g.lineTo(px, top + height);
    const d = new Date(t);
    const label = spanDays > 2 ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const w = g.measureText(label).width;
    g.fillText(label, Math.min(Math.max(px - w / 2, left), left + width - w), top + height + 16);
  }
  g.stroke();
}
