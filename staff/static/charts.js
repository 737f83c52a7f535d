// Small charts drawn with DOM and SVG only (no library, nothing inline: the CSP allows
// scripts and styles from this server alone; sizes are set through the CSSOM).

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

const percent = (share) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

/** Horizontal bars: rows [{label, count, share?}]. */
export function bars(container, rows, { showShare = true } = {}) {
  container.replaceChildren();
  if (!rows.length) {
    container.appendChild(el("p", "muted", "这段时间没有数据。"));
    return;
  }
  const max = Math.max(...rows.map((r) => r.count));
  for (const row of rows) {
    const line = el("div", "bar-row");
    line.dataset.key = row.key || row.label;
    line.appendChild(el("span", "bar-label", row.label));
    const track = el("span", "bar-track");
    const fill = el("span", "bar-fill");
    fill.style.width = `${Math.max(2, (row.count / max) * 100)}%`;
    track.appendChild(fill);
    line.appendChild(track);
    const value = showShare && row.share !== undefined ? `${row.count} · ${percent(row.share)}` : `${row.count}`;
    line.appendChild(el("span", "bar-value", value));
    container.appendChild(line);
  }
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** Grouped columns per day: days [{day, conversations, messages}]. */
export function columns(container, days, series) {
  container.replaceChildren();
  const width = Math.max(640, days.length * 64);
  const height = 220;
  const bottom = 30;
  const max = Math.max(1, ...days.flatMap((d) => series.map((s) => d[s.key])));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "columns" });
  chart.appendChild(svg("title", {}, series.map((s) => s.label).join("、") + "，按天"));
  const slot = width / days.length;
  const barWidth = Math.min(22, (slot - 12) / series.length);
  days.forEach((d, i) => {
    series.forEach((s, j) => {
      const h = ((height - bottom - 20) * d[s.key]) / max;
      const x = i * slot + (slot - barWidth * series.length) / 2 + j * barWidth;
      const y = height - bottom - h;
      const g = svg("g", { class: `series-${s.key}`, "data-day": d.day, "data-series": s.key });
      g.appendChild(svg("rect", { x, y, width: barWidth - 2, height: Math.max(h, 0.5), rx: 2 }));
      g.appendChild(svg("text", { x: x + (barWidth - 2) / 2, y: y - 4, "text-anchor": "middle", class: "col-value" }, d[s.key]));
      chart.appendChild(g);
    });
    chart.appendChild(svg("text", { x: i * slot + slot / 2, y: height - 10, "text-anchor": "middle", class: "col-label" }, d.day.slice(5)));
  });
  container.appendChild(chart);
  const legend = el("p", "legend");
  for (const s of series) {
    const item = el("span", `legend-item series-${s.key}`);
    item.appendChild(el("i"));
    item.appendChild(document.createTextNode(s.label));
    legend.appendChild(item);
  }
  container.appendChild(legend);
}
