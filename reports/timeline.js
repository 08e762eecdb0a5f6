// The space-time diagram's script: it reads the run from #run-data and
// draws only the window of virtual time on screen, redrawing on scroll,
// zoom and filter. Time flows down; one column per replica and client.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("run-data").textContent);
  const S = D.strings;
  const SPAN_KINDS = ["down", "paused", "partition", "block", "clog", "clock", "net"];
  const FATES = ["", "lost", "partitioned", "dead receiver", "duplicate"];
  const OUTCOMES = ["ok", "failed", "unknown"];
  const GUTTER = 78, MAX_H = 8e6, MAX_ARROWS = 20000, DETAIL = 1500, MAX_LABELS = 600;
  const PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];

  const scroller = document.getElementById("scroller");
  const spacer = document.getElementById("spacer");
  const svg = document.getElementById("view");
  const heads = document.getElementById("lane-heads");
  const detail = document.getElementById("detail");

  // Records, by stride.
  const M = 7, F = 5, T = 3, SP = 6, A = 2, O = 5;
  const nMsgs = D.msgs.length / M, nFacts = D.facts.length / F, nTimers = D.timers.length / T;
  let maxLat = 0;
  for (let i = 0; i < nMsgs; i++) maxLat = Math.max(maxLat, D.msgs[i * M + 1] - D.msgs[i * M]);

  const state = {
    scale: 1e-6, // px per virtual ns
    hiddenLanes: new Set(), hiddenTypes: new Set(),
    layers: { arrows: true, labels: true, drops: true, facts: true, timers: false, ops: true, spans: true },
  };
  const typeColor = new Map();
  const msgTypes = countTypes(D.msgs, M, 4), factTypes = countTypes(D.facts, F, 2);
  [...msgTypes.keys()].forEach((t, i) => typeColor.set(t, PALETTE[i % PALETTE.length]));

  function countTypes(arr, stride, off) {
    const m = new Map();
    for (let i = off; i < arr.length; i += stride) m.set(arr[i], (m.get(arr[i]) || 0) + 1);
    return new Map([...m.entries()].sort((a, b) => S[a[0]] < S[b[0]] ? -1 : 1));
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]));
  }
  function short(typ) { const s = S[typ]; return s.slice(s.lastIndexOf(".") + 1); }
  function brief(val, n) {
    let s = S[val].replace(/^\{|\}$/g, "");
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }
  function fmtTime(ns, step) {
    if (step >= 1e9) return (ns / 1e9).toFixed(0) + " s";
    if (step >= 1e6) return (ns / 1e6).toFixed(0) + " ms";
    if (step >= 1e5) return (ns / 1e6).toFixed(1) + " ms";
    if (step >= 1e4) return (ns / 1e6).toFixed(2) + " ms";
    return (ns / 1e6).toFixed(3) + " ms";
  }
  function fmtAt(ns) { return (ns / 1e6).toFixed(3) + " ms"; }

  // Columns: replicas weigh 1, clients a little over half.
  let cols = [], width = 0, viewH = 0;
  function layout() {
    width = scroller.clientWidth;
    viewH = scroller.clientHeight;
    const shown = D.lanes.map((_, i) => i).filter(i => !state.hiddenLanes.has(i));
    const weight = i => i < D.nodes ? 1 : 0.55;
    const total = shown.reduce((s, i) => s + weight(i), 0) || 1;
    const unit = (width - GUTTER - 12) / total;
    cols = D.lanes.map(() => null);
    let x = GUTTER;
    for (const i of shown) {
      const w = unit * weight(i);
      cols[i] = { x0: x, w: w, x: x + w / 2 };
      x += w;
    }
    heads.innerHTML = shown.map(i => `<span class="lane-head ${i < D.nodes ? "node" : "client"}" style="left:${cols[i].x0}px;width:${cols[i].w}px">${esc(D.lanes[i])}</span>`).join("");
    svg.setAttribute("width", width);
    svg.setAttribute("height", viewH);
  }

  function setScale(scale, anchorT, anchorY) {
    const minScale = (viewH - 40) / Math.max(D.end, 1);
    state.scale = Math.min(Math.max(scale, minScale), MAX_H / Math.max(D.end, 1), 2);
    spacer.style.height = Math.ceil(D.end * state.scale + viewH / 2) + "px";
    scroller.scrollTop = Math.max(0, anchorT * state.scale - anchorY);
    const onScreen = viewH / state.scale;
    document.getElementById("scale").textContent = onScreen >= 1e9 ? `${(onScreen / 1e9).toPrecision(3)} s on screen` : `${(onScreen / 1e6).toPrecision(3)} ms on screen`;
    draw();
  }
  function centerT() { return (scroller.scrollTop + viewH / 2) / state.scale; }
  function zoom(f, t, y) { setScale(state.scale * f, t, y); }

  function lowerBound(arr, stride, off, t) {
    let lo = 0, hi = arr.length / stride;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid * stride + off] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // thin keeps at most MAX_ARROWS of idx, evenly spread, so a zoomed-out
  // window shows the whole run's shape rather than its beginning.
  function thin(idx) {
    if (idx.length <= MAX_ARROWS) return idx;
    const out = [], step = idx.length / MAX_ARROWS;
    for (let k = 0; k < MAX_ARROWS; k++) out.push(idx[Math.floor(k * step)]);
    return out;
  }

  // Label placement: a label is drawn only where it overlaps none drawn.
  let placed;
  function place(x0, x1, y) {
    const b = Math.round(y / 13);
    for (const k of [b - 1, b, b + 1]) {
      for (const p of placed.get(k) || []) {
        if (x0 < p[1] && p[0] < x1 && Math.abs(p[2] - y) < 13) return false;
      }
    }
    if (!placed.has(b)) placed.set(b, []);
    placed.get(b).push([x0, x1, y]);
    return true;
  }
  const textW = s => s.length * 6.1 + 6;
  // fit cuts s to about px pixels of label text.
  function fit(s, px) {
    const n = Math.floor((px - 6) / 6.1);
    if (n < 4) return "";
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  function draw() {
    const top = scroller.scrollTop, t0 = top / state.scale, t1 = (top + viewH) / state.scale;
    const Y = t => (t - t0) * state.scale;
    const out = [];
    const labels = [];
    placed = new Map();
    let labelCount = 0;
    const L = state.layers;
    const visible = lane => lane >= 0 && cols[lane];
    // Lane lines.
    for (let i = 0; i < cols.length; i++) {
      if (!cols[i]) continue;
      out.push(`<line class="lane${i < D.nodes ? "" : " client"}" x1="${cols[i].x}" x2="${cols[i].x}" y1="0" y2="${viewH}"/>`);
    }
    const marks = [];
    drawMark(out, marks, D.anomaly, "anomaly", "earliest anomaly", Y, t0, t1);
    drawMark(out, marks, D.bad, "bad", "first bad event", Y, t0, t1);
    drawAxis(out, t0, t1, Y);
    if (L.spans) drawSpans(out, labels, t0, t1, Y);
    for (let i = 0; i < D.actions.length; i += A) {
      const t = D.actions[i];
      if (t < t0 || t > t1) continue;
      out.push(`<g class="action" data-k="a" data-i="${i / A}"><line x1="${GUTTER - 10}" x2="${width}" y1="${Y(t)}" y2="${Y(t)}"/><title>${esc(fmtAt(t) + " " + S[D.actions[i + 1]])}</title></g>`);
    }
    if (L.ops) drawOps(out, labels, t0, t1, Y);
    // Arrows: in full (each its own element, label and tooltip) when
    // few enough are on screen, else one path per colour.
    const vis = [];
    if (L.arrows || L.drops) {
      const from = lowerBound(D.msgs, M, 1, t0);
      for (let i = from; i < nMsgs; i++) {
        const r = i * M, sent = D.msgs[r], at = D.msgs[r + 1];
        if (at > t1 + maxLat) break;
        if (sent > t1) continue;
        const a = D.msgs[r + 2], b = D.msgs[r + 3], fate = D.msgs[r + 6];
        if (!visible(a) && !visible(b)) continue;
        if (state.hiddenTypes.has("m" + D.msgs[r + 4])) continue;
        const dropped = fate >= 1 && fate <= 3;
        if (dropped ? !L.drops : !L.arrows) continue;
        vis.push(i);
      }
    }
    const shown = thin(vis), stride = vis.length / Math.max(shown.length, 1);
    const dense = shown.length > DETAIL;
    const batches = new Map();
    for (const i of shown) {
      const r = i * M, a = D.msgs[r + 2], b = D.msgs[r + 3], typ = D.msgs[r + 4], fate = D.msgs[r + 6];
      const dropped = fate >= 1 && fate <= 3;
      const xa = cols[a] ? cols[a].x : (cols[b].x < GUTTER + 20 ? cols[b].x - 30 : GUTTER + 4);
      let xb = cols[b] ? cols[b].x : xa + 30;
      let ya = Y(D.msgs[r]), yb = Y(D.msgs[r + 1]);
      if (fate === 1) { xb = xa + (xb - xa) * 0.35; yb = ya + Math.max(6, (yb - ya)); }
      const color = dropped ? "#d62728" : typeColor.get(typ);
      if (dense) {
        const key = dropped ? "drop" : color;
        batches.set(key, (batches.get(key) || "") + `M${xa.toFixed(1)},${ya.toFixed(1)}L${xb.toFixed(1)},${yb.toFixed(1)}` +
          (dropped ? `M${(xb - 3).toFixed(1)},${(yb - 3).toFixed(1)}l6,6m0,-6l-6,6` : ""));
        continue;
      }
      const cls = dropped ? "msg drop" : fate === 4 ? "msg dup" : "msg";
      out.push(`<g class="${cls}" data-k="m" data-i="${i}"><line x1="${xa}" y1="${ya}" x2="${xb}" y2="${yb}" stroke="${color}"${dropped ? "" : ` marker-end="url(#arrow)"`}/>`);
      if (dropped) out.push(`<path class="x" d="M${xb - 4},${yb - 4}l8,8m0,-8l-8,8"/>`);
      out.push(`<line class="hit" x1="${xa}" y1="${ya}" x2="${xb}" y2="${yb}"/><title>${esc(msgText(i))}</title></g>`);
      if (L.labels && labelCount < MAX_LABELS) {
        let text = short(typ) + " " + brief(D.msgs[r + 5], 34);
        if (dropped) text = FATES[fate] + ": " + text;
        if (fate === 4) text = "dup " + text;
        const w = textW(text), my = (ya + yb) / 2;
        const mx = Math.min(Math.max((xa + xb) / 2, GUTTER + w / 2), width - w / 2 - 4);
        if (my > 0 && my < viewH && place(mx - w / 2, mx + w / 2, my - 7)) {
          labelCount++;
          labels.push(`<rect class="labelbg" x="${mx - w / 2 + 2}" y="${my - 14}" width="${w - 4}" height="12"/>`);
          labels.push(`<text class="mlabel${dropped ? " droplabel" : ""}" x="${mx}" y="${my - 4}" text-anchor="middle" fill="${dropped ? "#b01010" : color}">${esc(text)}</text>`);
        }
      }
    }
    for (const [key, d] of batches) {
      out.push(key === "drop" ? `<path class="batch drop" d="${d}"/>` : `<path class="batch" stroke="${key}" d="${d}"/>`);
    }
    if (dense) {
      const note = stride > 1.01 ? `${vis.length} messages in this window, about 1 in ${Math.round(stride)} drawn` : `${vis.length} messages in this window`;
      labels.push(`<text class="note" x="${width - 10}" y="${viewH - 10}" text-anchor="end">${note}: zoom in for labels and details</text>`);
    }
    if (L.timers) drawPoints(out, labels, D.timers, T, t0, t1, Y, "timer");
    if (L.facts) drawPoints(out, labels, D.facts, F, t0, t1, Y, "fact");
    svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>` +
      `<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#999" stroke-width="3"/></pattern></defs>` +
      out.join("") + labels.join("") + marks.join("");
  }

  function msgText(i) {
    const r = i * M, fate = D.msgs[r + 6];
    return `${S[D.msgs[r + 4]]} ${D.lanes[D.msgs[r + 2]]} → ${D.lanes[D.msgs[r + 3]]}\n` +
      `sent ${fmtAt(D.msgs[r])}, ${fate >= 1 && fate <= 3 ? "dropped (" + FATES[fate] + ")" : "delivered"} ${fmtAt(D.msgs[r + 1])}${fate === 4 ? " (one of two copies)" : ""}\n${S[D.msgs[r + 5]]}`;
  }

  function drawAxis(out, t0, t1, Y) {
    const target = 70 / state.scale;
    let step = Math.pow(10, Math.ceil(Math.log10(target)));
    if (step / 5 >= target) step /= 5; else if (step / 2 >= target) step /= 2;
    out.push(`<rect class="gutter" x="0" y="0" width="${GUTTER - 8}" height="${viewH}"/>`);
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const y = Y(t);
      out.push(`<line class="tick" x1="${GUTTER - 14}" x2="${width}" y1="${y}" y2="${y}"/><text class="ticklabel" x="${GUTTER - 16}" y="${y + 4}" text-anchor="end">${fmtTime(t, step)}</text>`);
      place(0, GUTTER - 10, y);
    }
  }

  // A span on a link (peer >= 0) is a stripe in its sender's column, at
  // the place of the receiver among the replicas: a node cut from two
  // peers shows two stripes, one per cut link.
  function spanText(i) {
    const s = D.spans[i * SP], e = D.spans[i * SP + 1], lane = D.spans[i * SP + 2], peer = D.spans[i * SP + 5];
    const link = peer >= 0 ? `, link ${D.lanes[lane]} → ${D.lanes[peer]}` : lane >= 0 ? `, ${D.lanes[lane]}` : ", every link";
    return `${S[D.spans[i * SP + 4]]}${link}\n${fmtAt(s)} to ${fmtAt(e)}`;
  }
  function drawSpans(out, labels, t0, t1, Y) {
    const labelled = new Set();
    for (let i = 0; i < D.spans.length; i += SP) {
      const s = D.spans[i], e = D.spans[i + 1], lane = D.spans[i + 2], kind = SPAN_KINDS[D.spans[i + 3]], peer = D.spans[i + 5];
      if (e < t0 || s > t1) continue;
      const text = S[D.spans[i + 4]];
      const y0 = Math.max(Y(s), -2), y1 = Math.min(Y(e), viewH + 2);
      let x0, w;
      if (lane < 0) { x0 = 2; w = 10; }
      else if (cols[lane]) { x0 = cols[lane].x0 + 3; w = cols[lane].w - 6; }
      else continue;
      let rx = x0, rw = w;
      if (peer >= 0 && lane >= 0) {
        const n = Math.max(D.nodes, peer + 1);
        rw = w / n;
        rx = x0 + peer * rw;
      }
      out.push(`<g class="span ${kind}" data-k="s" data-i="${i / SP}"><rect x="${rx}" y="${y0}" width="${rw}" height="${Math.max(1, y1 - y0)}"/><title>${esc(spanText(i / SP))}</title></g>`);
      if (lane < 0) continue;
      const key = `${lane}|${s}|${D.spans[i + 4]}`;
      if (labelled.has(key)) continue;
      labelled.add(key);
      // Under the top of the span or of the window, below any mark there.
      for (let ly = Math.max(Y(s), 0) + 13; ly < Math.min(y1, Math.max(Y(s), 0) + 60); ly += 14) {
        if (place(x0 + 2, x0 + 6 + textW(text), ly - 4)) {
          labels.push(`<text class="spanlabel ${kind}" x="${x0 + 4}" y="${ly}">${esc(fit(text, w - 8))}</text>`);
          break;
        }
      }
    }
  }

  function drawOps(out, labels, t0, t1, Y) {
    for (let i = 0; i < D.ops.length; i += O) {
      const lane = D.ops[i], inv = D.ops[i + 1], ret = D.ops[i + 2], oc = D.ops[i + 3];
      if (inv > t1 || ret < t0 || !cols[lane]) continue;
      const x = cols[lane].x, y0 = Y(inv), y1 = Math.max(Y(ret), y0 + 2);
      out.push(`<g class="op ${OUTCOMES[oc]}" data-k="o" data-i="${i / O}"><rect x="${x - 5}" y="${y0}" width="10" height="${y1 - y0}"/><title>${esc(opText(i))}</title></g>`);
      const text = fit(S[D.ops[i + 4]], width - x - 14);
      const ly = Math.max(y0, 0) + 11, w = textW(text);
      if (text && y1 - y0 > 14 && ly < Math.min(y1, viewH) && place(x + 8, x + 8 + w, ly)) {
        labels.push(`<text class="oplabel ${OUTCOMES[oc]}" x="${x + 8}" y="${ly}">${esc(text)}</text>`);
      }
    }
  }
  function opText(i) {
    const ret = D.ops[i + 2], oc = D.ops[i + 3];
    return `${D.lanes[D.ops[i]]}: ${S[D.ops[i + 4]]}\ninvoked ${fmtAt(D.ops[i + 1])}, ` +
      (oc === 2 ? "outcome unknown (timed out)" : `${OUTCOMES[oc]} at ${fmtAt(ret)}`);
  }

  function drawPoints(out, labels, arr, stride, t0, t1, Y, cls) {
    const n = arr.length / stride, vis = [];
    for (let i = lowerBound(arr, stride, 0, t0); i < n; i++) {
      const r = i * stride;
      if (arr[r] > t1) break;
      if (!cols[arr[r + 1]] || state.hiddenTypes.has(cls[0] + arr[r + 2])) continue;
      vis.push(i);
    }
    const dense = vis.length > DETAIL;
    let plain = "", odd = "";
    for (const i of thin(vis)) {
      const r = i * stride, t = arr[r], lane = arr[r + 1], typ = arr[r + 2];
      const x = cols[lane].x, y = Y(t), anomaly = cls === "fact" && arr[r + 4] === 1;
      if (dense) {
        const sq = `M${(x - 2.5).toFixed(1)},${(y - 2.5).toFixed(1)}h5v5h-5z`;
        if (anomaly) odd += sq; else plain += sq;
        continue;
      }
      const c = anomaly ? "fact anomalous" : cls;
      const shape = anomaly ? `<path d="M${x},${y - 6}l6,6l-6,6l-6,-6z"/>` :
        cls === "timer" ? `<rect x="${x - 3}" y="${y - 3}" width="6" height="6"/>` : `<circle cx="${x}" cy="${y}" r="3.5"/>`;
      const full = cls === "fact" ? `${S[typ]} at ${D.lanes[lane]}, ${fmtAt(t)}\n${S[arr[r + 3]]}` : `timer ${S[typ]} at ${D.lanes[lane]}, ${fmtAt(t)}`;
      out.push(`<g class="${c}" data-k="${cls[0]}" data-i="${i}">${shape}<title>${esc(full)}</title></g>`);
      if (!state.layers.labels || cls !== "fact") continue;
      const text = fit(short(typ) + " " + brief(arr[r + 3], 28), x - cols[lane].x0 - 10), w = textW(text);
      if (text && place(x - w - 6, x - 6, y + 3)) labels.push(`<text class="factlabel${anomaly ? " anomalous" : ""}" x="${x - 7}" y="${y + 3}" text-anchor="end">${esc(text)}</text>`);
    }
    if (plain) out.push(`<path class="batch ${cls}" d="${plain}"/>`);
    if (odd) out.push(`<path class="batch fact anomalous" d="${odd}"/>`);
  }

  function drawMark(out, labels, mark, cls, name, Y, t0, t1) {
    if (!mark || !mark.length || mark[0] < t0 || mark[0] > t1) return;
    const y = Y(mark[0]), lane = mark[1];
    out.push(`<g class="mark ${cls}"><line x1="${GUTTER - 8}" x2="${width}" y1="${y}" y2="${y}"/>`);
    if (lane >= 0 && cols[lane]) out.push(`<circle cx="${cols[lane].x}" cy="${y}" r="11"/>`);
    out.push(`<title>${esc(name + " at " + fmtAt(mark[0]) + ": " + S[mark[2]])}</title></g>`);
    const text = `${name} (${fmtAt(mark[0])}): ${S[mark[2]]}`;
    const room = Math.floor((width - GUTTER - 20) / 7.4);
    const clipped = text.length > room ? text.slice(0, room - 1) + "…" : text;
    const w = clipped.length * 7.4 + 10;
    place(GUTTER - 4, GUTTER - 4 + w, y - 10);
    labels.push(`<rect class="markbox ${cls}" x="${GUTTER - 4}" y="${y - 22}" width="${w}" height="18" rx="3"/>`);
    labels.push(`<text class="marklabel ${cls}" x="${GUTTER}" y="${y - 8}">${esc(clipped)}</text>`);
  }

  // Detail panel: the full record under a click.
  svg.addEventListener("click", ev => {
    const g = ev.target.closest("[data-k]");
    if (!g) { detail.hidden = true; return; }
    const i = +g.dataset.i, k = g.dataset.k;
    let text = "";
    if (k === "m") text = msgText(i);
    else if (k === "o") text = opText(i * O);
    else if (k === "f") text = `${S[D.facts[i * F + 2]]} at ${D.lanes[D.facts[i * F + 1]]}, ${fmtAt(D.facts[i * F])}\n${S[D.facts[i * F + 3]]}`;
    else if (k === "t") text = `timer ${S[D.timers[i * T + 2]]} at ${D.lanes[D.timers[i * T + 1]]}, ${fmtAt(D.timers[i * T])}`;
    else if (k === "a") text = `${fmtAt(D.actions[i * A])}: ${S[D.actions[i * A + 1]]}`;
    else if (k === "s") text = spanText(i);
    detail.textContent = text;
    detail.hidden = false;
  });

  function goTo(mark) {
    if (!mark || !mark.length) return;
    // A window holding about 80 messages around the mark.
    const i = lowerBound(D.msgs, M, 1, mark[0]);
    const a = D.msgs[Math.max(0, i - 50) * M + 1] || 0;
    const b = D.msgs[Math.min(nMsgs - 1, i + 30) * M + 1] || D.end;
    const span = Math.max(b - a, 2e6, 2 * (mark[0] - a), 1);
    setScale(viewH / span, mark[0], viewH * 0.45);
  }

  function buildFilters() {
    const body = document.getElementById("filter-body");
    const box = (group, key, label, checked, count, swatch) =>
      `<label><input type="checkbox" data-g="${group}" data-key="${esc(key)}"${checked ? " checked" : ""}> ${swatch ? `<span class="swatch" style="background:${swatch}"></span>` : ""}${esc(label)}${count !== undefined ? ` <small>${count}</small>` : ""}</label>`;
    const html = [];
    html.push("<fieldset><legend>lanes</legend>" + D.lanes.map((l, i) => box("lane", i, l, true)).join("") + "</fieldset>");
    html.push("<fieldset><legend>layers</legend>" + Object.keys(state.layers).map(k => box("layer", k, k, state.layers[k])).join("") + "</fieldset>");
    html.push("<fieldset><legend>messages</legend>" + [...msgTypes].map(([t, n]) => box("type", "m" + t, S[t], true, n, typeColor.get(t))).join("") + "</fieldset>");
    html.push("<fieldset><legend>facts</legend>" + [...factTypes].map(([t, n]) => box("type", "f" + t, S[t], true, n)).join("") + "</fieldset>");
    if (D.omitted) html.push(`<p class="note">Left out past 200,000 records: ${esc(JSON.stringify(D.omitted))} (the trace file has them all).</p>`);
    body.innerHTML = html.join("");
    body.addEventListener("change", ev => {
      const c = ev.target, key = c.dataset.key;
      if (c.dataset.g === "lane") { c.checked ? state.hiddenLanes.delete(+key) : state.hiddenLanes.add(+key); layout(); }
      else if (c.dataset.g === "layer") state.layers[key] = c.checked;
      else c.checked ? state.hiddenTypes.delete(key) : state.hiddenTypes.add(key);
      draw();
    });
  }

  // The legend names every shape and colour the diagram draws.
  function buildLegend() {
    const sw = (cls, title) => `<span class="key"><svg width="14" height="14"><g class="span ${cls}"><rect x="1" y="1" width="12" height="12"/></g></svg>${title}</span>`;
    const shape = (inner, title) => `<span class="key"><svg width="22" height="14">${inner}</svg>${title}</span>`;
    document.getElementById("legend").innerHTML = [
      shape(`<line x1="1" y1="3" x2="19" y2="11" stroke="#1f77b4" stroke-width="1.3"/>`, "message (colour: type)"),
      shape(`<g class="msg drop"><line x1="1" y1="3" x2="15" y2="9" stroke="#d62728"/><path class="x" d="M13,5l6,6m0,-6l-6,6"/></g>`, "dropped"),
      shape(`<g class="msg dup"><line x1="1" y1="3" x2="19" y2="11" stroke="#1f77b4"/></g>`, "duplicate"),
      shape(`<g class="fact"><circle cx="11" cy="7" r="3.5"/></g>`, "fact"),
      shape(`<g class="fact anomalous"><path d="M11,1l6,6l-6,6l-6,-6z"/></g>`, "anomaly"),
      shape(`<g class="timer"><rect x="8" y="4" width="6" height="6"/></g>`, "timer"),
      shape(`<g class="op ok"><rect x="7" y="0" width="8" height="14"/></g>`, "op ok"),
      shape(`<g class="op failed"><rect x="7" y="0" width="8" height="14"/></g>`, "op failed"),
      shape(`<g class="op unknown"><rect x="7" y="0" width="8" height="14" fill="#ddd"/></g>`, "op unknown"),
      shape(`<g class="action"><line x1="0" y1="7" x2="22" y2="7"/></g>`, "fault or phase applied"),
      sw("down", "crashed"), sw("paused", "paused"), sw("partition", "partitioned link"), sw("block", "blocked link"),
      sw("clog", "clogged link"), sw("clock", "clock off"), sw("net", "network worse (left gutter)"),
      shape(`<g class="mark bad"><line x1="0" y1="7" x2="22" y2="7"/></g>`, "first bad event"),
      shape(`<g class="mark anomaly"><line x1="0" y1="7" x2="22" y2="7"/></g>`, "earliest anomaly"),
    ].join("");
  }

  function init() {
    document.getElementById("title").textContent = D.title;
    const v = document.getElementById("verdict");
    v.textContent = D.verdict;
    v.className = D.bad.length ? "verdict bad" : "verdict";
    document.getElementById("repro").textContent = D.repro;
    const bl = document.getElementById("badline");
    if (D.bad.length) bl.textContent = `first bad event at ${fmtAt(D.bad[0])}: ${S[D.bad[2]]}`;
    else bl.hidden = true;
    const goBad = document.getElementById("go-bad"), goAn = document.getElementById("go-anomaly");
    goBad.disabled = !D.bad.length;
    goAn.disabled = !D.anomaly.length;
    goBad.onclick = () => goTo(D.bad);
    goAn.onclick = () => goTo(D.anomaly);
    document.getElementById("zoom-in").onclick = () => zoom(2, centerT(), viewH / 2);
    document.getElementById("zoom-out").onclick = () => zoom(0.5, centerT(), viewH / 2);
    document.getElementById("fit").onclick = () => setScale(0, 0, 0);
    buildFilters();
    buildLegend();
    layout();
    let pending = false;
    scroller.addEventListener("scroll", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; draw(); });
    });
    scroller.addEventListener("wheel", ev => {
      if (!ev.ctrlKey && !ev.metaKey) return;
      ev.preventDefault();
      const y = ev.clientY - scroller.getBoundingClientRect().top;
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, (scroller.scrollTop + y) / state.scale, y);
    }, { passive: false });
    document.addEventListener("keydown", ev => {
      if (ev.target.tagName === "INPUT") return;
      if (ev.key === "+" || ev.key === "=") zoom(2, centerT(), viewH / 2);
      else if (ev.key === "-") zoom(0.5, centerT(), viewH / 2);
      else if (ev.key === "Escape") detail.hidden = true;
    });
    window.addEventListener("resize", () => { const t = centerT(); layout(); setScale(state.scale, t, viewH / 2); });
    if (D.bad.length) goTo(D.bad);
    else if (D.anomaly.length) goTo(D.anomaly);
    else goTo([0]);
  }
  init();
})();
