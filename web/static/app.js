// The pm-trader dashboard: reads /api/dashboard every few seconds and draws it.
// Every figure is shown as the server formatted it (`*_usd`, the command line's format): this
// script does no money arithmetic. Text from the book (tickers, reasons) only ever goes in
// through textContent, never as markup.
"use strict";

const REFRESH_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";
// Axis labels only (a chart's scale): every figure shown as a value comes formatted by the server.
const AXIS_DOLLARS = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
let latest = null;

function $(id) { return document.getElementById(id); }

function text(id, value) { $(id).textContent = value == null ? "–" : String(value); }

function el(tag, content, cls) {
  const node = document.createElement(tag);
  if (content != null) node.textContent = String(content);
  if (cls) node.className = cls;
  return node;
}

function signed(node, exact) {
  if (exact != null && exact !== "0" && !/^-?0(\.0+)?$/.test(exact)) {
    node.classList.add(exact.startsWith("-") ? "neg" : "pos");
  }
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) tr.appendChild(cell);
  return tr;
}

function cell(value, numeric) { return el("td", value == null ? "–" : value, numeric ? "n" : null); }

function replace(id, nodes) {
  const parent = $(id);
  parent.replaceChildren(...nodes);
}

function badge(id, label, kind) {
  const node = $(id);
  node.textContent = label;
  node.className = "badge " + kind;
}

function svgNode(tag, attrs, content) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (content != null) node.textContent = content;
  return node;
}

function renderHeader(d) {
  const s = d.status;
  text("database", s.database);
  text("generated-at", d.generated_at);
  badge("running", s.running ? "bot running" : "no bot running", s.running ? "good" : "warn");
  badge("trading", s.trading === "halted" ? "HALTED" : "trading active", s.trading === "halted" ? "bad" : "good");
  badge("health-badge", s.health.ok ? "health ok" : "UNHEALTHY", s.health.ok ? "good" : "bad");
}

function renderCards(d) {
  const s = d.status;
  text("equity", s.equity_usd);
  text("cash", s.bankroll_usd);
  text("ledger", s.ledger_ok ? `ledger adds up (${s.ledger_rows} rows)` : "ledger BROKEN");
  text("market-value", s.market_value_usd);
  signed($("unrealized"), s.unrealized_pnl).textContent = s.unrealized_pnl_usd;
  signed($("realized"), s.realized_pnl).textContent = s.realized_pnl_usd;
  text("closed-trades", `${s.closed_trades} closed: ${s.wins} won, ${s.losses} lost`);
  text("exposure", s.open_exposure_usd);
  text("open-orders", s.open_orders.length);
  text("drift", s.cash_drift_usd);
  text("drift-detail", s.cash_verdict == null ? "venue never checked"
    : `${s.cash_verdict}: venue ${s.venue_cash_usd}, book ${s.expected_cash_usd}`);
  const llm = d.llm;
  text("llm-today", llm.spent_today_usd == null ? "$0.00" : llm.spent_today_usd);
  text("llm-budget", llm.daily_budget_usd);
  text("llm-total", llm.total_usd);
  text("llm-calls", llm.calls);
  const share = Number(llm.spent_today || 0) / Math.max(Number(llm.daily_budget), 1e-9);
  $("llm-bar").style.width = `${Math.min(share, 1) * 100}%`;
  $("llm-bar").className = share >= 1 ? "over" : "";
}

function lineChart(svg, series, emptyNote) {
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points);
  svg.dataset.points = String(all.length);
  const [w, h, left, bottom, top, right] = [800, 240, 70, 22, 10, 10];
  if (all.length === 0) {
    svg.appendChild(svgNode("text", { x: w / 2, y: h / 2, "text-anchor": "middle" }, emptyNote));
    return;
  }
  const times = all.map((p) => p[0]);
  const values = all.map((p) => p[1]);
  let [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [v0, v1] = [Math.min(...values), Math.max(...values)];
  if (t1 === t0) { t0 -= 1; t1 += 1; }
  if (v1 === v0) { v0 -= 1; v1 += 1; }
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);
  const y = (v) => top + (1 - (v - v0) / (v1 - v0)) * (h - top - bottom);
  svg.appendChild(svgNode("line", { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, class: "axis" }));
  svg.appendChild(svgNode("line", { x1: left, y1: top, x2: left, y2: h - bottom, class: "axis" }));
  svg.appendChild(svgNode("text", { x: left - 4, y: top + 10, "text-anchor": "end" }, AXIS_DOLLARS.format(v1)));
  svg.appendChild(svgNode("text", { x: left - 4, y: h - bottom, "text-anchor": "end" }, AXIS_DOLLARS.format(v0)));
  const when = (t) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
  svg.appendChild(svgNode("text", { x: left, y: h - 6 }, when(t0)));
  svg.appendChild(svgNode("text", { x: w - right, y: h - 6, "text-anchor": "end" }, when(t1)));
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    const path = svgNode("path", { d, class: s.cls });
    path.dataset.points = String(s.points.length);
    svg.appendChild(path);
  }
}

function renderEquity(d) {
  const at = (p) => Date.parse(p.at);
  lineChart($("equity-chart"), [
    { cls: "cash", points: d.equity_curve.map((p) => [at(p), Number(p.cash)]) },
    { cls: "equity", points: d.equity_curve.map((p) => [at(p), Number(p.equity)]) },
  ], "no equity reading yet: the bot marks equity at every reconciliation");
}

function renderCalibration(d) {
  const svg = $("calibration-chart");
  svg.replaceChildren();
  const size = 300, pad = 30, span = size - 2 * pad;
  const x = (p) => pad + p * span;
  const y = (p) => size - pad - p * span;
  svg.appendChild(svgNode("rect", { x: pad, y: pad, width: span, height: span, class: "axis", fill: "none" }));
  svg.appendChild(svgNode("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: "diagonal" }));
  svg.appendChild(svgNode("text", { x: pad, y: size - 10 }, "0"));
  svg.appendChild(svgNode("text", { x: size - pad, y: size - 10, "text-anchor": "end" }, "forecast 1"));
  svg.appendChild(svgNode("text", { x: 4, y: pad + 4 }, "1"));
  const score = d.scorecard[0];
  const buckets = score ? score.buckets : [];
  svg.dataset.points = String(buckets.length);
  if (buckets.length === 0) {
    svg.appendChild(svgNode("text", { x: size / 2, y: size / 2, "text-anchor": "middle" }, "no forecast scored yet"));
    return;
  }
  const points = buckets.map((b) => [Number(b.mean_forecast), Number(b.observed_rate), b.count]);
  svg.appendChild(svgNode("polyline", {
    points: points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" "), class: "calibration",
  }));
  const most = Math.max(...points.map((p) => p[2]));
  for (const [f, o, n] of points) {
    const dot = svgNode("circle", { cx: x(f).toFixed(1), cy: y(o).toFixed(1), r: (3 + 6 * Math.sqrt(n / most)).toFixed(1) });
    dot.appendChild(svgNode("title", {}, `forecast ${f.toFixed(3)}, happened ${o.toFixed(3)} (${n})`));
    svg.appendChild(dot);
  }
}

function skillLine(name, value, ci, shown) {
  return `${name} ${shown}${value != null && ci == null ? " (no interval under two events)" : ""}`;
}

function renderSkill(d) {
  if (d.scorecard.length === 0) {
    replace("skill", [el("p", "No forecast has been scored yet: forecasts are scored as their markets settle.", "muted")]);
    return;
  }
  replace("skill", d.scorecard.map((s) => {
    const box = el("div", null, "card");
    box.appendChild(el("h3", `${s.model} ${s.prompt_version || ""}`));
    box.appendChild(el("p", s.verdict));
    box.appendChild(el("div", skillLine("Brier skill", s.brier_skill, s.brier_skill_ci, s.brier_skill_text)));
    box.appendChild(el("div", skillLine("log-loss gain", s.log_loss_gain, s.log_loss_gain_ci, s.log_loss_gain_text)));
    box.appendChild(el("div", `${s.forecasts} markets, ${s.events} events; Brier ${s.brier} (market ${s.market_brier ?? "–"})`));
    box.appendChild(el("div", `${s.trades} trades, net after fees and API ${s.net_usd}`));
    return box;
  }));
}

function renderPositions(d) {
  const rows = d.status.positions.map((p) => {
    const action = document.createElement("td");
    if (d.controls) {
      const button = el("button", "Close", "danger");
      button.type = "button";
      button.dataset.ticker = p.ticker;
      button.addEventListener("click", () => control("close", { ticker: p.ticker }, `sell ${p.ticker} at the best bid`));
      action.appendChild(button);
    }
    return row([
      cell(p.ticker), cell(p.side), cell(p.count, true), cell(p.entry_price, true), cell(p.cost_usd, true),
      cell(p.mark, true), cell(p.value_usd, true), signed(cell(p.unrealized_pnl_usd, true), p.unrealized_pnl),
      cell(p.mark_stale ? `STALE ${p.marked_at}` : p.marked_at), action,
    ]);
  });
  if (rows.length === 0) rows.push(row([el("td", "no open position", "muted")]));
  replace("positions", rows);
  const events = d.status.event_exposure.map((e) => row([cell(e.event), cell(e.cost_usd, true)]));
  replace("event-exposure", events.length ? events : [row([el("td", "none", "muted")])]);
}

function renderResumeCodes(d) {
  const select = $("resume-code");
  if (select.options.length > 1) return;
  for (const code of d.resume_codes) {
    const option = el("option", code);
    option.value = code;
    select.appendChild(option);
  }
}

function renderTrades(d) {
  text("trades-shown", d.trades.length === d.trades_total ? `(${d.trades_total})` : `(the newest ${d.trades.length} of ${d.trades_total})`);
  const rows = d.trades.map((t) => {
    const sold = t.parts.filter((p) => p.kind !== "restated").map((p) => `${p.kind || "closed"} ${p.count} for ${p.proceeds_usd}`);
    const exit = t.closed_at ? `${sold.join("; ") || "closed"}, ${t.closed_at}` : `open, mark ${t.mark ?? "–"}${sold.length ? "; " + sold.join("; ") : ""}`;
    return row([
      cell(t.position_id, true), cell(t.ticker), cell(t.side), cell(t.contracts, true), cell(t.opened_at),
      cell(t.entry_price, true), cell(t.fees_usd, true), el("td", exit, "wrap"), signed(cell(t.pnl_usd, true), t.pnl),
      cell(t.llm_cost_usd, true), signed(cell(t.net_usd, true), t.net),
    ]);
  });
  if (rows.length === 0) rows.push(row([el("td", "no trade yet", "muted")]));
  replace("trades", rows);
}

function renderLists(d) {
  const s = d.status;
  const halts = s.halts.map((h) => el("li", `${h.code} since ${h.raised_at}: ${h.detail}`));
  replace("halts", halts.length ? halts : [el("li", "none: new orders allowed", "muted")]);
  const requests = s.operator_requests.map((r) => {
    const what = r.malformed ? `refused (${r.malformed})` : [r.action, r.code, r.ticker].filter(Boolean).join(" ");
    const by = r.requested_by ? ` by ${r.requested_by.user}@${r.requested_by.host}` : "";
    const done = r.handled_at ? `done ${r.handled_at}: ${r.outcome}` : "waiting for the bot's next reconciliation";
    return el("li", `#${r.id} ${what}${by} at ${r.requested_at}: ${done}`);
  });
  replace("requests", requests.length ? requests : [el("li", "none", "muted")]);
  const parts = s.health.parts.map((p) => row([
    cell(p.part), el("td", p.healthy ? "ok" : `UNHEALTHY: ${p.problem}`, p.healthy ? "pos" : "neg"),
    cell(p.cycle, true), cell(p.checked_at), cell(p.last_healthy_at),
  ]));
  replace("health", parts.length ? parts : [row([el("td", "no check yet", "muted")])]);
  text("heartbeat", s.heartbeat_at == null ? "no heartbeat yet"
    : `last cycle ${s.heartbeat_cycle} ended ${s.heartbeat_at} (venue ${s.heartbeat_venue}); last error ${s.last_error_at ?? "never"} ${s.last_error ?? ""}`);
}

function render(d) {
  latest = d;
  renderHeader(d);
  renderCards(d);
  renderEquity(d);
  renderCalibration(d);
  renderSkill(d);
  renderPositions(d);
  renderTrades(d);
  renderLists(d);
  renderResumeCodes(d);
  $("controls-on").hidden = !d.controls;
  $("controls-off").hidden = d.controls;
  document.body.dataset.loaded = "true";
}

async function refresh() {
  try {
    const answer = await fetch("/api/dashboard", { cache: "no-store" });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.error || answer.statusText);
    $("error").hidden = true;
    render(body);
  } catch (err) {
    $("error").hidden = false;
    $("error").textContent = `cannot read the book: ${err.message}`;
  }
}

async function control(action, body, confirmText) {
  if (confirmText && !window.confirm(`${action}: ${confirmText}?`)) return;
  const token = $("token").value;
  sessionStorage.setItem("pmt-token", token);
  const answer = await fetch(`/api/control/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body || {}),
  });
  const result = await answer.json();
  const line = $("control-result");
  line.textContent = answer.ok ? result.message : `refused: ${result.error}`;
  line.className = answer.ok ? "pos" : "neg";
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = sessionStorage.getItem("pmt-token") || "";
  $("pause").addEventListener("click", () => control("pause", {}, null));
  $("resume").addEventListener("click", () => control("resume", { code: $("resume-code").value || null }, null));
  $("flatten").addEventListener("click", () => control("flatten", {}, "sell every position at the best bid"));
  refresh();
  setInterval(refresh, REFRESH_MS);
});
